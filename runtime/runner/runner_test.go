package runner

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/models/tokenizer"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/sample"
)

// greedy is argmax sampling through runtime/sample.
var greedy = sample.Params{TopP: 1, RepeatPenalty: 1}

type fixture struct {
	l   *cpu.Loaded
	tok *tokenizer.Tokenizer
}

func load(t testing.TB) fixture {
	t.Helper()
	l, err := cpu.Open(testenv.Model(t, "stories260K-f32.gguf"))
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	tok, err := tokenizer.FromGGUF(l.File)
	require.NoError(t, err)
	return fixture{l: l, tok: tok}
}

func (f fixture) newRunner(t testing.TB, opt CPUOptions) *Runner {
	t.Helper()
	opt.KVType = cache.KVF32
	r, err := NewCPU(f.l.Model, f.tok, opt)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

// alone runs a request on its own through cpu.Session: the oracle.
func (f fixture) alone(t testing.TB, req Request) []int32 {
	t.Helper()
	s, err := cpu.NewSession(f.l.Model, cpu.Options{KVType: cache.KVF32})
	require.NoError(t, err)
	smp, err := sample.New(req.Params)
	require.NoError(t, err)
	var out []int32
	_, err = s.Generate(context.Background(), req.Prompt,
		cpu.GenerateParams{MaxTokens: req.MaxTokens, Sampler: smp, IsEOG: f.tok.IsEOG},
		func(id int32) error { out = append(out, id); return nil })
	require.NoError(t, err)
	return out
}

// streamText is the text a streaming decoder makes of generated ids.
func (f fixture) streamText(ids []int32) string {
	dec := f.tok.NewDecoder()
	var sb strings.Builder
	for _, id := range ids {
		sb.WriteString(dec.Next(id))
	}
	return sb.String() + dec.Flush()
}

// slowStepper delays every step, so a test can act between steps.
type slowStepper struct {
	Stepper
	delay time.Duration
}

func (s slowStepper) Step(b *llama.Batch) ([]float32, error) {
	time.Sleep(s.delay)
	return s.Stepper.Step(b)
}

// newSlowRunner builds a runner by hand (as an engine's constructor would):
// CPU backend behind a slowStepper, no tokenizer (so no EOG: requests run
// to MaxTokens or the context).
func (f fixture) newSlowRunner(t testing.TB, opt Options, bs, blocks int) *Runner {
	t.Helper()
	m := f.l.Model
	pool, err := cache.NewBlockPool(blocks, bs)
	require.NoError(t, err)
	kv, err := cache.NewHostPool(m.Config.Layers, cache.Layout{Type: cache.KVF32, BlockSize: bs,
		KVHeads: m.Config.KVHeads, HeadDim: m.Config.HeadDim}, blocks)
	require.NoError(t, err)
	be, err := cpu.NewBackend(m, kv, cpu.BackendOptions{})
	require.NoError(t, err)
	r, err := New(m, slowStepper{NewStepper(m, be), 2 * time.Millisecond}, pool, nil, opt)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

var starts = []string{
	"Once upon a time", "The little dog", "Lily and Ben went to the park", "One day, a big bird",
	"Tom had a red ball. He liked to play with it every day", "Sue saw a cat", "The sun was hot",
	"Mom said", "There was a little girl named Amy. She loved to sing", "A boy", "The tree was very tall and green",
	"Max was sad because", "In the garden there were many flowers", "Bob", "The car went fast", "Tim and his friend",
	"It was a rainy day and the children stayed inside", "The fish",
}

// requests builds n greedy requests with different prompts and lengths.
func (f fixture) requests(n int) []Request {
	reqs := make([]Request, n)
	for i := range reqs {
		reqs[i] = Request{Prompt: f.tok.Encode(starts[i%len(starts)], true), MaxTokens: 6 + 5*(i%7), Params: greedy}
	}
	return reqs
}

// withSampling gives every third request seeded temperature sampling with a
// repetition penalty, so each request's own sampler and history matter.
func withSampling(reqs []Request) []Request {
	for i := 0; i < len(reqs); i += 3 {
		reqs[i].Params = sample.Params{Temperature: 0.9, TopK: 40, TopP: 0.95, RepeatPenalty: 1.1,
			RepeatLastN: 64, Seed: uint64(100 + i)}
	}
	return reqs
}

// collect reads a stream to its end: the token ids and the text.
func collect(s *Stream) ([]int32, string, Result) {
	var ids []int32
	var text strings.Builder
	for ev := range s.Tokens() {
		if ev.Token >= 0 {
			ids = append(ids, ev.Token)
		}
		text.WriteString(ev.Text)
	}
	return ids, text.String(), s.Wait()
}

type outcome struct {
	ids  []int32
	text string
	res  Result
}

// runAll submits every request from its own goroutine and collects them.
func runAll(t *testing.T, r *Runner, reqs []Request) []outcome {
	out := make([]outcome, len(reqs))
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() {
			s, err := r.Submit(context.Background(), req)
			if !assert.NoError(t, err) {
				return
			}
			out[i].ids, out[i].text, out[i].res = collect(s)
		})
	}
	wg.Wait()
	return out
}

