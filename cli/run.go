package cli

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/hub"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/sample"
)

// runCommand generates a continuation of a prompt.
func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "generate a continuation of a prompt",
		UsageText: "vkllm run [-m MODEL] -p PROMPT [options]  (-p - reads the prompt from stdin)",
		Flags: []cli.Flag{
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
			&cli.StringFlag{Name: "device", Value: "cpu", Usage: "compute device: cpu"},
			&cli.StringFlag{Name: "kv-type", Value: "f32", Usage: "KV cache type: f32, f16, int8"},
			&cli.IntFlag{Name: "threads", Usage: "CPU threads (default: all cores)"},
			&cli.BoolFlag{Name: "reference", Usage: "use the single-threaded reference CPU path"},
		},
		Action: runRun,
	}
}

func runRun(c *cli.Context) error {
	if d := c.String("device"); d != "cpu" {
		return fmt.Errorf("run: device %q: the Vulkan engine is not available yet; use --device cpu", d)
	}
	opt, err := runOptions(c)
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
	st, err := l.Complete(c.Context, opt, c.App.Writer)
	if err != nil {
		return err
	}
	printStats(c.App.ErrWriter, st, opt.Session.KVType)
	return nil
}

// runOptions turns the flags into cpu.TextOptions.
func runOptions(c *cli.Context) (cpu.TextOptions, error) {
	kv, err := cache.ParseKVType(c.String("kv-type"))
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
