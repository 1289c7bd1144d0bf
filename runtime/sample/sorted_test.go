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
		{TopP: 1, RepeatPenalty: 1.3, RepeatLastN: 8},                           // greedy with a penalty
		{Temperature: 1, TopK: 30, TopP: 0.9, RepeatPenalty: 1.5, RepeatLastN: 16},
		{Temperature: 0.7, TopK: 5, TopP: 1, MinP: 0.1, RepeatPenalty: 4, RepeatLastN: -1},
	}
	for _, p := range tests {
		t.Run(p.String(), func(t *testing.T) {
			for seed := range uint64(4) {
				p.Seed = seed
				full, sorted := newSampler(t, p), newSampler(t, p)
				rng := rand.New(rand.NewPCG(seed, 1))
				for step := range 100 {
					logits := tieLogits(rng, 300)
					history := penaltyHistory(rng, logits, step)
					k, ok := sorted.SortedK(history)
					require.True(t, ok)
					want := full.Sample(logits, history)
					got := sorted.SampleSorted(sortedTop(logits, k), history)
					require.Equal(t, want, got, "seed %d step %d", seed, step)
				}
			}
		})
	}
}

// penaltyHistory is a history of ten tokens, mostly among the row's best
// (where a penalty changes the outcome), some anywhere, with repeats.
func penaltyHistory(rng *rand.Rand, logits []float32, step int) []int32 {
	top := sortedTop(logits, 12)
	h := []int32{int32(step % len(logits)), 3, 3}
	for range 7 {
		h = append(h, top[rng.IntN(len(top))].ID)
	}
	return h
}

// TestSortedK: how many candidates each configuration needs, and when it
// needs the whole row (top-p without top-k, a penalty below 1).
func TestSortedK(t *testing.T) {
	greedyPen := Params{Temperature: 0, TopP: 1, RepeatPenalty: 1.2, RepeatLastN: 3}
	k, ok := newSampler(t, greedyPen).SortedK([]int32{9, 1, 1, 2})
	assert.True(t, ok)
	assert.Equal(t, 1+2, k, "greedy plus the window's distinct tokens (1, 2)")
	k, ok = newSampler(t, greedyPen).SortedK(nil)
	assert.True(t, ok, "no history, no penalty")
	assert.Equal(t, 1, k)
	k, ok = newSampler(t, DefaultParams()).SortedK([]int32{5, 5})
	assert.True(t, ok, "penalty off")
	assert.Equal(t, 40, k)
	_, ok = newSampler(t, Params{Temperature: 1, TopP: 0.9, RepeatPenalty: 1}).SortedK(nil)
	assert.False(t, ok, "top-p over the whole vocabulary")
	_, ok = newSampler(t, Params{TopP: 1, RepeatPenalty: 0.8, RepeatLastN: 4}).SortedK([]int32{1})
	assert.False(t, ok, "a penalty below 1 can lift any token")
	assert.Equal(t, int32(-1), newSampler(t, DefaultParams()).SampleSorted([]Candidate{{ID: -1}}, nil))
}

// TestSampleSortedAllocatesNothing once its buffers fit.
func TestSampleSortedAllocatesNothing(t *testing.T) {
	s := newSampler(t, DefaultParams())
	top := sortedTop(tieLogits(rand.New(rand.NewPCG(1, 2)), 1000), 40)
	s.SampleSorted(top, nil)
	assert.Zero(t, testing.AllocsPerRun(50, func() { s.SampleSorted(top, nil) }))
}
