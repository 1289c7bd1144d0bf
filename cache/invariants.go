package cache

import (
	"errors"
	"fmt"
)

// CheckInvariants walks the whole pool and reports every broken invariant:
// the free list is a consistent doubly linked cycle through the sentinel,
// its length matches NumFree, exactly the blocks marked free are on it, free
// blocks have reference count 0, no count is negative, and the null block is
// neither free nor referenced, and the prefix cache's entries match the
// blocks' hashes. It costs O(blocks); tests call it after every step.
func (p *BlockPool) CheckInvariants() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("cache: invariant: "+format, args...))
	}
	if b := p.blocks[NullBlock]; b.free || b.ref != 0 {
		bad("null block free=%v ref=%d", b.free, b.ref)
	}
	onList := p.walkFreeList(bad)
	p.checkCache(bad)
	for id := range BlockID(p.NumBlocks()) {
		b := p.blocks[id]
		if b.ref < 0 {
			bad("block %d has ref count %d", id, b.ref)
		}
		if b.free && b.ref != 0 {
			bad("free block %d has ref count %d", id, b.ref)
		}
		if b.free != onList[id] {
			bad("block %d marked free=%v but on free list=%v", id, b.free, onList[id])
		}
		if !b.free && b.ref == 0 && id != NullBlock {
			bad("block %d is neither free nor referenced (leaked)", id)
		}
	}
	return errors.Join(errs...)
}

// walkFreeList follows next links from the sentinel, checking back links and
// the count, and returns which ids it met. It stops after NumBlocks steps so a
// corrupted cycle cannot loop forever.
func (p *BlockPool) walkFreeList(bad func(string, ...any)) []bool {
	onList := make([]bool, p.NumBlocks())
	s := p.sentinel()
	prev, n := s, 0
	for id := p.blocks[s].next; id != s; id = p.blocks[id].next {
		if id <= NullBlock || id > s || n > p.NumBlocks() {
			bad("free list broken at %d after %d entries", id, n)
			return onList
		}
		if p.blocks[id].prev != prev {
			bad("block %d prev=%d, want %d", id, p.blocks[id].prev, prev)
		}
		if onList[id] {
			bad("block %d twice on the free list", id)
			return onList
		}
		onList[id] = true
		prev = id
		n++
	}
	if p.blocks[s].prev != prev {
		bad("sentinel prev=%d, want %d", p.blocks[s].prev, prev)
	}
	if n != p.numFree {
		bad("free list holds %d blocks, numFree=%d", n, p.numFree)
	}
	return onList
}
