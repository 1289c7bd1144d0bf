package cache

import "fmt"

// BlockTable is one sequence's append-only list of block ids plus the number
// of tokens it holds. Token t lives in block Blocks()[t/B] at slot t%B.
//
// Invariant: len(blocks) == ceil(tokens / B).
type BlockTable struct {
	blocks    []BlockID
	tokens    int
	blockSize int
}

// NewBlockTable returns an empty table for blocks of blockSize tokens.
func NewBlockTable(blockSize int) *BlockTable {
	if blockSize < 1 {
		panic(fmt.Sprintf("cache: NewBlockTable(%d): block size must be positive", blockSize))
	}
	return &BlockTable{blockSize: blockSize}
}

// Tokens returns the number of tokens the table holds.
func (bt *BlockTable) Tokens() int { return bt.tokens }

// BlockSize returns the tokens per block.
func (bt *BlockTable) BlockSize() int { return bt.blockSize }

// Blocks returns the block ids in token order. The slice aliases the table:
// callers must not modify it, and it is only valid until the next Grow.
func (bt *BlockTable) Blocks() []BlockID { return bt.blocks }

// Capacity returns how many tokens fit in the blocks already held.
func (bt *BlockTable) Capacity() int { return len(bt.blocks) * bt.blockSize }

// BlocksNeeded returns how many new blocks Grow(newTokens) would allocate, so
// a scheduler can check a whole batch against NumFree before committing.
func (bt *BlockTable) BlocksNeeded(newTokens int) int {
	if newTokens < 0 {
		panic(fmt.Sprintf("cache: negative token count %d", newTokens))
	}
	total := bt.tokens + newTokens
	return (total+bt.blockSize-1)/bt.blockSize - len(bt.blocks)
}

// Grow adds newTokens tokens, allocating the blocks needed to hold them from
// pool. If the pool has too few free blocks nothing changes and Grow returns
// false.
func (bt *BlockTable) Grow(pool *BlockPool, newTokens int) bool {
	if pool.BlockSize() != bt.blockSize {
		panic(fmt.Sprintf("cache: table block size %d used with pool block size %d",
			bt.blockSize, pool.BlockSize()))
	}
	ids, ok := pool.Allocate(bt.BlocksNeeded(newTokens))
	if !ok {
		return false
	}
	bt.blocks = append(bt.blocks, ids...)
	bt.tokens += newTokens
	return true
}

// Slot returns the block and the offset in it of token t, 0 <= t < Tokens().
func (bt *BlockTable) Slot(t int) (BlockID, int) {
	if t < 0 || t >= bt.tokens {
		panic(fmt.Sprintf("cache: token %d outside [0, %d)", t, bt.tokens))
	}
	return bt.blocks[t/bt.blockSize], t % bt.blockSize
}

// AppendSlotMapping appends, for tokens [from, to), the flat slot index
// block*B + offset that KV-store kernels write to, and returns dst.
func (bt *BlockTable) AppendSlotMapping(dst []int32, from, to int) []int32 {
	for t := from; t < to; t++ {
		id, off := bt.Slot(t)
		dst = append(dst, int32(id)*int32(bt.blockSize)+int32(off))
	}
	return dst
}

// Release frees every block, last block first, so the blocks least likely to
// be a shared prefix sit nearest the head of the free list and are reused (or
// evicted from the prefix cache) first. The table is empty afterwards.
func (bt *BlockTable) Release(pool *BlockPool) {
	for i := len(bt.blocks) - 1; i >= 0; i-- {
		pool.Free(bt.blocks[i])
	}
	bt.blocks = bt.blocks[:0]
	bt.tokens = 0
}
