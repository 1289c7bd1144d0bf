package sample

import "slices"

// Candidate is a token and its logit, as a device returns the best of a
// row (runtime/engine's GPU top-k).
type Candidate struct {
	ID    int32
	Logit float32
}

// SortedK reports how many of a row's best candidates SampleSorted needs
// to return exactly the token Sample would draw from the whole row given
// history: 1 when greedy, TopK when top-k is on, plus the number of
// distinct tokens in the repetition penalty's window when it applies. A
// penalty above 1 only lowers logits, so a token outside the best k+h
// (h penalised tokens) keeps at least k unpenalised tokens above it and
// cannot enter the penalised top k. ok is false when Sample needs the
// whole row: top-k is off at a positive temperature (top-p's mass is then
// over the whole vocabulary), or a penalty below 1 can lift any token.
func (s *Sampler) SortedK(history []int32) (k int, ok bool) {
	k = 1
	if s.p.Temperature != 0 {
		if s.p.TopK <= 0 {
			return 0, false
		}
		k = s.p.TopK
	}
	w := s.penaltyWindow(history)
	if len(w) == 0 {
		return k, true
	}
	if s.p.RepeatPenalty < 1 {
		return 0, false
	}
	return k + s.distinct(w), true
}

// distinct counts the distinct tokens of w.
func (s *Sampler) distinct(w []int32) int {
	s.window = append(s.window[:0], w...)
	slices.Sort(s.window)
	return len(slices.Compact(s.window))
}

// SampleSorted returns the token Sample would return for a row whose best
// candidates are top, given the sequence's token history: NaN and -Inf
// logits excluded, +Inf as the largest float32, best first (logit
// descending, then id ascending), at least SortedK(history) of them or all
// the row has, ended early by an ID < 0. It draws from the sampler's PRNG
// exactly as Sample does, so mixing the two calls keeps one reproducible
// stream. It returns -1 when top holds no candidate.
func (s *Sampler) SampleSorted(top []Candidate, history []int32) int32 {
	n := 0
	for n < len(top) && top[n].ID >= 0 {
		n++
	}
	if n == 0 {
		return -1
	}
	if cap(s.cands) < n {
		s.cands = make([]cand, n)
		s.weights = make([]float64, n)
	}
	c := s.cands[:n]
	vocab := 0
	for i := range c {
		c[i] = cand{id: top[i].ID, logit: top[i].Logit}
		vocab = max(vocab, int(top[i].ID)+1)
	}
	if s.markHistory(vocab, history) {
		for i := range c {
			if s.seen[c[i].id] == s.gen {
				c[i].logit = s.penalise(c[i].logit)
			}
		}
		slices.SortFunc(c, cmpCand)
	}
	if s.p.Temperature == 0 {
		return c[0].id
	}
	return s.draw(s.filter(c[:min(n, s.p.TopK)]))
}
