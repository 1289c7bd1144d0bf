package cpu

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/internal/quality"
	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/models/synth"
)

// openSynth writes a synthetic model and opens it.
func openSynth(t testing.TB, cfg synth.Config) *Loaded {
	t.Helper()
	l, err := Open(synth.TempModel(t, cfg))
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

// relErr is the normalised error ‖got − want‖ / ‖want‖.
func relErr(got, want []float32) float64 {
	var d, n float64
	for i := range want {
		e := float64(got[i]) - float64(want[i])
		d += e * e
		n += float64(want[i]) * float64(want[i])
	}
	return math.Sqrt(d / n)
}

// evalAll runs tokens through a fresh session and returns every row's logits.
func evalAll(t *testing.T, l *Loaded, opt Options, tokens []int32) []float32 {
	t.Helper()
	s, err := NewSession(l.Model, opt)
	require.NoError(t, err)
	logits, err := s.Eval(tokens, true)
	require.NoError(t, err)
	require.Len(t, logits, len(tokens)*l.Model.Config.Vocab)
	return logits
}

// TestFastMatchesReference holds the fast path to the reference on
// synthetic models of every weight type and GQA shape, with prompts that
// cross KV block boundaries and end in a partly filled block.
func TestFastMatchesReference(t *testing.T) {
	types := []struct {
		typ   quant.Type
		bound float64 // normalised logit error, fast vs reference
		exact bool    // same arithmetic up to rounding: greedy tokens must be identical
	}{
		{quant.F32, 1e-5, true}, {quant.F16, 1e-5, true},
		// The fast path quantizes activations to Q8 blocks for these, as
		// llama.cpp does; the reference multiplies float32 activations.
		{quant.Q8_0, 5e-2, false}, {quant.Q4_0, 5e-2, false},
	}
	for _, ty := range types {
		for _, kv := range []int{4, 1, 8} {
			t.Run(fmt.Sprintf("%v/heads8-kv%d", ty.typ, kv), func(t *testing.T) {
				l := openSynth(t, synth.Config{Layers: 2, Dim: 64, FFN: 96, Heads: 8, KVHeads: kv,
					Vocab: 300, Context: 128, Type: ty.typ, Seed: 7})
				tokens := randomTokens(37, l.Model.Config.Vocab, 1)
				opt := Options{KVType: cache.KVF32, BlockSize: 16, PrefillChunk: 13}
				opt.Backend.Reference = true
				ref := evalAll(t, l, opt, tokens)
				opt.Backend = BackendOptions{Threads: 2}
				fast := evalAll(t, l, opt, tokens)
				e := relErr(fast, ref)
				t.Logf("normalised error fast vs reference: %.2e", e)
				assert.Less(t, e, ty.bound)
				checkTop1(t, ref, fast, l.Model.Config.Vocab, ty.exact)
				if ty.exact {
					opt.Backend.Reference = true
					want := greedy(t, l, opt, tokens[:5], 24)
					opt.Backend.Reference = false
					assert.Equal(t, want, greedy(t, l, opt, tokens[:5], 24), "greedy tokens")
				}
			})
		}
	}
}

func randomTokens(n, vocab int, seed uint64) []int32 {
	r := rand.New(rand.NewPCG(seed, 0))
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(r.IntN(vocab))
	}
	return out
}

// greedy generates n tokens after prompt with the argmax sampler.
func greedy(t *testing.T, l *Loaded, opt Options, prompt []int32, n int) []int32 {
	t.Helper()
	s, err := NewSession(l.Model, opt)
	require.NoError(t, err)
	var got []int32
	_, err = s.Generate(context.Background(), prompt, GenerateParams{MaxTokens: n, Sampler: quality.Greedy{}},
		func(id int32) error { got = append(got, id); return nil })
	require.NoError(t, err)
	return got
}

// checkTop1 compares the argmax of every logit row. Where the paths differ,
// the reference's logits for the two choices must be a near tie (within the
// fast path's measured error); exact paths must agree everywhere.
func checkTop1(t *testing.T, ref, fast []float32, vocab int, exact bool) {
	t.Helper()
	agree, rows := 0, len(ref)/vocab
	for i := 0; i < rows; i++ {
		r, f := ref[i*vocab:(i+1)*vocab], fast[i*vocab:(i+1)*vocab]
		rt, ft := quality.Greedy{}.Sample(r, nil), quality.Greedy{}.Sample(f, nil)
		if rt == ft {
			agree++
			continue
		}
		gap := float64(r[rt] - r[ft])
		tol := 3 * maxAbsDiff(r, f)
		assert.False(t, exact, "row %d: top-1 %d vs %d", i, rt, ft)
		assert.Less(t, gap, tol, "row %d: top-1 %d vs %d is not a near tie", i, rt, ft)
	}
	t.Logf("top-1 agreement fast vs reference: %d/%d", agree, rows)
}

func maxAbsDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}