// checkDrained asserts that every block is free again and the invariants hold.
func checkDrained(t *testing.T, r *Runner) {
	t.Helper()
	require.NoError(t, r.CheckInvariants())
	st := r.Stats()
	assert.Equal(t, st.TotalBlocks, st.FreeBlocks, "blocks still held")
	assert.Zero(t, st.Running)
	assert.Zero(t, st.Waiting)
}

func checkOutcomes(t *testing.T, f fixture, reqs []Request, got []outcome) {
	t.Helper()
	for i, req := range reqs {
		want := f.alone(t, req)
		assert.Equal(t, want, got[i].ids, "request %d", i)
		assert.Equal(t, f.streamText(want), got[i].text, "request %d", i)
		assert.Contains(t, []string{FinishStop, FinishLength}, got[i].res.Finish, "request %d", i)
		assert.Equal(t, len(req.Prompt), got[i].res.PromptTokens)
		assert.Positive(t, got[i].res.TTFT)
	}
}

// TestConcurrentMatchesAlone: 18 concurrent requests, long prompts chunked
// under a small token budget, each produce what they produce alone.
func TestConcurrentMatchesAlone(t *testing.T) {
	f := load(t)
	r := f.newRunner(t, CPUOptions{Options: Options{MaxSeqs: 16, MaxBatchTokens: 24}, BlockSize: 4})
	reqs := withSampling(f.requests(18))
	got := runAll(t, r, reqs)
	checkOutcomes(t, f, reqs, got)
	checkDrained(t, r)
	st := r.Stats()
	assert.EqualValues(t, len(reqs), st.Completed)
	assert.Zero(t, st.Preemptions)
	assert.Positive(t, st.TokensPerSecond)
	t.Logf("%d steps, %.0f tok/s in steps, mean TTFT %v", st.Steps, st.TokensPerSecond, st.MeanTTFT)
}

// TestPreemption: a pool too small for all running sequences still
// completes every request with the same output.
func TestPreemption(t *testing.T) {
	f := load(t)
	reqs := withSampling(f.requests(12))
	for i := range reqs {
		reqs[i].MaxTokens = 40
	}
	// 30 blocks of 4 tokens: each sequence may need up to 14 blocks.
	r := f.newRunner(t, CPUOptions{Options: Options{MaxSeqs: 8, MaxBatchTokens: 64, Context: 128}, BlockSize: 4, NumBlocks: 31})
	got := runAll(t, r, reqs)
	checkOutcomes(t, f, reqs, got)
	checkDrained(t, r)
	st := r.Stats()
	assert.Positive(t, st.Preemptions)
	t.Logf("%d preemptions, %d steps", st.Preemptions, st.Steps)
	total := 0
	for _, o := range got {
		total += o.res.Preemptions
	}
	assert.EqualValues(t, st.Preemptions, total)
}

// TestSharedPrefix: requests that share a long prompt compute its full
// blocks once; the others take them from the prefix cache.
func TestSharedPrefix(t *testing.T) {
	f := load(t)
	shared := f.tok.Encode("Once upon a time there was a little girl named Lily. She loved to play outside "+
		"with her dog and her big red ball in the sun", true)
	const B = 4
	r := f.newRunner(t, CPUOptions{Options: Options{MaxSeqs: 8, MaxBatchTokens: 64}, BlockSize: B})
	reqs := make([]Request, 6)
	for i := range reqs {
		suffix := f.tok.Encode(fmt.Sprintf(" and %s", starts[i]), false)
		reqs[i] = Request{Prompt: append(append([]int32{}, shared...), suffix...), MaxTokens: 8, Params: greedy}
	}
	// The first computes the prefix; the rest arrive once it has.
	first := runAll(t, r, reqs[:1])
	rest := runAll(t, r, reqs[1:])
	got := append(first, rest...)
	checkOutcomes(t, f, reqs, got)
	fullBlocks := len(shared) / B * B
	assert.Zero(t, got[0].res.CachedPromptTokens)
	for i, o := range rest {
		assert.GreaterOrEqual(t, o.res.CachedPromptTokens, fullBlocks, "request %d", i+1)
	}
	st := r.Stats()
	assert.GreaterOrEqual(t, st.PrefixHitTokens, int64(len(rest)*fullBlocks))
	assert.Greater(t, st.PrefixHitRate, 0.5)
	t.Logf("prefix hits %d of %d prompt tokens (%.2f)", st.PrefixHitTokens, st.PrefixQueryTokens, st.PrefixHitRate)
	checkDrained(t, r)
}

