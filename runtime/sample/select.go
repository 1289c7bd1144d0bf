package sample

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
)

// better reports whether a ranks before b: higher logit, then lower id.
func better(a, b cand) bool {
	return a.logit > b.logit || (a.logit == b.logit && a.id < b.id)
}

// cmpCand orders candidates best first. It is a plain function, not a
// closure, so sorting with it allocates nothing.
func cmpCand(a, b cand) int {
	if c := cmp.Compare(b.logit, a.logit); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// selectTop reorders c so that c[:k] holds its k best candidates, in no
// particular order, for 0 < k < len(c). It is quickselect (expected O(len))
// with a median-of-three pivot; after 2·log2(len) rounds without converging
// it sorts the remaining range instead, bounding the worst case.
func selectTop(c []cand, k int) {
	lo, hi := 0, len(c)
	budget := 2 * bits.Len(uint(len(c)))
	for hi-lo > 12 {
		if budget == 0 {
			slices.SortFunc(c[lo:hi], cmpCand)
			return
		}
		budget--
		p := lo + partition(c[lo:hi])
		switch {
		case p == k || p == k-1:
			return // c[:p] all beat c[p], which beats everything after it
		case p < k:
			lo = p + 1
		default:
			hi = p
		}
	}
	insertionSort(c[lo:hi])
}

// partition moves a median-of-three pivot to its final rank in c and
// returns that rank: everything before it is better, everything after worse.
func partition(c []cand) int {
	last := len(c) - 1
	mid := last / 2
	// Order c[0], c[mid], c[last] so the median sits at mid; use it as pivot.
	if better(c[mid], c[0]) {
		c[0], c[mid] = c[mid], c[0]
	}
	if better(c[last], c[mid]) {
		c[mid], c[last] = c[last], c[mid]
		if better(c[mid], c[0]) {
			c[0], c[mid] = c[mid], c[0]
		}
	}
	c[mid], c[last] = c[last], c[mid]
	pivot, store := c[last], 0
	for i := range last {
		if better(c[i], pivot) {
			c[i], c[store] = c[store], c[i]
			store++
		}
	}
	c[store], c[last] = c[last], c[store]
	return store
}

func insertionSort(c []cand) {
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && better(c[j], c[j-1]); j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
}

// topP keeps the smallest best-first prefix whose softmax mass (at
// temperature 1, as llama.cpp computes it) reaches p of the total, at least
// one token. Rather than sorting the whole vocabulary when top-k is off, it
// sorts a growing best prefix (64, 256, ...) until the mass is reached, so
// peaked distributions cost O(len) per round. The result is sorted.
func topP(c []cand, p float64) []cand {
	m := float64(c[argmaxIndex(c)].logit)
	var total float64
	for _, x := range c {
		total += math.Exp(float64(x.logit) - m)
	}
	target := p * total
	var cum float64
	done := 0 // c[:done] is already the sorted best prefix, its mass in cum
	for want := min(64, len(c)); ; want = min(4*want, len(c)) {
		if want < len(c) {
			selectTop(c[done:], want-done)
		}
		slices.SortFunc(c[done:want], cmpCand)
		for i := done; i < want; i++ {
			cum += math.Exp(float64(c[i].logit) - m)
			if cum >= target {
				return c[:i+1]
			}
		}
		if want == len(c) {
			return c // rounding left the sum a hair short of the target
		}
		done = want
	}
}

// minP keeps the candidates whose probability is at least p times the top
// one's, i.e. logit >= max + ln p, preserving order. The top one always stays.
func minP(c []cand, p float32) []cand {
	threshold := float64(c[argmaxIndex(c)].logit) + math.Log(float64(p))
	out := c[:0]
	for _, x := range c {
		if float64(x.logit) >= threshold {
			out = append(out, x)
		}
	}
	return out
}
