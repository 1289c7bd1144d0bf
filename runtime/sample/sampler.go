package sample

import (
	"math"
	"math/rand/v2"
	"slices"
)

// pcgStream is the fixed second PCG word; only Params.Seed varies.
const pcgStream = 0x9e3779b97f4a7c15

// Sampler draws tokens from logits with the chain of llama.cpp's common
// sampler: repetition penalty → top-k → top-p → min-p → temperature →
// softmax → draw. It owns its PRNG and scratch buffers; it is not safe for
// concurrent use (use one per sequence).
type Sampler struct {
	p       Params
	rng     *rand.Rand
	cands   []cand
	weights []float64 // softmax numerators, parallel to the candidates
	seen    []uint32  // seen[tok] == gen: tok is in this call's penalty window
	gen     uint32
	window  []int32 // SortedK's scratch: the penalty window, sorted
}

// cand is one candidate token. Candidates are ordered by logit, higher
// first, then by lower id, so every order used here is total and
// deterministic.
type cand struct {
	id    int32
	logit float32
}

// New returns a Sampler for p.
func New(p Params) (*Sampler, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Sampler{p: p, rng: rand.New(rand.NewPCG(p.Seed, pcgStream))}, nil
}

// Params returns the sampler's parameters.
func (s *Sampler) Params() Params { return s.p }

// Sample returns the token drawn from logits (one per vocabulary entry)
// given the sequence's token history. NaN and -Inf logits are never chosen;
// +Inf counts as the largest finite logit. It returns -1 only when no logit
// is a number above -Inf. logits is not modified. After the first call with
// a given vocabulary size it allocates nothing.
func (s *Sampler) Sample(logits []float32, history []int32) int32 {
	c := s.candidates(logits, history)
	if len(c) == 0 {
		return -1
	}
	if s.p.Temperature == 0 {
		return argmax(c)
	}
	return s.draw(c)
}

// candidates runs the chain up to (not including) temperature and returns
// the surviving candidates. The slice aliases the sampler's scratch buffer.
func (s *Sampler) candidates(logits []float32, history []int32) []cand {
	c := s.load(logits, s.markHistory(len(logits), history))
	if len(c) == 0 || s.p.Temperature == 0 {
		return c // greedy ignores the filters: the argmax survives them all
	}
	if k := s.p.TopK; k > 0 {
		if k < len(c) {
			selectTop(c, k)
			c = c[:k]
		}
		// Sorted, so the draw walks a canonical order that does not depend
		// on how the k best were found (SampleSorted gets them sorted).
		slices.SortFunc(c, cmpCand)
	}
	return s.filter(c)
}

// filter runs top-p and min-p on the (top-k) candidates.
func (s *Sampler) filter(c []cand) []cand {
	if s.p.TopP < 1 {
		c = topP(c, float64(s.p.TopP))
	}
	if s.p.MinP > 0 {
		c = minP(c, s.p.MinP)
	}
	return c
}

// markHistory stamps each distinct in-vocabulary token among the last
// RepeatLastN of history as seen, so it is penalised exactly once, and
// reports whether any penalty applies.
func (s *Sampler) markHistory(vocab int, history []int32) bool {
	w := s.penaltyWindow(history)
	if len(w) == 0 {
		return false
	}
	s.nextGen(vocab)
	for _, tok := range w {
		if tok >= 0 && int(tok) < vocab {
			s.seen[tok] = s.gen
		}
	}
	return true
}

// penaltyWindow returns the tokens of history the repetition penalty
// applies to: none when it is off.
func (s *Sampler) penaltyWindow(history []int32) []int32 {
	n := s.p.RepeatLastN
	if s.p.RepeatPenalty == 1 || n == 0 {
		return nil
	}
	if n > 0 && n < len(history) {
		history = history[len(history)-n:]
	}
	return history
}

// penalise applies the repetition penalty to logit v (llama.cpp's rule:
// positive logits divided, the others multiplied).
func (s *Sampler) penalise(v float32) float32 {
	if v <= 0 {
		return v * s.p.RepeatPenalty
	}
	return v / s.p.RepeatPenalty
}

// nextGen starts a new generation of seen marks, clearing them only when the
// counter wraps so the common path costs nothing per vocabulary entry.
func (s *Sampler) nextGen(vocab int) {
	if len(s.seen) < vocab {
		s.seen = make([]uint32, vocab)
		s.gen = 0
	}
	s.gen++
	if s.gen == 0 {
		clear(s.seen)
		s.gen = 1
	}
}

// load fills the scratch candidates in one pass over the vocabulary: it
// drops NaN and -Inf, turns +Inf into the largest float32 so the softmax
// stays finite, and applies the repetition penalty to marked tokens (after
// the clamp, as SampleSorted does to a device's clamped candidates).
func (s *Sampler) load(logits []float32, penalise bool) []cand {
	if cap(s.cands) < len(logits) {
		s.cands = make([]cand, len(logits))
		s.weights = make([]float64, len(logits))
	}
	c := s.cands[:0]
	for i, v := range logits {
		if !(v >= -math.MaxFloat32) { // NaN and -Inf
			continue
		}
		v = min(v, math.MaxFloat32)
		if penalise && s.seen[i] == s.gen {
			v = s.penalise(v)
		}
		c = append(c, cand{id: int32(i), logit: v})
	}
	return c
}

// argmax returns the best candidate's id: highest logit, lowest id on ties.
func argmax(c []cand) int32 {
	best := c[0]
	for _, x := range c[1:] {
		if better(x, best) {
			best = x
		}
	}
	return best.id
}

// draw applies the temperature, takes the softmax and draws one candidate
// by inverse CDF, walking the candidates in their (deterministic) order.
func (s *Sampler) draw(c []cand) int32 {
	m := float64(c[argmaxIndex(c)].logit)
	inv := 1 / float64(s.p.Temperature)
	w := s.weights[:len(c)]
	var sum float64
	for i, x := range c {
		w[i] = math.Exp((float64(x.logit) - m) * inv)
		sum += w[i]
	}
	u := s.rng.Float64() * sum
	var cum float64
	for i, x := range c {
		cum += w[i]
		if u < cum {
			return x.id
		}
	}
	return c[len(c)-1].id // u rounded up to the total
}

func argmaxIndex(c []cand) int {
	best := 0
	for i := range c {
		if better(c[i], c[best]) {
			best = i
		}
	}
	return best
}
