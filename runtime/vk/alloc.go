package vk

/*
#include "vkbind.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// span is a free byte range inside a memory block.
type span struct{ off, size uint64 }

// subAllocator hands out ranges of one block. Invariant: free is sorted by
// offset, non-overlapping, and no two spans touch (they are coalesced).
type subAllocator struct {
	size uint64
	used uint64
	free []span
}

func newSubAllocator(size uint64) subAllocator {
	return subAllocator{size: size, free: []span{{0, size}}}
}

func alignUp(v, a uint64) uint64 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) / a * a
}

// alloc returns the offset of a size-byte range aligned to align (first fit).
func (s *subAllocator) alloc(size, align uint64) (uint64, bool) {
	for i, f := range s.free {
		off := alignUp(f.off, align)
		if off+size > f.off+f.size || off < f.off {
			continue
		}
		pre := span{f.off, off - f.off}
		post := span{off + size, f.off + f.size - off - size}
		repl := make([]span, 0, 2)
		if pre.size > 0 {
			repl = append(repl, pre)
		}
		if post.size > 0 {
			repl = append(repl, post)
		}
		s.free = append(s.free[:i], append(repl, s.free[i+1:]...)...)
		s.used += size
		return off, true
	}
	return 0, false
}

// release returns a range; overlapping a free range (a double free) is a
// broken invariant and panics.
func (s *subAllocator) release(off, size uint64) {
	if off+size > s.size || size == 0 {
		panic(fmt.Sprintf("vk: release of [%d,+%d) outside block of %d", off, size, s.size))
	}
	i := 0
	for i < len(s.free) && s.free[i].off < off {
		i++
	}
	if (i > 0 && s.free[i-1].off+s.free[i-1].size > off) || (i < len(s.free) && off+size > s.free[i].off) {
		panic(fmt.Sprintf("vk: double free of [%d,+%d)", off, size))
	}
	s.free = append(s.free[:i], append([]span{{off, size}}, s.free[i:]...)...)
	if i+1 < len(s.free) && s.free[i].off+s.free[i].size == s.free[i+1].off {
		s.free[i].size += s.free[i+1].size
		s.free = append(s.free[:i+1], s.free[i+2:]...)
	}
	if i > 0 && s.free[i-1].off+s.free[i-1].size == s.free[i].off {
		s.free[i-1].size += s.free[i].size
		s.free = append(s.free[:i], s.free[i+1:]...)
	}
	s.used -= size
}

// memBlock is one VkDeviceMemory allocation, mapped once if host visible.
type memBlock struct {
	mem    C.VkDeviceMemory
	mapped unsafe.Pointer
	sub    subAllocator
}

// allocation is a sub-range of a block.
type allocation struct {
	block     *memBlock
	off, size uint64
}

// memPool sub-allocates one memory type from blocks of blockSize bytes (or
// one exactly-sized block for a larger request), never above limit bytes.
type memPool struct {
	blockSize uint64
	limit     uint64
	blocks    []*memBlock
	newBlock  func(size uint64) (*memBlock, error)
	freeBlock func(*memBlock)
}

func (p *memPool) alloc(size, align uint64) (allocation, error) {
	if size > p.limit {
		return allocation{}, fmt.Errorf("%w: allocation of %d bytes exceeds the %d-byte block limit",
			ErrUnsupported, size, p.limit)
	}
	for _, b := range p.blocks {
		if off, ok := b.sub.alloc(size, align); ok {
			return allocation{b, off, size}, nil
		}
	}
	b, err := p.newBlock(max(p.blockSize, alignUp(size, 1<<16)))
	if err != nil {
		return allocation{}, err
	}
	p.blocks = append(p.blocks, b)
	off, ok := b.sub.alloc(size, align)
	if !ok {
		panic("vk: fresh block cannot hold its first allocation")
	}
	return allocation{b, off, size}, nil
}

// free releases a; an emptied block goes back to the device unless it is
// the pool's last one (kept to avoid churn when a buffer is recreated).
func (p *memPool) free(a allocation) {
	a.block.sub.release(a.off, a.size)
	if a.block.sub.used != 0 || len(p.blocks) == 1 {
		return
	}
	for i, b := range p.blocks {
		if b == a.block {
			p.blocks = append(p.blocks[:i], p.blocks[i+1:]...)
			p.freeBlock(b)
			return
		}
	}
}

// releaseAll frees every block (at device close).
func (p *memPool) releaseAll() {
	for _, b := range p.blocks {
		p.freeBlock(b)
	}
	p.blocks = nil
}

// AllocatorStats describe the device memory the allocator holds.
type AllocatorStats struct {
	BytesAllocated uint64 // VkDeviceMemory bytes held
	BytesInUse     uint64 // bytes of live caller buffers
	InternalBytes  uint64 // bytes of the device's own staging buffers
	Blocks         int    // VkDeviceMemory objects
	LiveObjects    int    // caller objects (buffers, pipelines, ...) not yet closed
}

func (p *memPool) addStats(s *AllocatorStats) {
	for _, b := range p.blocks {
		s.BytesAllocated += b.sub.size
		s.BytesInUse += b.sub.used
		s.Blocks++
	}
}
