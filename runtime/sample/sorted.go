package sample

// Candidate is a token and its logit, as a device returns the best of a
// row (runtime/engine's GPU top-k).
type Candidate struct {
	ID    int32
	Logit float32
}

// SortedK reports how many of a row's best candidates SampleSorted needs
// to return exactly the token Sample would draw from the whole row given
// history: 1 when greedy, TopK when top-k is on. ok is false when Sample
// needs the whole row: a repetition penalty applies to history (it changes
// logits before the selection), or top-k is off at a positive temperature
// (top-p's mass is then over the whole vocabulary).
func (s *Sampler) SortedK(history []int32) (k int, ok bool) {
	if s.p.RepeatPenalty != 1 && s.p.RepeatLastN != 0 && len(history) > 0 {
		return 0, false
	}
	if s.p.Temperature == 0 {
		return 1, true
	}
	if s.p.TopK <= 0 {
		return 0, false
	}
	return s.p.TopK, true
}

// SampleSorted returns the token Sample would return for a row whose best
// candidates are top: NaN and -Inf logits excluded, +Inf as the largest
// float32, best first (logit descending, then id ascending), at least
// SortedK of them or all the row has, ended early by an ID < 0. It draws
// from the sampler's PRNG exactly as Sample does, so mixing the two calls
// keeps one reproducible stream. It returns -1 when top holds no
// candidate.
func (s *Sampler) SampleSorted(top []Candidate) int32 {
	n := 0
	for n < len(top) && top[n].ID >= 0 {
		n++
	}
	if n == 0 {
		return -1
	}
	if s.p.Temperature == 0 {
		return top[0].ID
	}
	n = min(n, s.p.TopK)
	if cap(s.cands) < n {
		s.cands = make([]cand, n)
		s.weights = make([]float64, n)
	}
	c := s.cands[:n]
	for i := range c {
		c[i] = cand{id: top[i].ID, logit: top[i].Logit}
	}
	return s.draw(s.filter(c))
}
