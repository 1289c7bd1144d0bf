package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vkllm/vkllm/cache/device"
)

// Options choose what Run measures.
type Options struct {
	Models      []string // GGUF paths
	Prompts     []int    // ppN tests; 0 entries are skipped
	Gens        []int    // tgN tests; 0 entries are skipped
	Concurrency []int    // sequences submitted together per test; nil means {1}
	Reps        int      // timed repetitions after one warm-up; 0 means 5
	Device      string   // "cpu", or a Vulkan device spec (engine.UseEngine; "" picks as vkllm run does)
	KVType      string   // f32, f16, int8; "" means int8 on a Vulkan device, f32 on cpu
	Threads     int      // CPU threads; 0 means all cores
	// KV sizes the KV pool: Blocks or Bytes (on the CPU too), else every
	// sequence of the largest concurrency gets the context the tests need.
	KV device.Options
	// Profile times every kernel of the Vulkan engine's steps with
	// timestamps (engine.Options.Profile: it serialises the dispatches, so
	// throughput drops) and fills Result.Profile.
	Profile bool
	// Progress, when set, receives one line per step (model loaded, test
	// done).
	Progress func(msg string)
}

// GenPrompt is the prompt length of tgN tests: a short prompt, so the
// measurement is generation; its prompt step is not timed.
const GenPrompt = 4

// DefaultReps is the repetitions when Options.Reps is 0 (llama-bench's).
const DefaultReps = 5

// test is one ppN or tgN at one concurrency.
type test struct {
	prompt, gen, conc int
}

func (t test) name() string {
	if t.gen > 0 {
		return fmt.Sprintf("tg%d", t.gen)
	}
	return fmt.Sprintf("pp%d", t.prompt)
}

func (o Options) withDefaults() (Options, error) {
	if o.Reps == 0 {
		o.Reps = DefaultReps
	}
	if len(o.Concurrency) == 0 {
		o.Concurrency = []int{1}
	}
	switch {
	case len(o.Models) == 0:
		return o, errors.New("bench: no model")
	case o.Reps < 1:
		return o, fmt.Errorf("bench: %d repetitions: want at least 1", o.Reps)
	case slices.ContainsFunc(o.Concurrency, func(c int) bool { return c < 1 }):
		return o, fmt.Errorf("bench: concurrency %v: each must be at least 1", o.Concurrency)
	case slices.ContainsFunc(o.Prompts, func(n int) bool { return n < 0 }) || slices.ContainsFunc(o.Gens, func(n int) bool { return n < 0 }):
		return o, errors.New("bench: negative test length")
	}
	if len(o.tests()) == 0 {
		return o, errors.New("bench: no test (every -p and -n is 0)")
	}
	return o, nil
}

// tests lists the model's tests in llama-bench's order: every pp, then
// every tg, each at every concurrency.
func (o Options) tests() []test {
	var ts []test
	for _, n := range o.Prompts {
		for _, c := range o.Concurrency {
			if n > 0 {
				ts = append(ts, test{prompt: n, conc: c})
			}
		}
	}
	for _, n := range o.Gens {
		for _, c := range o.Concurrency {
			if n > 0 {
				ts = append(ts, test{prompt: GenPrompt, gen: n, conc: c})
			}
		}
	}
	return ts
}

// context returns the tokens per sequence the tests need: the prompt, and
// for tgN the N tokens fed back after it (the last sampled token is never
// computed, so a ppN fits a context of N, as in llama-bench).
func (o Options) context() int {
	n := 0
	for _, t := range o.tests() {
		n = max(n, t.prompt+t.gen)
	}
	return n
}

func (o Options) progress(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(fmt.Sprintf(format, args...))
	}
}

// Run measures every model × test × concurrency and returns one Result
// each, in order. A cancelled ctx stops between samples.
func Run(ctx context.Context, opt Options) ([]Result, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, path := range opt.Models {
		rs, err := runModel(ctx, opt, path)
		out = append(out, rs...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func runModel(ctx context.Context, opt Options, path string) ([]Result, error) {
	start := time.Now()
	t, err := openTarget(opt, path)
	if err != nil {
		return nil, err
	}
	defer t.close()
	opt.progress("%s: loaded on %s in %.1fs; KV pool (%s) of %d blocks of %d tokens holds %d sequences of the tests' %d tokens, %d of the model's %d",
		t.info.Filename, t.device, time.Since(start).Seconds(), t.kvType, t.blocks, t.blockSize, t.seqsAt(opt.context()),
		opt.context(), t.seqsAt(t.info.Context), t.info.Context)
	var out []Result
	for _, ts := range opt.tests() {
		r, err := t.measure(ctx, ts, opt.Reps)
		if err != nil {
			return out, fmt.Errorf("bench: %s %s ×%d: %w", t.info.Filename, ts.name(), ts.conc, err)
		}
		opt.progress("%s %s ×%d: %.2f ± %.2f t/s", t.info.Filename, ts.name(), ts.conc, r.AvgTS, r.StddevTS)
		out = append(out, r)
	}
	return out, nil
}
