package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/cache/device"
	"github.com/vkllm/vkllm/internal/quality"
	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/models/synth"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/sample"
	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// benchModels are the benchmark's models: the tiny stories model and a
// synthetic 85M-parameter-class Q8_0 model written into the temp dir.
var benchModels = []struct {
	name string
	path func(b *testing.B) string
}{
	{"stories260K-f32", func(b *testing.B) string { return testenv.Model(b, "stories260K-f32.gguf") }},
	{"synth85M-q8_0", func(b *testing.B) string { return synth85M(b, quant.Q8_0) }},
	{"synth85M-f16", func(b *testing.B) string { return synth85M(b, quant.F16) }},
}

func synth85M(b *testing.B, t quant.Type) string {
	return synth.TempModel(b, synth.Config{Layers: 12, Dim: 768, Heads: 12, KVHeads: 4, FFN: 2048, Vocab: 512,
		Context: 1024, Type: t, Seed: 1})
}

// benchModes compare the engine's speed features: every step recorded
// with one dispatch per op (the engine before fusion and reuse), fused
// ops, and fused ops with replayed command buffers.
var benchModes = []struct {
	name string
	opt  Options
}{
	{"record", Options{NoFuse: true, NoReuse: true}},
	{"fused", Options{NoReuse: true}},
	{"fused+reuse", Options{}},
}

const (
	benchPrompt = 128 // prompt tokens
	benchGen    = 32  // generated tokens per iteration
)

// BenchmarkEngine reports prompt and generation tokens/s of the engine
// (int8 KV) and logs where the GPU time goes, from timestamps.
//
//	go test -run '^$' -bench Engine -benchtime 3x ./runtime/engine
func BenchmarkEngine(b *testing.B) {
	for _, bm := range benchModels {
		b.Run(bm.name, func(b *testing.B) {
			dev := vktest.Device(b)
			l, err := cpu.Open(bm.path(b))
			require.NoError(b, err)
			defer l.Close()
			m := l.Model
			prompt := benchTokens(benchPrompt, m.Config.Vocab)
			for _, mode := range benchModes {
				b.Run(mode.name, func(b *testing.B) { benchGenerate(b, dev, m, prompt, mode.opt) })
			}
			b.Run("decode-loop/host-sample", func(b *testing.B) { benchSampleDecode(b, dev, m, prompt, false) })
			b.Run("decode-loop/gpu-sample", func(b *testing.B) { benchSampleDecode(b, dev, m, prompt, true) })
			logProfile(b, dev, m, prompt)
		})
	}
}

// benchGenerate reports prompt and generation tokens/s of a session over
// an engine with opt (int8 KV), greedy on the host.
func benchGenerate(b *testing.B, dev *vk.Device, m *llama.Model, prompt []int32, opt Options) {
	opt.KVType = cache.KVInt8
	opt.KV = device.Options{Blocks: (benchPrompt+benchGen)/16 + 2}
	e, err := New(dev, m, opt)
	require.NoError(b, err)
	defer e.Close()
	s, err := cpu.NewSessionOn(m, e, cpu.Options{})
	require.NoError(b, err)
	var st cpu.Stats
	for b.Loop() {
		got, err := s.Generate(context.Background(), prompt, cpu.GenerateParams{MaxTokens: benchGen, Sampler: quality.Greedy{}},
			func(int32) error { return nil })
		require.NoError(b, err)
		st.PromptTokens += got.PromptTokens
		st.PromptTime += got.PromptTime
		st.GenTokens += got.GenTokens
		st.GenTime += got.GenTime
	}
	b.ReportMetric(st.PromptRate(), "prompt-tok/s")
	b.ReportMetric(st.GenRate(), "gen-tok/s")
	b.ReportMetric(float64(e.WeightBytes())*st.GenRate()/1e9, "weight-GB/s")
}

