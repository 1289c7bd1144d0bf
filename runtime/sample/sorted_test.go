package sample

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sortedTop returns the best k candidates of logits the way a device
// selects them: NaN and -Inf dropped, +Inf clamped, logit descending then
// id ascending, padded with ID -1.
func sortedTop(logits []float32, k int) []Candidate {
	var c []Candidate
	for i, v := range logits {
		if v >= -math.MaxFloat32 {
			c = append(c, Candidate{ID: int32(i), Logit: min(v, math.MaxFloat32)})
		}
	}
	slices.SortFunc(c, func(a, b Candidate) int {
		if x := cmp.Compare(b.Logit, a.Logit); x != 0 {
			return x
		}
		return cmp.Compare(a.ID, b.ID)
	})
	c = c[:min(k, len(c))]
	for len(c) < k {
		c = append(c, Candidate{ID: -1})
	}
	return c
}

// tieLogits are logits on a coarse grid (many exact ties) with a few
// non-finite values.
func tieLogits(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.IntN(40)) / 8
		switch rng.IntN(40) {
		case 0:
			x[i] = float32(math.NaN())
		case 1:
			x[i] = float32(math.Inf(-1))
		case 2:
			x[i] = float32(math.Inf(1))
		}
	}
	return x
}

// TestSampleSortedEqualsSample: fed the sorted best SortedK candidates,
// SampleSorted draws the same token as Sample over the whole row, step
// after step from one seeded stream, for every filter combination.
func TestSampleSortedEqualsSample(t *testing.T) {
	tests := []Params{
		{TopP: 1, RepeatPenalty: 1},
		DefaultParams(),
		{Temperature: 1, TopK: 1, TopP: 1, RepeatPenalty: 1},
		{Temperature: 2, TopK: 7, TopP: 1, RepeatPenalty: 1},
		{Temperature: 0.5, TopK: 50, TopP: 0.8, MinP: 0.02, RepeatPenalty: 1},
		{Temperature: 1, TopK: 500, TopP: 0.99, RepeatPenalty: 1},               // k above the vocabulary
		{Temperature: 1, TopK: 30, TopP: 1, RepeatPenalty: 1.5, RepeatLastN: 0}, // window 0: no penalty
	}
	for _, p := range tests {
		t.Run(p.String(), func(t *testing.T) {
			for seed := range uint64(4) {
				p.Seed = seed
				full, sorted := newSampler(t, p), newSampler(t, p)
				rng := rand.New(rand.NewPCG(seed, 1))
				for step := range 100 {
					logits := tieLogits(rng, 300)
					history := []int32{int32(step % 300), 3}
					k, ok := sorted.SortedK(history)
					require.True(t, ok)
					want := full.Sample(logits, history)
					got := sorted.SampleSorted(sortedTop(logits, k))
					require.Equal(t, want, got, "seed %d step %d", seed, step)
				}
			}
		})
	}
}

// TestSortedKNeedsWholeRow: a penalty on the history or top-p without
// top-k needs the whole row.
func TestSortedKNeedsWholeRow(t *testing.T) {
	pen := Params{Temperature: 0, TopP: 1, RepeatPenalty: 1.2, RepeatLastN: 8}
	_, ok := newSampler(t, pen).SortedK([]int32{1})
	assert.False(t, ok, "greedy with a penalty")
	k, ok := newSampler(t, pen).SortedK(nil)
	assert.True(t, ok, "no history, no penalty")
	assert.Equal(t, 1, k)
	_, ok = newSampler(t, Params{Temperature: 1, TopP: 0.9, RepeatPenalty: 1}).SortedK(nil)
	assert.False(t, ok, "top-p over the whole vocabulary")
	assert.Equal(t, int32(-1), newSampler(t, DefaultParams()).SampleSorted([]Candidate{{ID: -1}}))
}

// TestSampleSortedAllocatesNothing once its buffers fit.
func TestSampleSortedAllocatesNothing(t *testing.T) {
	s := newSampler(t, DefaultParams())
	top := sortedTop(tieLogits(rand.New(rand.NewPCG(1, 2)), 1000), 40)
	s.SampleSorted(top)
	assert.Zero(t, testing.AllocsPerRun(50, func() { s.SampleSorted(top) }))
}
