package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vkllm/vkllm/runtime/runner"
	"github.com/vkllm/vkllm/runtime/sample"
)

// Result is one model × test × concurrency. The fields up to Concurrency
// carry llama-bench's JSON names and meanings: samples_ts[i] is the tokens
// of the test (NPrompt for pp, NGen for tg, times Concurrency) over
// samples_ns[i]. NPrompt is 0 for tg tests, as in llama-bench: their short
// prompt (GenPrompt tokens) is not timed.
type Result struct {
	ModelFilename string    `json:"model_filename"`
	ModelType     string    `json:"model_type"`
	ModelSize     int64     `json:"model_size"`
	ModelNParams  int64     `json:"model_n_params"`
	NBatch        int       `json:"n_batch"`
	NThreads      int       `json:"n_threads"`
	TypeK         string    `json:"type_k"`
	TypeV         string    `json:"type_v"`
	NPrompt       int       `json:"n_prompt"`
	NGen          int       `json:"n_gen"`
	TestTime      string    `json:"test_time"` // RFC 3339, when the test started
	AvgNS         int64     `json:"avg_ns"`
	StddevNS      int64     `json:"stddev_ns"`
	AvgTS         float64   `json:"avg_ts"`
	StddevTS      float64   `json:"stddev_ts"`
	SamplesNS     []int64   `json:"samples_ns"`
	SamplesTS     []float64 `json:"samples_ts"`
	Device        string    `json:"device"`
	Backend       string    `json:"backend"` // CPU or Vulkan
	Concurrency   int       `json:"concurrency"`

	// MedianTS is the median of SamplesTS (robust on a shared machine).
	MedianTS float64 `json:"median_ts"`
	// PerSeqTS is the mean rate of one sequence: its tokens over its own
	// prompt time (pp) or from its first to its last token (tg).
	PerSeqTS float64 `json:"per_seq_ts"`
	// TTFT is from submission to a sequence's first token; ITL is between
	// consecutive tokens of one sequence (as its reader saw them). Over
	// every sequence of every timed repetition.
	TTFT        Percentiles `json:"ttft_ns"`
	ITL         Percentiles `json:"itl_ns"`
	MaxRunning  int         `json:"max_running"` // sequences the scheduler ran at once, at most
	Preemptions int64       `json:"preemptions"` // over the timed repetitions
	KVBlocks    int         `json:"kv_blocks"`   // pool blocks, the null block included
	KVBlockSize int         `json:"kv_block_size"`
	// Where the time goes, per timed repetition: forward steps (a tg test's
	// untimed prompt step included), their mean token rows and time
	// (Stepper.Step, wall clock), and the share of the repetition's wall
	// time, submission to last token, the steps took (the rest is
	// sampling, the runner's loop and the readers).
	Steps        float64 `json:"steps"`
	MeanStepRows float64 `json:"mean_step_rows"`
	MeanStepNS   int64   `json:"mean_step_ns"`
	StepShare    float64 `json:"step_share"`
	// Profile is the engine's GPU time per kernel over the timed
	// repetitions, longest first (Options.Profile on a Vulkan device).
	Profile []KernelTime `json:"profile,omitempty"`
}

// KernelTime is one kernel's share of a test's GPU time.
type KernelTime struct {
	Name   string `json:"name"`
	Calls  int    `json:"calls"`
	TimeNS int64  `json:"time_ns"`
}

// Test returns llama-bench's test name: ppN or tgN.
func (r Result) Test() string {
	if r.NGen > 0 {
		return fmt.Sprintf("tg%d", r.NGen)
	}
	return fmt.Sprintf("pp%d", r.NPrompt)
}

// greedy is argmax sampling: the cheapest, and deterministic.
var greedy = sample.Params{TopP: 1, RepeatPenalty: 1}

// sampleRun is what one repetition measured.
type sampleRun struct {
	window  time.Duration // from the first submission (pp) or the first token (tg) to the end
	wall    time.Duration // from the first submission to the end of the last sequence
	tokens  int
	perSeq  []float64
	ttft    []time.Duration
	itl     []time.Duration
	running int
	steps   stepStats
}

// measure runs one warm-up and reps timed repetitions of ts.
func (t *target) measure(ctx context.Context, ts test, reps int) (Result, error) {
	rng := rand.New(rand.NewPCG(uint64(ts.prompt), uint64(ts.gen*1000+ts.conc)))
	started := time.Now()
	if _, err := t.once(ctx, ts, rng); err != nil {
		return Result{}, err
	}
	pre := t.r.Stats().Preemptions
	if t.eng != nil {
		// The loop is idle between repetitions: no step touches the totals.
		t.eng.ResetProfile()
	}
	r := t.result(ts, started)
	var perSeq []float64
	var ttft, itl []time.Duration
	var steps stepStats
	var wall time.Duration
	for range reps {
		s, err := t.once(ctx, ts, rng)
		if err != nil {
			return Result{}, err
		}
		r.SamplesNS = append(r.SamplesNS, s.window.Nanoseconds())
		r.SamplesTS = append(r.SamplesTS, float64(s.tokens)/s.window.Seconds())
		perSeq, ttft, itl = append(perSeq, s.perSeq...), append(ttft, s.ttft...), append(itl, s.itl...)
		r.MaxRunning = max(r.MaxRunning, s.running, s.steps.maxSeqs)
		steps.steps += s.steps.steps
		steps.rows += s.steps.rows
		steps.time += s.steps.time
		wall += s.wall
	}
	r.Steps = float64(steps.steps) / float64(reps)
	if steps.steps > 0 {
		r.MeanStepRows = float64(steps.rows) / float64(steps.steps)
		r.MeanStepNS = steps.time.Nanoseconds() / int64(steps.steps)
	}
	r.StepShare = steps.time.Seconds() / wall.Seconds()
	ns := make([]float64, len(r.SamplesNS))
	for i, v := range r.SamplesNS {
		ns[i] = float64(v)
	}
	avg, std := meanStd(ns)
	r.AvgNS, r.StddevNS = int64(avg), int64(std)
	r.AvgTS, r.StddevTS = meanStd(r.SamplesTS)
	r.MedianTS = median(r.SamplesTS)
	r.PerSeqTS, _ = meanStd(perSeq)
	r.TTFT, r.ITL = percentiles(ttft), percentiles(itl)
	r.Preemptions = t.r.Stats().Preemptions - pre
	r.Profile = t.profile()
	return r, nil
}

