package vkllm

import (
	"sync"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/runtime/runner"
)

// BlockOwner is one KV block's state in Stats.Blocks: a sequence number
// (> 0) or one of the states below.
type BlockOwner int32

const (
	// BlockFree is a free block with no prefix-cache entry.
	BlockFree BlockOwner = 0
	// BlockCached is a free block that still holds a prefix-cache entry:
	// a later prompt with the same prefix reuses it, allocation evicts it.
	BlockCached BlockOwner = -1
	// BlockHeld is in use by a sequence that was not part of the last step.
	BlockHeld BlockOwner = -2
)

// watcher wraps the runner's Stepper. Step runs on the runner's loop
// goroutine, between the scheduler's updates of the block pool, so it may
// read the pool; it publishes a snapshot of block ownership under mu for
// Stats.
//
// Sequence numbers are the watcher's own: a sequence keeps its number
// while it continues from the block and position where its previous step
// ended (key), and gets a fresh one when it starts, restarts after a
// preemption, or reuses a cached prefix.
type watcher struct {
	step runner.Stepper
	pool *cache.BlockPool

	next  int32
	ends  map[seqEnd]int32 // loop goroutine only
	owner []BlockOwner     // loop goroutine only

	mu     sync.Mutex
	snap   []BlockOwner
	hashed []bool // block had a prefix-cache hash at the last step
}

// seqEnd is where a sequence's last step left off: the block holding its
// last token and the position after it.
type seqEnd struct {
	block cache.BlockID
	pos   int
}

func newWatcher(step runner.Stepper, pool *cache.BlockPool) *watcher {
	n := pool.NumBlocks()
	return &watcher{step: step, pool: pool, ends: map[seqEnd]int32{},
		owner: make([]BlockOwner, n), snap: make([]BlockOwner, n), hashed: make([]bool, n)}
}

func (w *watcher) Step(b *llama.Batch) ([]float32, error) {
	w.observe(b)
	return w.step.Step(b)
}

// observe numbers the batch's sequences and records block ownership.
func (w *watcher) observe(b *llama.Batch) {
	ends := make(map[seqEnd]int32, len(b.Seqs))
	for i := range w.owner {
		w.owner[i] = w.stateOf(cache.BlockID(i))
	}
	for _, s := range b.Seqs {
		id, ok := int32(0), false
		if s.Start > 0 {
			id, ok = w.ends[seqEnd{s.Blocks[(s.Start-1)/b.BlockSize], s.Start}]
		}
		if !ok {
			w.next++
			id = w.next
		}
		end := s.Start + len(s.Tokens)
		ends[seqEnd{s.Blocks[(end-1)/b.BlockSize], end}] = id
		for _, blk := range s.Blocks[:(end+b.BlockSize-1)/b.BlockSize] {
			if w.owner[blk] <= 0 { // the first (oldest) sharer keeps a shared block
				w.owner[blk] = BlockOwner(id)
			}
		}
	}
	w.ends = ends
	w.mu.Lock()
	copy(w.snap, w.owner)
	for i := 1; i < len(w.hashed); i++ {
		w.hashed[i] = w.pool.Hash(cache.BlockID(i)) != 0
	}
	w.mu.Unlock()
}

// stateOf is a block's state before this step's tables are applied.
func (w *watcher) stateOf(id cache.BlockID) BlockOwner {
	switch {
	case id == 0:
		return BlockFree // the null block is never handed out
	case w.pool.RefCount(id) > 0:
		return BlockHeld
	case w.pool.Hash(id) != 0:
		return BlockCached
	}
	return BlockFree
}

// snapshot returns the blocks' states at the last step (block 0, the null
// block, excluded). idle says the runner has no live sequence: every block
// was freed since, and those that held a prefix-cache hash stay cached.
func (w *watcher) snapshot(idle bool) []BlockOwner {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := append([]BlockOwner(nil), w.snap[1:]...)
	if idle {
		for i, o := range out {
			if o != BlockFree && o != BlockCached {
				out[i] = map[bool]BlockOwner{false: BlockFree, true: BlockCached}[w.hashed[i+1]]
			}
		}
	}
	return out
}