// benchSampleDecode reports greedy generation tokens/s of a plain decode
// loop (the prompt in MaxRows chunks, then one token per step, counted as
// Generate counts them): through StepSample when gpu (the GPU picks each
// token and only its id comes back), else Step and the host sampler.
func benchSampleDecode(b *testing.B, dev *vk.Device, m *llama.Model, prompt []int32, gpu bool) {
	blocks := (benchPrompt+benchGen)/16 + 2
	e, err := New(dev, m, Options{KVType: cache.KVInt8, KV: device.Options{Blocks: blocks}})
	require.NoError(b, err)
	defer e.Close()
	table := make([]cache.BlockID, blocks-1)
	for i := range table {
		table[i] = cache.BlockID(i + 1)
	}
	smp, hist := []*sample.Sampler{greedySampler(b)}, [][]int32{nil}
	step := func(batch *llama.Batch) int32 {
		if gpu {
			ids, err := e.StepSample(batch, smp, hist)
			require.NoError(b, err)
			return ids[0]
		}
		logits, err := e.Step(batch)
		require.NoError(b, err)
		return smp[0].Sample(logits, nil)
	}
	var gen time.Duration
	tokens := 0
	for b.Loop() {
		batch := &llama.Batch{BlockSize: 16, Seqs: []llama.Seq{{Blocks: table}}}
		q := &batch.Seqs[0]
		var id int32
		for at := 0; at < len(prompt); at += e.MaxRows() {
			q.Start, q.Tokens = at, prompt[at:min(at+e.MaxRows(), len(prompt))]
			q.Logits = []int{len(q.Tokens) - 1}
			id = step(batch)
		}
		start := time.Now()
		for range benchGen - 1 {
			q.Start += len(q.Tokens)
			q.Tokens, q.Logits = []int32{id}, []int{0}
			id = step(batch)
		}
		gen += time.Since(start)
		tokens += benchGen
	}
	b.ReportMetric(float64(tokens)/gen.Seconds(), "gen-tok/s")
}

// logProfile runs the prompt and a few decode steps on a profiling engine,
// unfused and fused, and logs the GPU time per kernel for each phase.
func logProfile(b *testing.B, dev *vk.Device, m *llama.Model, prompt []int32) {
	b.Helper()
	for _, noFuse := range []bool{true, false} {
		e, err := New(dev, m, Options{KVType: cache.KVInt8, Profile: true, NoFuse: noFuse,
			KV: device.Options{Blocks: (benchPrompt+benchGen)/16 + 2}})
		require.NoError(b, err)
		s, err := cpu.NewSessionOn(m, e, cpu.Options{})
		require.NoError(b, err)
		_, err = s.Eval(prompt, false)
		require.NoError(b, err)
		b.Logf("NoFuse=%v prompt (%d tokens, %d-row steps):\n%s", noFuse, len(prompt), e.MaxRows(), profileTable(e))
		e.ResetProfile()
		for i := range 8 {
			_, err = s.Eval([]int32{prompt[i]}, false)
			require.NoError(b, err)
		}
		b.Logf("NoFuse=%v decode (per token):\n%s", noFuse, profileTable(e))
		e.Close()
	}
}

// profileTable formats the profile, per step, longest first.
func profileTable(e *Engine) string {
	prof, steps := e.Profile()
	var total time.Duration
	calls := 0
	for _, kt := range prof {
		total += kt.Time
		calls += kt.Calls
	}
	var sb strings.Builder
	for _, kt := range prof {
		fmt.Fprintf(&sb, "  %-14s %5d calls/step %9.3f ms/step %5.1f%%\n", kt.Name, kt.Calls/steps,
			float64(kt.Time.Microseconds())/1e3/float64(steps), 100*float64(kt.Time)/float64(total))
	}
	fmt.Fprintf(&sb, "  %-14s %5d calls/step %9.3f ms/step (%d steps)", "total", calls/steps,
		float64(total.Microseconds())/1e3/float64(steps), steps)
	return sb.String()
}

func benchTokens(n, vocab int) []int32 {
	out := make([]int32, n)
	out[0] = 1
	for i := 1; i < n; i++ {
		out[i] = int32((i*7919 + 13) % vocab)
	}
	return out
}
