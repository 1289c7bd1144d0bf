package cache

import (
	"fmt"
	"math"
	"strings"
)

// BlockID names one KV block. Ids index the pool's storage directly, so they
// are also the ids written into device block tables (int32 there too).
type BlockID int32

// NullBlock is block 0: it is never handed out. Block tables may point padding
// entries at it, so its storage exists but never holds a sequence's data.
const NullBlock BlockID = 0

// BlockHash identifies the content of a full block for the prefix cache
// (hash of the parent block's hash and the block's tokens). Zero means "not
// cached".
type BlockHash uint64

// block is one block's bookkeeping record. The free list is intrusive: prev
// and next are ids of neighbouring records, so a block can leave the middle
// of the list in O(1) when the prefix cache takes it back by reference.
//
// Invariants: ref >= 0; free <=> the block is linked in the free list;
// free => ref == 0; the null block has free == false and ref == 0.
type block struct {
	ref  int32
	prev BlockID
	next BlockID
	free bool
	hash BlockHash
}

// BlockPool hands out block ids with reference counts. Free blocks sit in a
// doubly linked list: allocation takes from the head, freeing appends to the
// tail, so the head holds the least recently used free blocks. Cached free
// blocks (prefix.go) keep their hash while on the list and are
// evicted (hash dropped) only when Allocate takes them from the head.
//
// Invariant: cached[h] == id exactly when blocks[id].hash == h != 0.
type BlockPool struct {
	blocks    []block // len numBlocks+1: the last record is the list sentinel
	blockSize int
	numFree   int
	cached    map[BlockHash]BlockID // prefix cache; see prefix.go
}

// NewBlockPool makes a pool of numBlocks blocks of blockSize tokens each.
// Block 0 is the null block, so numBlocks-1 blocks can be allocated. Initially
// the free list holds 1, 2, ..., numBlocks-1 in order.
func NewBlockPool(numBlocks, blockSize int) (*BlockPool, error) {
	if numBlocks < 2 || numBlocks > maxBlocks {
		return nil, fmt.Errorf("cache: block count %d outside [2, %d]", numBlocks, maxBlocks)
	}
	if blockSize < 1 || blockSize > maxBlockSize {
		return nil, fmt.Errorf("cache: block size %d outside [1, %d]", blockSize, maxBlockSize)
	}
	if int64(numBlocks)*int64(blockSize) > math.MaxInt32 {
		// Flat slot indices (block*B + offset) are int32 on the device.
		return nil, fmt.Errorf("cache: %d blocks of %d tokens overflow int32 slot indices", numBlocks, blockSize)
	}
	p := &BlockPool{blocks: make([]block, numBlocks+1), blockSize: blockSize}
	s := p.sentinel()
	p.blocks[s].prev, p.blocks[s].next = s, s
	for id := BlockID(1); id < BlockID(numBlocks); id++ {
		p.pushBack(id)
	}
	return p, nil
}

// maxBlocks keeps ids (and id+1 for the sentinel) inside int32.
const maxBlocks = 1<<31 - 2

// BlockSize returns the number of tokens per block.
func (p *BlockPool) BlockSize() int { return p.blockSize }

// NumBlocks returns the total number of blocks including the null block.
func (p *BlockPool) NumBlocks() int { return len(p.blocks) - 1 }

// NumFree returns how many blocks Allocate can hand out now.
func (p *BlockPool) NumFree() int { return p.numFree }

// Usage returns the fraction of allocatable blocks in use, in [0, 1].
func (p *BlockPool) Usage() float64 {
	total := p.NumBlocks() - 1
	return float64(total-p.numFree) / float64(total)
}

// RefCount returns the reference count of block id.
func (p *BlockPool) RefCount(id BlockID) int {
	p.checkID(id)
	return int(p.blocks[id].ref)
}

// Hash returns the prefix-cache hash of block id (zero when it has none).
func (p *BlockPool) Hash(id BlockID) BlockHash {
	p.checkID(id)
	return p.blocks[id].hash
}

