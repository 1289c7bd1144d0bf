package cli

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/vkllm/vkllm/runtime/kernels"
)

// selftestCommand runs every GPU kernel against the CPU reference.
func selftestCommand() *cli.Command {
	return &cli.Command{
		Name:  "selftest",
		Usage: "run every kernel and variant on a Vulkan device against the CPU reference",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "device", EnvVars: []string{"VKLLM_DEVICE"}, Usage: "device index, type or name substring (default: the best device)"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
			&cli.BoolFlag{Name: "short", Usage: "skip the large shapes"},
			&cli.StringSliceFlag{Name: "kernel", Usage: "run only kernels whose name contains this (repeatable or comma-separated, e.g. matvec_q4_k,attn)"},
			&cli.BoolFlag{Name: "validation", Usage: "enable the Khronos validation layer; its errors fail the run"},
			&cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Usage: "checks run at once (default: 1 on a CPU device, one per core up to 16 on a GPU)"},
		},
		Action: runSelftest,
	}
}

func runSelftest(c *cli.Context) error {
	rep, err := kernels.SelfTest(kernels.SelfTestOptions{
		Device:     c.String("device"),
		Short:      c.Bool("short"),
		Validation: c.Bool("validation"),
		Kernels:    c.StringSlice("kernel"),
		Jobs:       c.Int("jobs"),
		Progress:   selftestProgress(c.App.ErrWriter),
	})
	if err != nil {
		return fmt.Errorf("selftest: %w", err)
	}
	if c.Bool("json") {
		if err := writeJSON(c.App.Writer, rep); err != nil {
			return fmt.Errorf("selftest: %w", err)
		}
	} else if err := writeSelftest(c.App.Writer, rep); err != nil {
		return fmt.Errorf("selftest: %w", err)
	}
	if n := rep.Failed(); n > 0 {
		return fmt.Errorf("selftest: %d of %d checks failed", n, len(rep.Results))
	}
	return nil
}

// selftestProgress reports the selftest's progress on w: a bar with the
// current check on a terminal, otherwise a line every progressEvery; a
// failure is printed when it happens, on either.
func selftestProgress(w io.Writer) func(pass string, done, total int, r kernels.Result) {
	f, ok := w.(*os.File)
	tty := ok && isTerminal(f)
	start, last := time.Now(), time.Now()
	failed, clear := 0, ""
	if tty {
		clear = "\r\033[K" // the bar's line
	}
	return func(pass string, done, total int, r kernels.Result) {
		if !r.Pass && !r.Skipped {
			failed++
			fmt.Fprintf(w, "%sFAIL %s %s %s: nmse %.3g over %.0e %s\n", clear, r.Kernel, r.Variant, r.Shape, r.NMSE, r.Bound, r.Err)
		}
		switch {
		case tty:
			drawBar(w, "selftest ("+pass+")", int64(done), int64(total), fmt.Sprintf(" %d/%d %s %s\033[K", done, total, r.Variant, r.Shape))
		case time.Since(last) >= progressEvery || done == total:
			last = time.Now()
			fmt.Fprintf(w, "selftest (%s): %d/%d checks, %d failed, %s\n", pass, done, total, failed, time.Since(start).Round(time.Second))
		}
	}
}

// progressEvery spaces the progress lines written to a file or pipe.
const progressEvery = 10 * time.Second

// writeSelftest prints the conformance table, one row per kernel, variant
// and shape.
func writeSelftest(w io.Writer, rep kernels.Report) error {
	fmt.Fprintf(w, "device: %s (%s)\n", rep.Device, rep.Driver)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KERNEL\tVARIANT\tDEVICE\tSHAPE\tRESULT\tNMSE\tBOUND\tGPU TIME\tWALL")
	for _, r := range rep.Results {
		status := "pass"
		switch {
		case r.Skipped:
			status = "skip: " + r.Err
		case r.Err != "":
			status = "FAIL: " + r.Err
		case !r.Pass:
			status = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.3g\t%.0e\t%v\t%v\n",
			r.Kernel, r.Variant, r.Features, r.Shape, status, r.NMSE, r.Bound, r.GPUTime, r.Wall.Round(time.Millisecond))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d checks, %d failed, %d skipped\n", len(rep.Results), rep.Failed(), rep.Skipped())
	return err
}
