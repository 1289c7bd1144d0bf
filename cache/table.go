package cache

import "fmt"

// BlockTable is one sequence's append-only list of block ids plus the number
// of tokens it holds. Token t lives in block Blocks()[t/B] at slot t%B.
//
// Invariants: len(blocks) == ceil(tokens / B); hashes[i] is the prefix hash
// of full block i, for the leading blocks that were cached or matched.
type BlockTable struct {
	blocks    []BlockID
	hashes    []BlockHash
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
	bt.hashes = bt.hashes[:0]
	bt.tokens = 0
}

// AppendCached starts an empty table with the longest run of prompt's full
// blocks found in the prefix cache, taking each by reference, and returns the
// number of tokens reused (a multiple of B). It always leaves at least one
// prompt token to compute, since the model must run on the last token to
// produce logits.
func (bt *BlockTable) AppendCached(pool *BlockPool, prompt []int32) int {
	if bt.tokens != 0 {
		panic("cache: AppendCached on a non-empty table")
	}
	var parent BlockHash
	B := bt.blockSize
	for i := 0; (i+1)*B < len(prompt); i++ {
		h := HashBlockTokens(parent, prompt[i*B:(i+1)*B])
		id, ok := pool.Lookup(h)
		if !ok {
			break
		}
		pool.Touch(id)
		bt.blocks = append(bt.blocks, id)
		bt.hashes = append(bt.hashes, h)
		parent = h
	}
	bt.tokens = len(bt.blocks) * B
	return bt.tokens
}

// CacheFull offers the table's full blocks to the prefix cache once their
// K/V are written; computed holds the sequence's tokens whose K/V are in the
// cache, so only blocks inside it are hashed. Blocks another sequence already
// cached stay private; their hashes still chain to the next block.
func (bt *BlockTable) CacheFull(pool *BlockPool, computed []int32) {
	if len(computed) > bt.tokens {
		panic(fmt.Sprintf("cache: CacheFull of %d tokens, table holds %d", len(computed), bt.tokens))
	}
	B := bt.blockSize
	for i := len(bt.hashes); (i+1)*B <= len(computed); i++ {
		var parent BlockHash
		if i > 0 {
			parent = bt.hashes[i-1]
		}
		h := HashBlockTokens(parent, computed[i*B:(i+1)*B])
		pool.CacheBlock(bt.blocks[i], h)
		bt.hashes = append(bt.hashes, h)
	}
}
