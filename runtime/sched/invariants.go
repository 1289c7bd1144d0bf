package sched

import (
	"errors"
	"fmt"

	"github.com/vkllm/vkllm/cache"
)

// CheckInvariants verifies the pool's invariants and the scheduler's: every
// live sequence is in exactly one queue, at most MaxSeqs run, waiting
// sequences hold no blocks, running ones hold blocks for at least their
// computed tokens, and every block's reference count equals the number of
// block tables that list it (nothing leaks, nothing is shared by mistake).
// It costs O(blocks + tokens held); tests call it after every step.
func (s *Scheduler) CheckInvariants() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("sched: invariant: "+format, args...))
	}
	if err := s.pool.CheckInvariants(); err != nil {
		errs = append(errs, err)
	}
	if len(s.running) > s.cfg.MaxSeqs {
		bad("%d running sequences, MaxSeqs %d", len(s.running), s.cfg.MaxSeqs)
	}
	seen := make(map[SeqID]int, len(s.seqs))
	for _, sq := range s.waiting {
		seen[sq.id]++
		if sq.state != Waiting || sq.table.Tokens() != 0 || sq.computed != 0 {
			bad("waiting sequence %d: state %v, %d tokens in blocks, %d computed", sq.id, sq.state, sq.table.Tokens(), sq.computed)
		}
	}
	refs := make(map[cache.BlockID]int)
	for _, sq := range s.running {
		seen[sq.id]++
		if sq.state != Running || sq.table.Tokens() < sq.computed || sq.computed > len(sq.tokens) {
			bad("running sequence %d: state %v, %d tokens in blocks, %d computed of %d", sq.id, sq.state, sq.table.Tokens(), sq.computed, len(sq.tokens))
		}
		for _, id := range sq.table.Blocks() {
			refs[id]++
		}
	}
	for id, sq := range s.seqs {
		if seen[id] != 1 || sq.id != id {
			bad("sequence %d is in %d queues", id, seen[id])
		}
	}
	if len(seen) != len(s.seqs) {
		bad("%d sequences queued, %d live", len(seen), len(s.seqs))
	}
	for id := cache.BlockID(1); int(id) < s.pool.NumBlocks(); id++ {
		if got := s.pool.RefCount(id); got != refs[id] {
			bad("block %d has ref count %d, %d tables list it", id, got, refs[id])
		}
	}
	return errors.Join(errs...)
}