// TestCancel: cancelling a request mid-generation ends it with
// FinishCancelled and frees its blocks; other requests are unaffected.
func TestCancel(t *testing.T) {
	f := load(t)
	r := f.newSlowRunner(t, Options{MaxSeqs: 4, MaxBatchTokens: 32}, 4, 4*128+1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Without a tokenizer nothing ends it but the context (512 tokens).
	long := Request{Prompt: f.tok.Encode("Once upon a time", true), Params: sample.Params{Temperature: 1, TopP: 1, RepeatPenalty: 1, Seed: 7}}
	s, err := r.Submit(ctx, long)
	require.NoError(t, err)
	other := f.requests(2)
	done := make(chan []outcome)
	go func() { done <- runAll(t, r, other) }()
	for range 3 {
		if _, ok := s.Next(); !ok {
			require.FailNow(t, "stream ended early", "%+v", s.Wait())
		}
	}
	cancel()
	_, _, res := collect(s)
	assert.Equal(t, FinishCancelled, res.Finish)
	assert.GreaterOrEqual(t, res.GeneratedTokens, 3)
	assert.Less(t, res.GeneratedTokens, 400)
	for i, o := range <-done {
		assert.Equal(t, f.alone(t, other[i])[:len(o.ids)], o.ids)
		assert.Len(t, o.ids, other[i].MaxTokens) // no EOG without a tokenizer
	}
	checkDrained(t, r)

	// A request whose context is already cancelled ends at once.
	s, err = r.Submit(ctx, long)
	require.NoError(t, err)
	assert.Equal(t, FinishCancelled, s.Wait().Finish)
	checkDrained(t, r)
}

// TestCloseCancelsWork: Close ends running and waiting requests, and Submit
// fails afterwards.
func TestCloseCancelsWork(t *testing.T) {
	f := load(t)
	r := f.newRunner(t, CPUOptions{Options: Options{MaxSeqs: 2}, BlockSize: 16})
	var streams []*Stream
	for _, req := range f.requests(4) {
		req.MaxTokens = 0
		s, err := r.Submit(context.Background(), req)
		require.NoError(t, err)
		streams = append(streams, s)
	}
	require.NoError(t, r.Close())
	for _, s := range streams {
		res := s.Wait()
		assert.Contains(t, []string{FinishCancelled, FinishStop, FinishLength}, res.Finish)
	}
	_, err := r.Submit(context.Background(), f.requests(1)[0])
	assert.ErrorIs(t, err, ErrClosed)
	require.NoError(t, r.Close())
	checkDrained(t, r)
}

// TestStopString: generation ends at a stop string taken from the middle of
// the greedy continuation; the text before it is delivered, it is not.
func TestStopString(t *testing.T) {
	f := load(t)
	r := f.newRunner(t, CPUOptions{})
	req := Request{Prompt: f.tok.Encode("Once upon a time", true), MaxTokens: 40, Params: greedy}
	full := runAll(t, r, []Request{req})[0]
	require.Greater(t, len(full.text), 40)
	stop := full.text[20:26]
	req.Stop = []string{"never appears", stop}
	got := runAll(t, r, []Request{req})[0]
	assert.Equal(t, FinishStop, got.res.Finish)
	assert.Equal(t, full.text[:strings.Index(full.text, stop)], got.text)
	assert.Less(t, got.res.GeneratedTokens, full.res.GeneratedTokens)
	checkDrained(t, r)
}

func TestSubmitRejects(t *testing.T) {
	f := load(t)
	r := f.newRunner(t, CPUOptions{Options: Options{Context: 64}, BlockSize: 16, NumBlocks: 3})
	long := make([]int32, 65)
	for _, tc := range []struct {
		name string
		req  Request
		want string
	}{
		{"empty", Request{Params: greedy}, "empty prompt"},
		{"over context", Request{Prompt: long, Params: greedy}, "exceeds the context"},
		{"over pool", Request{Prompt: long[:40], MaxTokens: 1, Params: greedy}, "needs 3 blocks, the pool has 2"},
		{"bad token", Request{Prompt: []int32{1, 9999}, MaxTokens: 1, Params: greedy}, "outside the vocabulary"},
		{"bad params", Request{Prompt: []int32{1}, MaxTokens: 1}, "top-p"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Submit(context.Background(), tc.req)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	r2, err := NewCPU(f.l.Model, nil, CPUOptions{})
	require.NoError(t, err)
	defer r2.Close()
	_, err = r2.Submit(context.Background(), Request{Prompt: []int32{1}, Params: greedy, Stop: []string{"x"}})
	assert.ErrorContains(t, err, "need a tokenizer")
	checkDrained(t, r)
}
