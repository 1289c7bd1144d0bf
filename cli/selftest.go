package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

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
			&cli.BoolFlag{Name: "validation", Usage: "enable the Khronos validation layer; its errors fail the run"},
		},
		Action: runSelftest,
	}
}

func runSelftest(c *cli.Context) error {
	rep, err := kernels.SelfTest(kernels.SelfTestOptions{
		Device:     c.String("device"),
		Short:      c.Bool("short"),
		Validation: c.Bool("validation"),
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

// writeSelftest prints the conformance table, one row per kernel, variant
// and shape.
func writeSelftest(w io.Writer, rep kernels.Report) error {
	fmt.Fprintf(w, "device: %s (%s)\n", rep.Device, rep.Driver)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KERNEL\tVARIANT\tDEVICE\tSHAPE\tRESULT\tNMSE\tBOUND\tGPU TIME")
	for _, r := range rep.Results {
		status := "pass"
		if !r.Pass {
			status = "FAIL"
		}
		if r.Err != "" {
			status = "FAIL: " + r.Err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.3g\t%.0e\t%v\n",
			r.Kernel, r.Variant, r.Features, r.Shape, status, r.NMSE, r.Bound, r.GPUTime)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d checks, %d failed\n", len(rep.Results), rep.Failed())
	return err
}
