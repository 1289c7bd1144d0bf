package cli

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/cache/device"
	"github.com/vkllm/vkllm/models/hub"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/engine"
	"github.com/vkllm/vkllm/runtime/sample"
)

// runCommand generates a continuation of a prompt.
func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "generate a continuation of a prompt",
		UsageText: "vkllm run [-m MODEL] -p PROMPT [options]  (-p - reads the prompt from stdin)",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: modelUsage + " (default: " + hub.DefaultModel + ")"},
			&cli.StringFlag{Name: "prompt", Aliases: []string{"p"}, Required: true, Usage: "prompt text, or - for stdin"},
			&cli.IntFlag{Name: "n-predict", Aliases: []string{"n"}, Value: 128, Usage: "tokens to generate (<= 0: until end of text or full context)"},
			&cli.Float64Flag{Name: "temp", Value: 0.8, Usage: "temperature; 0 is greedy"},
			&cli.IntFlag{Name: "top-k", Value: 40, Usage: "keep the K most likely tokens (0: all)"},
			&cli.Float64Flag{Name: "top-p", Value: 0.95, Usage: "nucleus sampling mass (1: off)"},
			&cli.Float64Flag{Name: "min-p", Value: 0.05, Usage: "drop tokens below min-p times the top probability (0: off)"},
			&cli.Float64Flag{Name: "repeat-penalty", Value: 1.0, Usage: "penalty for tokens in the last 64 (1: off)"},
			&cli.Uint64Flag{Name: "seed", Usage: "sampling seed (default: random)"},
			&cli.IntFlag{Name: "ctx", Usage: "context size in tokens (default: the model's)"},
			&cli.IntFlag{Name: "kv-blocks", Usage: "Vulkan: KV pool blocks (default: what the context needs, within half the free memory)"},
			&cli.StringFlag{Name: "kv-mem", Usage: "Vulkan: KV pool byte budget, e.g. 2GiB or 512MiB"},
			&cli.BoolFlag{Name: "profile", Usage: "Vulkan: print GPU time per kernel (timestamps; serialises dispatches)"},
			&cli.IntFlag{Name: "threads", Usage: "CPU threads (default: all cores)"},
			&cli.BoolFlag{Name: "reference", Usage: "use the single-threaded reference CPU path"},
		}, backendFlags()...),
		Action: runRun,
	}
}

func runRun(c *cli.Context) error {
	useEngine, err := engine.UseEngine(c.String("device"))
	if err != nil {
		return err
	}
	opt, err := runOptions(c, useEngine)
	if err != nil {
		return err
	}
	model, err := resolveModel(c, c.String("model"))
	if err != nil {
		return err
	}
	l, err := cpu.Open(model)
	if err != nil {
		return err
	}
	defer l.Close()
	if f, ok := c.App.ErrWriter.(*os.File); ok && isTerminal(f) {
		l.Touch(progressBar(f, "loading"))
	}
	if useEngine {
		return runOnDevice(c, l, opt)
	}
	st, err := l.Complete(c.Context, opt, c.App.Writer)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "\ndevice:     cpu (%s path)", map[bool]string{true: "reference", false: "fast"}[c.Bool("reference")])
	printStats(c.App.ErrWriter, st, opt.Session.KVType)
	return nil
}

// runOnDevice generates on the Vulkan engine.
func runOnDevice(c *cli.Context, l *cpu.Loaded, opt cpu.TextOptions) error {
	kvOpt, err := kvPoolOptions(c)
	if err != nil {
		return err
	}
	r, err := engine.Open(l.Model, engine.RunnerOptions{Device: c.String("device"), Context: opt.Session.Context,
		Engine: engine.Options{KVType: opt.Session.KVType, KV: kvOpt, Profile: c.Bool("profile")}})
	if err != nil {
		return err
	}
	defer r.Close()
	st, err := l.CompleteOn(c.Context, r.Session, opt, c.App.Writer)
	if err != nil {
		return err
	}
	w := c.App.ErrWriter
	fmt.Fprintf(w, "\ndevice:     %s (Vulkan, %d KV blocks, %.1f MiB weights)", r.Device.Physical().Name,
		r.Engine.NumBlocks(), float64(r.Engine.WeightBytes())/(1<<20))
	printStats(w, st, opt.Session.KVType)
	if prof, steps := r.Engine.Profile(); steps > 0 {
		fmt.Fprintf(w, "gpu time per kernel over %d steps:\n", steps)
		for _, kt := range prof {
			fmt.Fprintf(w, "  %-14s %6d calls %10.3f ms\n", kt.Name, kt.Calls, float64(kt.Time.Microseconds())/1e3)
		}
	}
	return nil
}

// kvPoolOptions reads --kv-blocks and --kv-mem.
func kvPoolOptions(c *cli.Context) (device.Options, error) {
	opt := device.Options{Blocks: c.Int("kv-blocks")}
	if s := c.String("kv-mem"); s != "" {
		n, err := parseBytes(s)
		if err != nil {
			return opt, fmt.Errorf("run: --kv-mem: %w", err)
		}
		opt.Bytes = n
	}
	return opt, nil
}

// parseBytes reads a size such as 2GiB, 512MiB, 1.5G or 4096.
func parseBytes(s string) (uint64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1}}
	num, mult := strings.TrimSpace(s), 1.0
	for _, u := range units {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 || v*mult >= 1<<63 {
		return 0, fmt.Errorf("size %q: want a positive number of bytes, e.g. 2GiB", s)
	}
	return uint64(v * mult), nil
}

// runOptions turns the flags into cpu.TextOptions.
func runOptions(c *cli.Context, useEngine bool) (cpu.TextOptions, error) {
	kv, err := engine.KVType(c.String("kv-type"), useEngine)
	if err != nil {
		return cpu.TextOptions{}, err
	}
	prompt := c.String("prompt")
	if prompt == "-" {
		b, err := io.ReadAll(c.App.Reader)
		if err != nil {
			return cpu.TextOptions{}, fmt.Errorf("run: read prompt from stdin: %w", err)
		}
		prompt = strings.TrimSuffix(string(b), "\n")
	}
	seed := c.Uint64("seed")
	if !c.IsSet("seed") {
		seed = rand.Uint64()
	}
	return cpu.TextOptions{
		Prompt:    prompt,
		MaxTokens: c.Int("n-predict"),
		Sample: sample.Params{
			Temperature: float32(c.Float64("temp")), TopK: c.Int("top-k"), TopP: float32(c.Float64("top-p")),
			MinP: float32(c.Float64("min-p")), RepeatPenalty: float32(c.Float64("repeat-penalty")),
			RepeatLastN: 64, Seed: seed,
		},
		Session: cpu.Options{KVType: kv, Context: c.Int("ctx"),
			Backend: cpu.BackendOptions{Reference: c.Bool("reference"), Threads: c.Int("threads")}},
	}, nil
}

func printStats(w io.Writer, st cpu.Stats, kv cache.KVType) {
	fmt.Fprintf(w, "\nprompt:     %d tokens, %.1f tok/s\n", st.PromptTokens, st.PromptRate())
	fmt.Fprintf(w, "generation: %d tokens, %.1f tok/s\n", st.GenTokens, st.GenRate())
	fmt.Fprintf(w, "kv cache:   %v, %d bytes/token, %d bytes used\n", kv, st.KVBytesPerToken, st.KVBytesUsed)
}
