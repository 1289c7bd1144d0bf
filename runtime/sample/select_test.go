package sample

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkSelectTop compares selectTop with a full sort on the same input.
func checkSelectTop(t *testing.T, logits []float32, k int) {
	c := make([]cand, len(logits))
	for i, v := range logits {
		c[i] = cand{id: int32(i), logit: v}
	}
	want := slices.Clone(c)
	slices.SortFunc(want, cmpCand)
	selectTop(c, k)
	got := slices.Clone(c[:k])
	slices.SortFunc(got, cmpCand)
	require.Equal(t, want[:k], got, "k=%d n=%d", k, len(logits))
}

func TestSelectTop(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for range 300 {
		n := 2 + rng.IntN(3000)
		logits := randLogits(rng, n, 1)
		switch rng.IntN(4) {
		case 0: // heavy ties
			for i := range logits {
				logits[i] = float32(rng.IntN(3))
			}
		case 1: // sorted ascending: a classic quickselect worst case
			slices.Sort(logits)
		case 2: // sorted descending
			slices.Sort(logits)
			slices.Reverse(logits)
		}
		checkSelectTop(t, logits, 1+rng.IntN(n-1))
	}
}

// TestTopPLargeVocab exercises the growing sorted prefix: a flat 5000-token
// distribution needs several rounds to reach 90% of the mass.
func TestTopPLargeVocab(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, scale := range []float64{0.01, 0.5, 3} {
		logits := randLogits(rng, 5000, scale)
		p := Params{Temperature: 1, TopP: 0.9, RepeatPenalty: 1}
		s := newSampler(t, p)
		dist := referenceDist(logits, nil, p)
		var want []int32
		for i, d := range dist {
			if d > 0 {
				want = append(want, int32(i))
			}
		}
		assert.Equal(t, want, candidateIDs(s, logits, nil), "scale %v", scale)
	}
}

// FuzzCandidates checks the filter chain against the full-sort reference on
// arbitrary logits (NaN, infinities and ties included) and parameters.
func FuzzCandidates(f *testing.F) {
	f.Add([]byte{0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 192, 127}, uint8(2), uint8(200), uint8(10))
	f.Add([]byte{0, 0, 128, 127, 0, 0, 128, 255, 1, 0, 0, 0}, uint8(0), uint8(255), uint8(0))
	f.Fuzz(func(t *testing.T, raw []byte, topK, topP, minP uint8) {
		logits := make([]float32, len(raw)/4)
		for i := range logits {
			logits[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		p := Params{Temperature: 1, TopK: int(topK % 16), TopP: float32(topP%100+1) / 100,
			MinP: float32(minP%100) / 100, RepeatPenalty: 1}
		s := newSampler(t, p)
		_, kept := referenceKept(logits, nil, p)
		var want []int32
		for _, id := range kept {
			want = append(want, int32(id))
		}
		slices.Sort(want)
		require.Equal(t, want, candidateIDs(s, logits, nil))
	})
}
