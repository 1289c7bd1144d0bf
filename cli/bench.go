package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/vkllm/vkllm/runtime/bench"
	"github.com/vkllm/vkllm/runtime/kernels"
)

// benchCommand measures throughput like llama-bench, or kernel bandwidth.
func benchCommand() *cli.Command {
	return &cli.Command{
		Name:  "bench",
		Usage: "measure prompt and generation throughput like llama-bench (or, with --kernels, each GPU kernel's bandwidth)",
		UsageText: "vkllm bench -m MODEL[,MODEL2] [-p 512] [-n 128] [-r 5] [--concurrency 1,4,16] [--device D] [--kv-type T] [--json]\n" +
			"   vkllm bench --kernels [--device D] [--json]",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: "comma-separated models; each is a " + modelUsage},
			&cli.StringFlag{Name: "n-prompt", Aliases: []string{"p"}, Value: "512", Usage: "prompt lengths of the ppN tests, comma-separated (0: none)"},
			&cli.StringFlag{Name: "n-gen", Aliases: []string{"n"}, Value: "128", Usage: "generated tokens of the tgN tests, comma-separated (0: none)"},
			&cli.IntFlag{Name: "repetitions", Aliases: []string{"r"}, Value: bench.DefaultReps, Usage: "timed repetitions per test, after one warm-up"},
			&cli.StringFlag{Name: "concurrency", Aliases: []string{"c"}, Value: "1", Usage: "sequences submitted together per test, comma-separated (batched through the scheduler)"},
			&cli.IntFlag{Name: "kv-blocks", Usage: "KV pool blocks (default: the largest concurrency × the tests' context)"},
			&cli.StringFlag{Name: "kv-mem", Usage: "KV pool byte budget, e.g. 1GiB"},
			&cli.IntFlag{Name: "threads", Aliases: []string{"t"}, Usage: "CPU threads (default: all cores)"},
			&cli.BoolFlag{Name: "profile", Usage: "Vulkan: GPU time per kernel per test (timestamps; serialises dispatches, so throughput drops)"},
			&cli.BoolFlag{Name: "json", Usage: "print a JSON array with llama-bench's field names"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "md", Usage: "output format: md or json (as --json)"},
			&cli.BoolFlag{Name: "kernels", Usage: "measure the copy kernel's and each hot kernel's bandwidth on the Vulkan device instead"},
			&cli.BoolFlag{Name: "small", Usage: "with --kernels: test-sized shapes"},
		}, backendFlags()...),
		Action: runBench,
	}
}

func runBench(c *cli.Context) error {
	asJSON := c.Bool("json")
	switch o := c.String("output"); o {
	case "json":
		asJSON = true
	case "md":
	default:
		return fmt.Errorf("bench: --output %q: want md or json", o)
	}
	if c.Bool("kernels") {
		return benchKernels(c, asJSON)
	}
	opt, err := benchOptions(c)
	if err != nil {
		return err
	}
	opt.Progress = func(msg string) { fmt.Fprintln(c.App.ErrWriter, msg) }
	rs, err := bench.Run(c.Context, opt)
	if len(rs) > 0 || err == nil {
		var werr error
		if asJSON {
			werr = bench.WriteJSON(c.App.Writer, rs)
		} else {
			werr = bench.WriteMarkdown(c.App.Writer, rs)
		}
		if err == nil {
			err = werr
		}
	}
	return err
}

// benchOptions turns the flags into bench.Options.
func benchOptions(c *cli.Context) (bench.Options, error) {
	opt := bench.Options{Reps: c.Int("repetitions"), Device: c.String("device"), KVType: c.String("kv-type"), Threads: c.Int("threads"),
		Profile: c.Bool("profile")}
	var err error
	if opt.Prompts, err = intList(c, "n-prompt"); err != nil {
		return opt, err
	}
	if opt.Gens, err = intList(c, "n-gen"); err != nil {
		return opt, err
	}
	if opt.Concurrency, err = intList(c, "concurrency"); err != nil {
		return opt, err
	}
	if opt.KV, err = kvPoolOptions(c); err != nil {
		return opt, err
	}
	if c.String("model") == "" {
		return opt, fmt.Errorf("bench: give -m MODEL[,MODEL2] (or --kernels)")
	}
	for _, ref := range strings.Split(c.String("model"), ",") {
		path, err := resolveModel(c, strings.TrimSpace(ref))
		if err != nil {
			return opt, err
		}
		opt.Models = append(opt.Models, path)
	}
	return opt, nil
}

// intList parses a comma-separated list of non-negative integers.
func intList(c *cli.Context, flag string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(c.String(flag), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bench: --%s %q: want comma-separated non-negative integers", flag, c.String(flag))
		}
		out = append(out, n)
	}
	return out, nil
}

// benchKernels prints kernels.Efficiency on the chosen device.
func benchKernels(c *cli.Context, asJSON bool) error {
	name, rates, err := bench.Kernels(bench.KernelOptions{Device: c.String("device"),
		Shapes: kernels.EfficiencyOptions{Small: c.Bool("small")}})
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Device  string               `json:"device"`
			Kernels []kernels.KernelRate `json:"kernels"`
		}{name, rates})
	}
	return bench.WriteKernels(c.App.Writer, name, rates)
}
