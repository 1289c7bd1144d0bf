package sample

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newSampler(t testing.TB, p Params) *Sampler {
	s, err := New(p)
	require.NoError(t, err)
	return s
}

func randLogits(rng *rand.Rand, n int, scale float64) []float32 {
	l := make([]float32, n)
	for i := range l {
		l[i] = float32(rng.NormFloat64() * scale)
	}
	return l
}

// logProbs returns logits whose softmax is exactly probs (up to rounding).
func logProbs(probs ...float64) []float32 {
	l := make([]float32, len(probs))
	for i, p := range probs {
		l[i] = float32(math.Log(p))
	}
	return l
}

func greedyParams() Params {
	p := DefaultParams()
	p.Temperature = 0
	return p
}

func TestValidate(t *testing.T) {
	require.NoError(t, DefaultParams().Validate())
	nan := float32(math.NaN())
	bad := map[string]func(*Params){
		"negative temperature": func(p *Params) { p.Temperature = -1 },
		"nan temperature":      func(p *Params) { p.Temperature = nan },
		"negative top-k":       func(p *Params) { p.TopK = -1 },
		"zero top-p":           func(p *Params) { p.TopP = 0 },
		"top-p above 1":        func(p *Params) { p.TopP = 1.5 },
		"min-p 1":              func(p *Params) { p.MinP = 1 },
		"nan min-p":            func(p *Params) { p.MinP = nan },
		"zero penalty":         func(p *Params) { p.RepeatPenalty = 0 },
		"window below -1":      func(p *Params) { p.RepeatLastN = -2 },
	}
	for name, mutate := range bad {
		t.Run(name, func(t *testing.T) {
			p := DefaultParams()
			mutate(&p)
			_, err := New(p)
			assert.Error(t, err)
		})
	}
}

func TestGreedy(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	tests := []struct {
		name   string
		logits []float32
		want   int32
	}{
		{"argmax", []float32{0.1, 2.5, -3, 2.4}, 1},
		{"lowest index wins ties", []float32{1, 3, 0, 3, 3}, 1},
		{"nan skipped", []float32{nan, 1, nan, 2, nan}, 3},
		{"+inf wins", []float32{1e30, inf, 2}, 1},
		{"all -inf", []float32{-inf, -inf}, -1},
		{"all nan", []float32{nan, nan}, -1},
		{"empty", nil, -1},
	}
	s := newSampler(t, greedyParams())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, s.Sample(tt.logits, nil))
		})
	}
}

func TestSeedReproducible(t *testing.T) {
	logits := randLogits(rand.New(rand.NewPCG(1, 1)), 1000, 1)
	run := func(seed uint64) []int32 {
		p := DefaultParams()
		p.Seed = seed
		s := newSampler(t, p)
		out := make([]int32, 64)
		for i := range out {
			out[i] = s.Sample(logits, out[:i])
		}
		return out
	}
	a, b, c := run(7), run(7), run(8)
	assert.Equal(t, a, b, "same seed, same sequence")
	assert.NotEqual(t, a, c, "different seed, different sequence")
}

func TestTopKOneIsGreedy(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for i := range 200 {
		// Coarse logits make ties common, so the tie rule is exercised too.
		logits := randLogits(rng, 50+rng.IntN(500), 1)
		for j := range logits {
			logits[j] = float32(math.Round(float64(logits[j]) * 4))
		}
		p := DefaultParams()
		p.TopK, p.Seed, p.Temperature = 1, uint64(i), 0.1+2*rng.Float32()
		want := newSampler(t, greedyParams()).Sample(logits, nil)
		assert.Equal(t, want, newSampler(t, p).Sample(logits, nil), "case %d", i)
	}
}

func TestFrequenciesMatchSoftmax(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	logits := randLogits(rng, 12, 1.5)
	history := []int32{3, 3, 7, 0}
	penalised := DefaultParams()
	penalised.RepeatPenalty = 1.5
	tests := []struct {
		name   string
		params Params
	}{
		{"plain softmax", Params{Temperature: 1, TopP: 1, RepeatPenalty: 1}},
		{"temperature 0.5", Params{Temperature: 0.5, TopP: 1, RepeatPenalty: 1}},
		{"temperature 2", Params{Temperature: 2, TopP: 1, RepeatPenalty: 1}},
		{"defaults", DefaultParams()},
		{"top-k 5 top-p 0.8", Params{Temperature: 1, TopK: 5, TopP: 0.8, RepeatPenalty: 1}},
		{"penalty", penalised},
	}
	n := 100_000
	if testing.Short() {
		n = 20_000
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSampler(t, tt.params)
			chiSquareCheck(t, s, logits, history, referenceDist(logits, history, tt.params), n)
		})
	}
}

// candidateIDs returns the sorted ids that survive the filters.
func candidateIDs(s *Sampler, logits []float32, history []int32) []int32 {
	var ids []int32
	for _, c := range s.candidates(logits, history) {
		ids = append(ids, c.id)
	}
	slices.Sort(ids)
	return ids
}

