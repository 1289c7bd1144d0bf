package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/cache/device"
	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/runtime/kernels"
	"github.com/vkllm/vkllm/runtime/sample"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// twoSeqs drives two sequences through prefill and decode steps whose
// shapes change: both sequences, then only the first, with the context
// crossing the attention's split-K thresholds.
type twoSeqs struct {
	seqs [2]llama.Seq
	next uint32
}

func newTwoSeqs() *twoSeqs {
	return &twoSeqs{seqs: [2]llama.Seq{
		{Blocks: []cache.BlockID{1, 2, 3, 4, 5, 6, 7, 8}},
		{Blocks: []cache.BlockID{9, 10, 11, 12, 13, 14, 15, 16}},
	}, next: 3}
}

// batch returns step i's batch: a prompt chunk first, then decode steps.
func (ts *twoSeqs) batch(i int) *llama.Batch {
	b := &llama.Batch{BlockSize: 16}
	for s := range ts.seqs {
		q := &ts.seqs[s]
		n := 1
		switch {
		case i == 0:
			n = 50 + 7*s // a prompt chunk: the split changes near 64
		case s == 1 && i%9 >= 6:
			continue // three steps of one sequence, then back to two
		}
		q.Start += len(q.Tokens)
		q.Tokens = q.Tokens[:0]
		for range n {
			q.Tokens = append(q.Tokens, int32(ts.next%500+2))
			ts.next = ts.next*7 + 11
		}
		q.Logits = []int{n - 1}
		b.Seqs = append(b.Seqs, *q)
	}
	return b
}

// TestReusedStepsMatchFresh: an engine that replays its recorded command
// buffer for steps of the same shape returns the same logits, bit for bit,
// as one that records every step, across shape changes and many steps.
func TestReusedStepsMatchFresh(t *testing.T) {
	dev := vktest.Device(t)
	l := openModel(t, testenv.Model(t, "stories260K-f32.gguf"))
	opts := func(noReuse bool) Options {
		return Options{KVType: cache.KVInt8, KV: device.Options{Blocks: 17}, NoReuse: noReuse, MaxRows: 128}
	}
	fresh, err := New(dev, l.Model, opts(true))
	require.NoError(t, err)
	defer fresh.Close()
	reused, err := New(dev, l.Model, opts(false))
	require.NoError(t, err)
	defer reused.Close()
	a, b := newTwoSeqs(), newTwoSeqs()
	steps := 60
	if testing.Short() {
		steps = 30
	}
	for i := range steps {
		want, err := fresh.Step(a.batch(i))
		require.NoError(t, err)
		got, err := reused.Step(b.batch(i))
		require.NoError(t, err)
		require.Equal(t, want, got, "step %d", i)
	}
	rec, rep := reused.Recordings()
	t.Logf("%d steps: %d recorded, %d replayed", steps, rec, rep)
	assert.Greater(t, rep, steps/2, "most decode steps replay")
	assert.Greater(t, rec, 3, "shape changes re-record")
	rec, rep = fresh.Recordings()
	assert.Equal(t, steps, rec)
	assert.Zero(t, rep)
}

// TestFusedMatchesUnfused: the fused kernels compute what the ops they
// replace compute, on every KV type.
func TestFusedMatchesUnfused(t *testing.T) {
	dev := vktest.Device(t)
	l := openModel(t, testenv.Model(t, "stories260K-f32.gguf"))
	for _, kv := range []cache.KVType{cache.KVF32, cache.KVF16, cache.KVInt8} {
		t.Run(kv.String(), func(t *testing.T) {
			var out [2][]float32
			for i, noFuse := range []bool{true, false} {
				e, err := New(dev, l.Model, Options{KVType: kv, KV: device.Options{Blocks: 17}, NoFuse: noFuse, MaxRows: 128})
				require.NoError(t, err)
				ts := newTwoSeqs()
				for step := range 12 {
					logits, err := e.Step(ts.batch(step))
					require.NoError(t, err)
					out[i] = append(out[i], logits...)
				}
				e.Close()
			}
			require.Len(t, out[1], len(out[0]))
			assert.Less(t, kernels.NMSE(out[1], out[0]), 1e-10)
		})
	}
}

// TestReusedStepAllocs: a replayed decode step allocates nothing but the
// logits it returns, and a GPU-sampled one nothing at all.
func TestReusedStepAllocs(t *testing.T) {
	dev := vktest.Device(t)
	l := openModel(t, testenv.Model(t, "stories260K-f32.gguf"))
	e, err := New(dev, l.Model, Options{KVType: cache.KVInt8, KV: device.Options{Blocks: 17}})
	require.NoError(t, err)
	defer e.Close()
	seq := llama.Seq{Tokens: []int32{1}, Blocks: []cache.BlockID{1, 2, 3, 4, 5, 6, 7, 8}, Logits: []int{0}}
	b := &llama.Batch{BlockSize: 16, Seqs: []llama.Seq{seq}}
	step := func() {
		_, err := e.Step(b)
		require.NoError(t, err)
		b.Seqs[0].Start++
	}
	step()
	step()
	allocs := testing.AllocsPerRun(20, step)
	assert.LessOrEqual(t, allocs, 1.0, "the returned logits only")
	smp, hist := []*sample.Sampler{greedySampler(t)}, [][]int32{nil}
	sampleStep := func() {
		_, err := e.StepSample(b, smp, hist)
		require.NoError(t, err)
		b.Seqs[0].Start++
	}
	sampleStep()
	sampleStep()
	assert.Zero(t, testing.AllocsPerRun(20, sampleStep))
	_, rep := e.Recordings()
	assert.GreaterOrEqual(t, rep, 40)
}
