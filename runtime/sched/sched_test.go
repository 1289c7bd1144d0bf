package sched

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
)

func newSched(t *testing.T, blocks, bs int, cfg Config) *Scheduler {
	t.Helper()
	pool, err := cache.NewBlockPool(blocks, bs)
	require.NoError(t, err)
	s, err := New(cfg, pool)
	require.NoError(t, err)
	return s
}

func TestConfigErrors(t *testing.T) {
	pool, err := cache.NewBlockPool(4, 2)
	require.NoError(t, err)
	for _, cfg := range []Config{
		{MaxSeqs: 0, MaxBatchTokens: 1, MaxContext: 1},
		{MaxSeqs: 1, MaxBatchTokens: 0, MaxContext: 1},
		{MaxSeqs: 1, MaxBatchTokens: 1, MaxContext: 0},
	} {
		_, err := New(cfg, pool)
		assert.Error(t, err, "%+v", cfg)
	}
	_, err = New(Config{MaxSeqs: 1, MaxBatchTokens: 1, MaxContext: 1}, nil)
	assert.Error(t, err)
}

// TestNegativeTokenFinishes: a sampler with nothing usable ends the
// sequence with FinishError and frees its blocks.
func TestNegativeTokenFinishes(t *testing.T) {
	s := newSched(t, 8, 2, Config{MaxSeqs: 2, MaxBatchTokens: 8, MaxContext: 8})
	id, err := s.Add([]int32{1, 2, 3}, 0)
	require.NoError(t, err)
	p := s.Schedule()
	require.Len(t, p.Seqs, 1)
	outs := s.Update(p, []int32{-1})
	require.Len(t, outs, 1)
	assert.Equal(t, Output{ID: id, Token: -1, Finish: FinishError}, outs[0])
	assert.Equal(t, 7, s.Pool().NumFree())
	assert.Panics(t, func() { s.Update(p, nil) })
	require.NoError(t, s.CheckInvariants())
}

// TestContextFull: a sequence stops with FinishLength when its next token
// would have no position left.
func TestContextFull(t *testing.T) {
	s := newSched(t, 8, 2, Config{MaxSeqs: 1, MaxBatchTokens: 8, MaxContext: 4})
	_, err := s.Add([]int32{1, 2, 3}, 0)
	require.NoError(t, err)
	var last Output
	for range 3 {
		p := s.Schedule()
		outs := s.Update(p, make([]int32, len(p.Seqs)))
		require.Len(t, outs, 1)
		last = outs[0]
		if last.Finish != "" {
			break
		}
	}
	// Prompt 3 + 2 generated: the 5th token would sit at position 4.
	assert.Equal(t, FinishLength, last.Finish)
	assert.Equal(t, 2, last.Generated)
	require.NoError(t, s.CheckInvariants())
}

// TestRandomWorkload drives random adds, cancels and steps with random
// budgets and pool sizes and checks the invariants after every call, that
// every sequence ends with its full output, and that no block leaks.
func TestRandomWorkload(t *testing.T) {
	rounds := 200
	if testing.Short() {
		rounds = 30
	}
	var preempted, hits int64
	for seed := range uint64(rounds) {
		rng := rand.New(rand.NewPCG(seed, 1))
		bs := 1 + rng.IntN(4)
		cfg := Config{MaxSeqs: 1 + rng.IntN(4), MaxBatchTokens: 1 + rng.IntN(12), MaxContext: 24}
		s := newSched(t, 2+rng.IntN(20), bs, cfg)
		runRandom(t, s, rng)
		require.NoError(t, s.CheckInvariants(), "seed %d", seed)
		assert.Equal(t, s.Pool().NumBlocks()-1, s.Pool().NumFree(), "seed %d", seed)
		preempted += s.Stats().Preemptions
		hits += s.Stats().PrefixHitTokens
	}
	// The workload must exercise the interesting paths.
	assert.Positive(t, preempted)
	assert.Positive(t, hits)
}

func runRandom(t *testing.T, s *Scheduler, rng *rand.Rand) {
	want := map[SeqID]int{} // generated tokens each live sequence must reach
	for step := 0; step < 2000 && (step < 40 || len(want) > 0); step++ {
		if step < 40 && rng.IntN(3) == 0 {
			prompt := make([]int32, 1+rng.IntN(12))
			for i := range prompt {
				prompt[i] = int32(rng.IntN(3)) // few values: prefix hits happen
			}
			maxTokens := 1 + rng.IntN(6)
			if id, err := s.Add(prompt, maxTokens); err == nil {
				want[id] = maxTokens
			} else {
				require.ErrorIs(t, err, ErrNeverFits)
			}
		}
		if len(want) > 0 && rng.IntN(20) == 0 {
			for id := range want {
				require.True(t, s.Abort(id))
				delete(want, id)
				break
			}
		}
		p := s.Schedule()
		require.LessOrEqual(t, p.NumTokens, s.Config().MaxBatchTokens)
		require.NoError(t, s.CheckInvariants())
		for _, o := range s.Update(p, make([]int32, len(p.Seqs))) {
			if o.Finish != "" {
				require.Equal(t, FinishLength, o.Finish)
				require.Equal(t, want[o.ID], o.Generated)
				delete(want, o.ID)
			}
		}
		require.NoError(t, s.CheckInvariants())
	}
	require.Empty(t, want, "sequences never finished")
}

// FuzzScheduler runs the random workload from a fuzzed seed and shape:
// invariants after every call, every sequence finishes with its full
// output, no block leaks.
func FuzzScheduler(f *testing.F) {
	f.Add(uint64(1), uint8(4), uint8(3), uint8(8), uint8(10))
	f.Add(uint64(2), uint8(1), uint8(1), uint8(1), uint8(0))
	f.Add(uint64(3), uint8(2), uint8(4), uint8(12), uint8(30))
	f.Fuzz(func(t *testing.T, seed uint64, bs, seqs, budget, blocks uint8) {
		cfg := Config{MaxSeqs: 1 + int(seqs%8), MaxBatchTokens: 1 + int(budget%32), MaxContext: 24}
		s := newSched(t, 2+int(blocks%40), 1+int(bs%8), cfg)
		runRandom(t, s, rand.New(rand.NewPCG(seed, 2)))
		require.NoError(t, s.CheckInvariants())
		assert.Equal(t, s.Pool().NumBlocks()-1, s.Pool().NumFree())
	})
}
