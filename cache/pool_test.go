package cache

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newPool(t testing.TB, n, b int) *BlockPool {
	p, err := NewBlockPool(n, b)
	require.NoError(t, err)
	return p
}

// TestCheckInvariantsCatches corrupts a healthy pool in each way the
// invariants forbid and checks that CheckInvariants names the problem.
func TestCheckInvariantsCatches(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(p *BlockPool)
		want    string
	}{
		{"null block free", func(p *BlockPool) { p.blocks[0].free = true }, "null block"},
		{"null block referenced", func(p *BlockPool) { p.blocks[0].ref = 1 }, "null block"},
		{"negative ref", func(p *BlockPool) { p.blocks[5].ref = -1 }, "ref count -1"},
		{"free block referenced", func(p *BlockPool) { p.blocks[1].ref = 1 }, "free block 1 has ref count 1"},
		{"count off", func(p *BlockPool) { p.numFree-- }, "numFree"},
		{"broken back link", func(p *BlockPool) { p.blocks[2].prev = 3 }, "block 2 prev=3"},
		{"leak", func(p *BlockPool) { p.blocks[5].ref = 0 }, "leaked"},
		{"skipped block", func(p *BlockPool) { p.blocks[1].next = 3; p.blocks[3].prev = 1 }, "on free list=false"},
		{"cycle", func(p *BlockPool) { p.blocks[3].next = 1 }, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPool(t, 6, 4)
			_, ok := p.Allocate(0)
			require.True(t, ok)
			p.Touch(5) // 5 in use, 1..4 free
			require.NoError(t, p.CheckInvariants())
			tt.corrupt(p)
			err := p.CheckInvariants()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestRandomOps drives the pool with random allocate/free/touch against a
// plain model of reference counts and checks exact agreement after each step,
// then that every block comes back.
func TestRandomOps(t *testing.T) {
	const n = 33
	p := newPool(t, n, 16)
	rng := rand.New(rand.NewPCG(1, 2))
	refs := make([]int, n)
	var held []BlockID // one entry per reference
	for step := range 5000 {
		switch op := rng.IntN(3); {
		case op == 0:
			k := rng.IntN(6)
			ids, ok := p.Allocate(k)
			assert.Equal(t, k <= countZero(refs), ok, "step %d", step)
			for _, id := range ids {
				assert.Zero(t, refs[id], "step %d: allocated a referenced block", step)
				refs[id] = 1
				held = append(held, id)
			}
		case op == 1 && len(held) > 0:
			i := rng.IntN(len(held))
			id := held[i]
			held = slices.Delete(held, i, i+1)
			p.Free(id)
			refs[id]--
		case op == 2 && len(held) > 0:
			id := held[rng.IntN(len(held))]
			p.Touch(id)
			refs[id]++
			held = append(held, id)
		}
		require.NoError(t, p.CheckInvariants(), "step %d", step)
		for id := 1; id < n; id++ {
			require.Equal(t, refs[id], p.RefCount(BlockID(id)), "step %d block %d", step, id)
		}
	}
	p.Free(held...)
	assert.Equal(t, n-1, p.NumFree())
	assert.Zero(t, p.Usage())
	require.NoError(t, p.CheckInvariants())
}

func countZero(refs []int) int {
	n := 0
	for _, r := range refs[1:] {
		if r == 0 {
			n++
		}
	}
	return n
}

func TestAllocateClearsHash(t *testing.T) {
	p := newPool(t, 4, 16)
	ids, ok := p.Allocate(1)
	require.True(t, ok)
	require.True(t, p.CacheBlock(ids[0], 42))
	p.Free(1)
	p.Touch(1)
	assert.Equal(t, BlockHash(42), p.Hash(1), "Touch keeps a cached block's hash")
	p.Free(1)
	ids, ok = p.Allocate(3)
	require.True(t, ok)
	assert.Equal(t, []BlockID{2, 3, 1}, ids)
	_, cached := p.Lookup(42)
	assert.False(t, cached)
	assert.Zero(t, p.Hash(1), "allocation evicts the block from the prefix cache")
	assert.InDelta(t, 1.0, p.Usage(), 0)
	require.NoError(t, p.CheckInvariants())
}

func TestPoolLimits(t *testing.T) {
	_, err := NewBlockPool(1<<28, 16)
	assert.ErrorContains(t, err, "overflow int32 slot indices")
	_, err = NewBlockPool(-1, 16)
	assert.Error(t, err)
	p := newPool(t, 2, 1)
	assert.Equal(t, 1, p.NumFree())
	assert.Panics(t, func() { p.RefCount(-1) })
	assert.Panics(t, func() { NewBlockTable(16).Grow(p, 1) }, "block size mismatch")
	assert.Panics(t, func() { NewBlockTable(0) })
	require.NoError(t, p.CheckInvariants())
}

func TestTableRelease(t *testing.T) {
	p := newPool(t, 10, 4)
	bt := NewBlockTable(4)
	require.True(t, bt.Grow(p, 13))
	assert.Equal(t, []BlockID{1, 2, 3, 4}, bt.Blocks())
	assert.Equal(t, 16, bt.Capacity())
	assert.Equal(t, 0, bt.BlocksNeeded(3))
	assert.Equal(t, 1, bt.BlocksNeeded(4))
	bt.Release(p)
	assert.Zero(t, bt.Tokens())
	assert.Empty(t, bt.Blocks())
	assert.Equal(t, []BlockID{5, 6, 7, 8, 9, 4, 3, 2, 1}, p.FreeList())
	// A released table is reusable.
	require.True(t, bt.Grow(p, 1))
	assert.Equal(t, []BlockID{5}, bt.Blocks())
	bt.Release(p)
	require.NoError(t, p.CheckInvariants())
}

// FuzzPoolOps interprets bytes as pool operations and checks the invariants
// after each; a panic other than the documented broken-invariant ones, or an
// inconsistent pool, fails.
func FuzzPoolOps(f *testing.F) {
	f.Add([]byte{0, 3, 1, 0, 2, 1, 0, 9})
	f.Add([]byte{0, 7, 2, 2, 1, 2, 1, 2, 1, 2})
	f.Fuzz(func(t *testing.T, ops []byte) {
		p := newPool(t, 9, 2)
		var held []BlockID
		for i := 0; i+1 < len(ops); i += 2 {
			arg := int(ops[i+1])
			switch ops[i] % 3 {
			case 0:
				ids, ok := p.Allocate(arg % 10)
				if ok {
					held = append(held, ids...)
				}
			case 1:
				if len(held) > 0 {
					j := arg % len(held)
					p.Free(held[j])
					held = slices.Delete(held, j, j+1)
				}
			case 2:
				if len(held) > 0 {
					id := held[arg%len(held)]
					p.Touch(id)
					held = append(held, id)
				}
			}
			require.NoError(t, p.CheckInvariants())
		}
		p.Free(held...)
		require.Equal(t, 8, p.NumFree())
		require.NoError(t, p.CheckInvariants())
	})
}