// Allocate takes n blocks from the head of the free list, each with reference
// count 1. When fewer than n blocks are free it allocates nothing and returns
// ok == false: running out of blocks is a normal outcome the scheduler handles
// by preempting, not an error.
func (p *BlockPool) Allocate(n int) (ids []BlockID, ok bool) {
	if n < 0 {
		panic(fmt.Sprintf("cache: Allocate(%d): negative count", n))
	}
	if n > p.numFree {
		return nil, false
	}
	ids = make([]BlockID, n)
	head := p.sentinel()
	for i := range ids {
		id := p.blocks[head].next
		p.unlink(id)
		p.evict(id) // new content: a cached block leaves the prefix cache
		p.blocks[id].ref = 1
		ids[i] = id
	}
	return ids, true
}

// Free drops one reference from each block, in order. Blocks whose count
// reaches zero go to the tail of the free list, so callers that want a
// sequence's last blocks evicted first pass them first (BlockTable.Release
// does). Freeing the null block or a block with no references is a broken
// invariant and panics.
func (p *BlockPool) Free(ids ...BlockID) {
	for _, id := range ids {
		p.checkID(id)
		if id == NullBlock {
			panic("cache: Free of the null block")
		}
		b := &p.blocks[id]
		if b.ref <= 0 {
			panic(fmt.Sprintf("cache: Free of block %d with ref count %d", id, b.ref))
		}
		b.ref--
		if b.ref == 0 {
			p.pushBack(id)
		}
	}
}

// Touch adds one reference to each block, taking a free block off the free
// list (in O(1), wherever it sits). This is how the prefix cache will share a
// cached block with a new sequence without copying it.
func (p *BlockPool) Touch(ids ...BlockID) {
	for _, id := range ids {
		p.checkID(id)
		if id == NullBlock {
			panic("cache: Touch of the null block")
		}
		if p.blocks[id].free {
			p.unlink(id)
		}
		p.blocks[id].ref++
	}
}

// FreeList returns the free block ids from head (next to be allocated) to
// tail. It allocates; it is meant for tests, debugging and metrics.
func (p *BlockPool) FreeList() []BlockID {
	out := make([]BlockID, 0, p.numFree)
	s := p.sentinel()
	for id := p.blocks[s].next; id != s; id = p.blocks[id].next {
		out = append(out, id)
	}
	return out
}

// String prints the pool state: the free list in order, then every block in
// use with its reference count, e.g. "free 3: [4 5 2]\nused: 1:1 3:2", then
// the prefix-cached blocks when there are any.
func (p *BlockPool) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "free %d: %v\nused:", p.numFree, p.FreeList())
	for id := 1; id < p.NumBlocks(); id++ {
		if b := p.blocks[id]; b.ref > 0 {
			fmt.Fprintf(&sb, " %d:%d", id, b.ref)
		}
	}
	if len(p.cached) > 0 {
		fmt.Fprintf(&sb, "\ncached: %v", p.cachedIDs())
	}
	return sb.String()
}

func (p *BlockPool) sentinel() BlockID { return BlockID(len(p.blocks) - 1) }

func (p *BlockPool) checkID(id BlockID) {
	if id < 0 || int(id) >= p.NumBlocks() {
		panic(fmt.Sprintf("cache: block id %d outside [0, %d)", id, p.NumBlocks()))
	}
}

func (p *BlockPool) pushBack(id BlockID) {
	s := p.sentinel()
	last := p.blocks[s].prev
	p.blocks[id].prev, p.blocks[id].next = last, s
	p.blocks[last].next = id
	p.blocks[s].prev = id
	p.blocks[id].free = true
	p.numFree++
}

func (p *BlockPool) unlink(id BlockID) {
	b := &p.blocks[id]
	p.blocks[b.prev].next = b.next
	p.blocks[b.next].prev = b.prev
	b.prev, b.next = 0, 0
	b.free = false
	p.numFree--
}
