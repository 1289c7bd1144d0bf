package cache

import (
	"fmt"
	"slices"
)

// Prefix caching, as in vLLM v1: a full block is named by a hash chained
// from its parent block's hash and its own tokens, so equal hashes mean equal
// prefixes (up to 64-bit hash collisions, which vLLM's default builtin hash
// accepts too). A cached block stays cached while it is in use and after it
// is freed, until Allocate takes it from the free list's head, which evicts
// it: cached free blocks are evicted least recently freed first.

// HashBlockTokens returns the hash of a full block with the given parent
// hash (0 for the first block) and tokens: FNV-1a 64 over the parent's and
// the tokens' little-endian bytes. It never returns 0, which means "no hash".
func HashBlockTokens(parent BlockHash, tokens []int32) BlockHash {
	const offset, prime = 0xcbf29ce484222325, 0x100000001b3
	h := uint64(offset)
	for i := range 8 {
		h = (h ^ uint64(byte(parent>>(8*i)))) * prime
	}
	for _, t := range tokens {
		for i := range 4 {
			h = (h ^ uint64(byte(uint32(t)>>(8*i)))) * prime
		}
	}
	if h == 0 {
		h = 1
	}
	return BlockHash(h)
}

// CacheBlock records that block id, which must be in use, holds the full
// block named h. It returns false, leaving id uncached, when another block
// already holds h (two sequences computed the same block concurrently).
func (p *BlockPool) CacheBlock(id BlockID, h BlockHash) bool {
	p.checkID(id)
	b := &p.blocks[id]
	switch {
	case id == NullBlock || b.ref == 0:
		panic(fmt.Sprintf("cache: CacheBlock(%d): block not in use", id))
	case h == 0:
		panic("cache: CacheBlock: zero hash")
	case b.hash != 0 && b.hash != h:
		panic(fmt.Sprintf("cache: CacheBlock(%d): already cached under another hash", id))
	case b.hash == h:
		return true
	}
	if _, dup := p.cached[h]; dup {
		return false
	}
	if p.cached == nil {
		p.cached = make(map[BlockHash]BlockID)
	}
	p.cached[h] = id
	b.hash = h
	return true
}

// Lookup returns the block cached under h. The caller takes it with Touch.
func (p *BlockPool) Lookup(h BlockHash) (BlockID, bool) {
	id, ok := p.cached[h]
	return id, ok
}

// NumCached returns how many blocks are in the prefix cache (in use or free).
func (p *BlockPool) NumCached() int { return len(p.cached) }

// evict drops block id from the prefix cache, if it is there.
func (p *BlockPool) evict(id BlockID) {
	if h := p.blocks[id].hash; h != 0 {
		delete(p.cached, h)
		p.blocks[id].hash = 0
	}
}

// cachedIDs returns the cached block ids in increasing order (for String).
func (p *BlockPool) cachedIDs() []BlockID {
	ids := make([]BlockID, 0, len(p.cached))
	for _, id := range p.cached {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// checkCache reports cache entries and block hashes that disagree.
func (p *BlockPool) checkCache(bad func(string, ...any)) {
	for h, id := range p.cached {
		if id <= NullBlock || int(id) >= p.NumBlocks() || p.blocks[id].hash != h {
			bad("cache entry %#x -> block %d does not match the block", uint64(h), id)
		}
	}
	n := 0
	for id := range p.NumBlocks() {
		if p.blocks[id].hash != 0 {
			n++
		}
	}
	if n != len(p.cached) {
		bad("%d blocks carry a hash, cache holds %d", n, len(p.cached))
	}
}
