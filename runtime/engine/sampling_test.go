package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/cache/device"
	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/runtime/sample"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

func greedySampler(t testing.TB) *sample.Sampler {
	s, err := sample.New(sample.Params{TopP: 1, RepeatPenalty: 1})
	require.NoError(t, err)
	return s
}

// generate samples n tokens for each of two sequences decoding side by
// side, with StepSample (gpu) or Step and Sample on the host, and counts
// the steps whose samplers let the GPU select the candidates.
func generate(t *testing.T, e *Engine, p sample.Params, n int, gpu bool) (toks [2][]int32, gpuSteps int) {
	t.Helper()
	var hist [2][]int32
	var smp []*sample.Sampler
	hs := make([][]int32, 2)
	seqs := []llama.Seq{
		{Tokens: []int32{1, 403, 407, 261}, Blocks: []cache.BlockID{1, 2, 3, 4}, Logits: []int{3}},
		{Tokens: []int32{1, 261}, Blocks: []cache.BlockID{5, 6, 7, 8}, Logits: []int{1}},
	}
	for i := range seqs {
		sp := p
		sp.Seed += uint64(i)
		s, err := sample.New(sp)
		require.NoError(t, err)
		smp = append(smp, s)
	}
	v := e.Model().Config.Vocab
	for range n {
		copy(hs, hist[:])
		if gpuTopK(smp, hs) > 0 {
			gpuSteps++
		}
		b := &llama.Batch{BlockSize: 16, Seqs: seqs}
		var ids []int32
		if gpu {
			got, err := e.StepSample(b, smp, hs)
			require.NoError(t, err)
			ids = got
		} else {
			logits, err := e.Step(b)
			require.NoError(t, err)
			for i, s := range smp {
				ids = append(ids, s.Sample(logits[i*v:(i+1)*v], hs[i]))
			}
		}
		for i := range seqs {
			hist[i] = append(hist[i], ids[i])
			seqs[i].Start += len(seqs[i].Tokens)
			seqs[i].Tokens, seqs[i].Logits = []int32{ids[i]}, []int{0}
		}
	}
	if gpu {
		assert.Equal(t, gpuSteps > 0, e.k.topk != nil, "the GPU selects candidates exactly when the samplers allow")
	}
	return hist, gpuSteps
}

// TestStepSampleMatchesHost: tokens sampled through StepSample (the GPU
// top-k when the sampler allows, the host fallback otherwise) equal the
// host sampler's over the full logits for the same seeds, step after step.
func TestStepSampleMatchesHost(t *testing.T) {
	dev := vktest.Device(t)
	l := openModel(t, testenv.Model(t, "stories260K-f32.gguf"))
	tests := []struct {
		name  string
		p     sample.Params
		onGPU bool // the GPU selects the candidates at every step
	}{
		{"greedy", sample.Params{TopP: 1, RepeatPenalty: 1}, true},
		{"defaults", sample.DefaultParams(), true},
		{"top-k 5 hot", sample.Params{Temperature: 1.5, TopK: 5, TopP: 1, RepeatPenalty: 1}, true},
		{"top-k 200 top-p", sample.Params{Temperature: 1, TopK: 200, TopP: 0.9, RepeatPenalty: 1}, true},
		{"top-k above vocab", sample.Params{Temperature: 1, TopK: 256, TopP: 1, MinP: 0.1, RepeatPenalty: 1}, true},
		{"penalty", sample.Params{Temperature: 0.7, TopK: 40, TopP: 1, RepeatPenalty: 1.3, RepeatLastN: 16}, true},
		{"greedy penalty", sample.Params{TopP: 1, RepeatPenalty: 1.3, RepeatLastN: 64}, true},
		{"penalty window too wide falls back", sample.Params{TopK: 256, Temperature: 1, TopP: 1, RepeatPenalty: 1.3, RepeatLastN: -1}, false},
		{"penalty below 1 falls back", sample.Params{TopP: 1, RepeatPenalty: 0.9, RepeatLastN: 8}, false},
		{"no top-k falls back", sample.Params{Temperature: 0.9, TopP: 0.95, RepeatPenalty: 1}, false},
	}
	n := 40
	if testing.Short() {
		n = 16
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed := range uint64(3) {
				p := tt.p
				p.Seed = seed * 1000003
				var got [2][2][]int32
				for i, gpu := range []bool{false, true} {
					e, err := New(dev, l.Model, Options{KVType: cache.KVF32, KV: device.Options{Blocks: 9}})
					require.NoError(t, err)
					var gpuSteps int
					got[i], gpuSteps = generate(t, e, p, n, gpu)
					assert.Equal(t, tt.onGPU, gpuSteps == n, "every step selects on the GPU")
					e.Close()
				}
				assert.Equal(t, got[0], got[1], "seed %d", p.Seed)
			}
		})
	}
}

// TestStepSampleRowCount: one sampler per logit row.
func TestStepSampleRowCount(t *testing.T) {
	dev := vktest.Device(t)
	l := openModel(t, testenv.Model(t, "stories260K-f32.gguf"))
	e := newEngine(t, dev, l.Model, cache.KVF32, 9)
	b := &llama.Batch{BlockSize: 16, Seqs: []llama.Seq{{Tokens: []int32{1}, Blocks: []cache.BlockID{1}, Logits: []int{0}}}}
	_, err := e.StepSample(b, nil, nil)
	assert.ErrorContains(t, err, "samplers")
}