func TestFilters(t *testing.T) {
	off := Params{Temperature: 1, TopP: 1, RepeatPenalty: 1}
	with := func(f func(*Params)) Params { p := off; f(&p); return p }
	probs := logProbs(0.05, 0.4, 0.2, 0.3, 0.05)
	tests := []struct {
		name   string
		params Params
		logits []float32
		want   []int32
	}{
		{"all", off, probs, []int32{0, 1, 2, 3, 4}},
		{"top-k 2", with(func(p *Params) { p.TopK = 2 }), probs, []int32{1, 3}},
		{"top-k ties by index", with(func(p *Params) { p.TopK = 2 }), []float32{1, 2, 1, 1}, []int32{0, 1}},
		{"top-k above vocab", with(func(p *Params) { p.TopK = 9 }), probs, []int32{0, 1, 2, 3, 4}},
		// Masses best first: 0.4, 0.7, 0.9, 0.95, 1.
		{"top-p 0.35", with(func(p *Params) { p.TopP = 0.35 }), probs, []int32{1}},
		{"top-p 0.65", with(func(p *Params) { p.TopP = 0.65 }), probs, []int32{1, 3}},
		{"top-p 0.75", with(func(p *Params) { p.TopP = 0.75 }), probs, []int32{1, 2, 3}},
		{"top-p 0.92", with(func(p *Params) { p.TopP = 0.92 }), probs, []int32{0, 1, 2, 3}},
		// Thresholds relative to 0.4: 0.2 -> 0.08, 0.6 -> 0.24, 0.9 -> 0.36.
		{"min-p 0.2", with(func(p *Params) { p.MinP = 0.2 }), probs, []int32{1, 2, 3}},
		{"min-p 0.6", with(func(p *Params) { p.MinP = 0.6 }), probs, []int32{1, 3}},
		{"min-p 0.9", with(func(p *Params) { p.MinP = 0.9 }), probs, []int32{1}},
		// top-p renormalises over top-k's survivors: 0.4/0.9, then 0.7/0.9.
		{"top-k then top-p", with(func(p *Params) { p.TopK = 3; p.TopP = 0.5 }), probs, []int32{1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSampler(t, tt.params)
			assert.Equal(t, tt.want, candidateIDs(s, tt.logits, nil))
		})
	}
}

func TestRepetitionPenalty(t *testing.T) {
	p := Params{Temperature: 1, TopP: 1, RepeatPenalty: 2, RepeatLastN: 5}
	s := newSampler(t, p)
	logits := []float32{3, -1, 2, 0.5, -4}
	// Token 0 is outside the last-5 window; 2 repeats but is penalised once;
	// 99 and -1 are not in the vocabulary and are ignored.
	history := []int32{0, 2, 2, 1, 99, -1}
	got := map[int32]float32{}
	for _, c := range s.candidates(logits, history) {
		got[c.id] = c.logit
	}
	assert.Equal(t, map[int32]float32{0: 3, 1: -2, 2: 1, 3: 0.5, 4: -4}, got)
	assert.Equal(t, []float32{3, -1, 2, 0.5, -4}, logits, "caller's logits untouched")

	// The penalty changes the greedy choice; a whole-history window (-1)
	// reaches token 0 too; out-of-vocabulary ids are ignored.
	g := greedyParams()
	g.RepeatPenalty, g.RepeatLastN = 2, 1
	assert.Equal(t, int32(2), newSampler(t, g).Sample([]float32{3, 0, 2}, []int32{0}))
	g.RepeatLastN = -1
	assert.Equal(t, int32(1), newSampler(t, g).Sample([]float32{3, 2.5, 2}, []int32{0, 2, 99, -1}))
	g.RepeatLastN = 0
	assert.Equal(t, int32(0), newSampler(t, g).Sample([]float32{3, 2.5, 2}, []int32{0, 2}))
}

func TestNonFiniteNeverChosen(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	s := newSampler(t, Params{Temperature: 1.5, TopP: 1, RepeatPenalty: 0.5, RepeatLastN: -1})
	for range 2000 {
		tok := s.Sample([]float32{nan, -inf, 0.5, nan, 0.4, -inf}, []int32{2})
		require.Contains(t, []int32{2, 4}, tok)
	}
	// +Inf is certain, even when a penalty below 1 would overflow it again.
	for range 100 {
		require.Equal(t, int32(3), s.Sample([]float32{1e30, nan, 5, inf}, []int32{3, 0}))
	}
	assert.Equal(t, int32(-1), s.Sample([]float32{nan, -inf}, nil))
	assert.Equal(t, int32(-1), s.Sample(nil, nil))
}

func TestSampleAllocatesNothing(t *testing.T) {
	p := DefaultParams()
	p.RepeatPenalty = 1.1
	s := newSampler(t, p)
	logits := randLogits(rand.New(rand.NewPCG(4, 4)), 4096, 2)
	history := []int32{1, 2, 3, 4000}
	s.Sample(logits, history)
	allocs := testing.AllocsPerRun(50, func() { s.Sample(logits, history) })
	assert.Zero(t, allocs)
}

func BenchmarkSample32k(b *testing.B) {
	logits := randLogits(rand.New(rand.NewPCG(5, 5)), 32000, 3)
	history := make([]int32, 64)
	for i := range history {
		history[i] = int32(i * 401 % 32000)
	}
	for _, bc := range []struct {
		name string
		p    Params
	}{
		{"defaults", DefaultParams()},
		{"greedy", greedyParams()},
		{"top-p-only", Params{Temperature: 0.8, TopP: 0.95, RepeatPenalty: 1.1, RepeatLastN: 64}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := newSampler(b, bc.p)
			for b.Loop() {
				s.Sample(logits, history)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
