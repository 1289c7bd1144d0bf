package sample

import (
	"math"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// referenceDist computes the sampling distribution the chain should draw
// from, the slow obvious way: penalise a copy, sort the whole vocabulary, cut
// by top-k, top-p and min-p, then softmax at the temperature.
func referenceDist(logits []float32, history []int32, p Params) []float64 {
	l, idx := referenceKept(logits, history, p)
	dist := make([]float64, len(l))
	var sum float64
	for _, i := range idx {
		dist[i] = math.Exp((float64(l[i]) - float64(l[idx[0]])) / float64(p.Temperature))
		sum += dist[i]
	}
	for _, i := range idx {
		dist[i] /= sum
	}
	return dist
}

// referenceKept returns the penalised logits and the ids that survive the
// filters, best first (all of them at temperature 0 is just the argmax).
func referenceKept(logits []float32, history []int32, p Params) ([]float32, []int) {
	l := append([]float32(nil), logits...)
	window := history
	if p.RepeatLastN >= 0 && p.RepeatLastN < len(history) {
		window = history[len(history)-p.RepeatLastN:]
	}
	penalised := map[int32]bool{}
	for _, tok := range window {
		if tok >= 0 && int(tok) < len(l) && !penalised[tok] && p.RepeatPenalty != 1 {
			penalised[tok] = true
			if l[tok] <= 0 {
				l[tok] *= p.RepeatPenalty
			} else {
				l[tok] /= p.RepeatPenalty
			}
		}
	}
	var idx []int
	for i, v := range l {
		if !math.IsNaN(float64(v)) && !math.IsInf(float64(v), -1) {
			l[i] = min(v, math.MaxFloat32)
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return l[idx[a]] > l[idx[b]] })
	if len(idx) == 0 || p.Temperature == 0 {
		return l, idx[:min(1, len(idx))]
	}
	if p.TopK > 0 && p.TopK < len(idx) {
		idx = idx[:p.TopK]
	}
	idx = refTopP(l, idx, float64(p.TopP))
	if p.MinP > 0 {
		threshold := float64(l[idx[0]]) + math.Log(float64(p.MinP))
		n := 0
		for n < len(idx) && float64(l[idx[n]]) >= threshold {
			n++
		}
		idx = idx[:n]
	}
	return l, idx
}

func refTopP(l []float32, idx []int, p float64) []int {
	if p >= 1 {
		return idx
	}
	var total float64
	for _, i := range idx {
		total += math.Exp(float64(l[i]) - float64(l[idx[0]]))
	}
	var cum float64
	for n, i := range idx {
		cum += math.Exp(float64(l[i]) - float64(l[idx[0]]))
		if cum >= p*total {
			return idx[:n+1]
		}
	}
	return idx
}

// chiSquareCheck draws n tokens and compares the counts with dist:
// tokens with probability 0 must never appear, and Pearson's statistic over
// bins with expected count >= 5 (the rest pooled) must stay below the
// 0.999 quantile (Wilson-Hilferty approximation).
func chiSquareCheck(t *testing.T, s *Sampler, logits []float32, history []int32, dist []float64, n int) {
	t.Helper()
	counts := make([]int, len(logits))
	for range n {
		tok := s.Sample(logits, history)
		require.GreaterOrEqual(t, tok, int32(0))
		require.Positive(t, dist[tok], "drew token %d of probability 0", tok)
		counts[tok]++
	}
	var stat, poolExp, poolObs float64
	bins := 0
	for i, p := range dist {
		e := p * float64(n)
		if e >= 5 {
			d := float64(counts[i]) - e
			stat += d * d / e
			bins++
		} else {
			poolExp += e
			poolObs += float64(counts[i])
		}
	}
	if poolExp >= 5 {
		d := poolObs - poolExp
		stat += d * d / poolExp
		bins++
	}
	df := float64(bins - 1)
	require.Positive(t, df, "need at least two bins")
	a := 2 / (9 * df)
	crit := df * math.Pow(1-a+3.09*math.Sqrt(a), 3)
	require.Less(t, stat, crit, "chi-square %.2f over %d bins", stat, bins)
	t.Logf("chi-square %.2f < %.2f over %d bins", stat, crit, bins)
}