// profile returns the engine's kernel times, nil without profiling.
func (t *target) profile() []KernelTime {
	if t.eng == nil {
		return nil
	}
	prof, _ := t.eng.Profile()
	var out []KernelTime
	for _, k := range prof {
		out = append(out, KernelTime{Name: k.Name, Calls: k.Calls, TimeNS: k.Time.Nanoseconds()})
	}
	return out
}

func (t *target) result(ts test, started time.Time) Result {
	r := Result{ModelFilename: t.info.Filename, ModelType: t.info.Type, ModelSize: t.info.Size, ModelNParams: t.info.Params,
		NBatch: t.batch, NThreads: t.threads, TypeK: t.kvType.String(), TypeV: t.kvType.String(), NGen: ts.gen,
		TestTime: started.UTC().Format(time.RFC3339), Device: t.device, Backend: t.backend, Concurrency: ts.conc,
		KVBlocks: t.blocks, KVBlockSize: t.blockSize}
	if ts.gen == 0 {
		r.NPrompt = ts.prompt
	}
	return r
}

// trace is one sequence of a repetition.
type trace struct {
	submitted time.Time
	tokens    []time.Time // when the reader got each token
	res       runner.Result
}

// once submits ts.conc requests together and follows them to their end.
func (t *target) once(ctx context.Context, ts test, rng *rand.Rand) (sampleRun, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	traces := make([]trace, ts.conc)
	var running atomic.Int64
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel on an early return: the streams end
	vocab := int32(t.loaded.Model.Config.Vocab)
	t.obs.take()
	for i := range traces {
		prompt := make([]int32, ts.prompt)
		for j := range prompt {
			prompt[j] = rng.Int32N(vocab)
		}
		traces[i].submitted = time.Now()
		s, err := t.r.Submit(ctx, runner.Request{Prompt: prompt, MaxTokens: ts.gen + 1, Params: greedy})
		if err != nil {
			return sampleRun{}, err
		}
		wg.Go(func() { traces[i].tokens, traces[i].res = t.follow(s, &running) })
	}
	wg.Wait()
	if err := check(traces, ts); err != nil {
		return sampleRun{}, err
	}
	s := summarize(traces, ts, int(running.Load()))
	s.steps = t.obs.take()
	return s, nil
}

// follow reads a stream to its end, timing each token and tracking the
// most sequences the runner had running.
func (t *target) follow(s *runner.Stream, running *atomic.Int64) ([]time.Time, runner.Result) {
	var times []time.Time
	for ev := range s.Tokens() {
		if ev.Token >= 0 {
			times = append(times, time.Now())
		}
		n := int64(t.r.Stats().Running)
		for cur := running.Load(); n > cur && !running.CompareAndSwap(cur, n); cur = running.Load() {
		}
	}
	return times, s.Wait()
}

// check rejects a repetition that did not compute what it was asked.
func check(traces []trace, ts test) error {
	for i, tr := range traces {
		res := tr.res
		switch {
		case res.Finish == runner.FinishError:
			return fmt.Errorf("sequence %d: %w", i, res.Err)
		case res.Finish != runner.FinishLength || res.GeneratedTokens != ts.gen+1 || len(tr.tokens) != ts.gen+1:
			return fmt.Errorf("sequence %d ended %q after %d tokens (%d seen), want %d", i, res.Finish,
				res.GeneratedTokens, len(tr.tokens), ts.gen+1)
		case res.CachedPromptTokens > 0:
			return errors.New("the prefix cache served a random prompt")
		}
	}
	return nil
}

// summarize turns a repetition's traces into its window and latencies.
func summarize(traces []trace, ts test, running int) sampleRun {
	s := sampleRun{running: running}
	begin, end := traces[0].submitted, time.Time{}
	if ts.gen > 0 {
		begin = traces[0].submitted.Add(traces[0].res.TTFT)
	}
	for _, tr := range traces {
		first, last := tr.submitted.Add(tr.res.TTFT), tr.submitted.Add(tr.res.Duration)
		s.ttft = append(s.ttft, tr.res.TTFT)
		for i := 1; i < len(tr.tokens); i++ {
			s.itl = append(s.itl, tr.tokens[i].Sub(tr.tokens[i-1]))
		}
		if ts.gen == 0 {
			end = later(end, first)
			s.perSeq = append(s.perSeq, float64(ts.prompt)/tr.res.TTFT.Seconds())
			continue
		}
		begin, end = earlier(begin, first), later(end, last)
		s.perSeq = append(s.perSeq, float64(ts.gen)/last.Sub(first).Seconds())
	}
	s.tokens = ts.conc * max(ts.gen, 0)
	if ts.gen == 0 {
		s.tokens = ts.conc * ts.prompt
	}
	s.window = max(end.Sub(begin), time.Nanosecond)
	for _, tr := range traces {
		s.wall = max(s.wall, tr.submitted.Add(tr.res.Duration).Sub(traces[0].submitted))
	}
	return s
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
