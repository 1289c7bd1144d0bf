package sched

import (
	"fmt"
	"slices"

	"github.com/vkllm/vkllm/cache"
)

// Plan is one step: the tokens to compute for each scheduled sequence, in
// the order of the step's rows. It is plain data; converting it to a forward
// batch is the caller's business.
type Plan struct {
	Step      int64
	Seqs      []Scheduled
	NumTokens int     // sum of len(Seqs[i].Tokens)
	Preempted []SeqID // sequences preempted while building this plan
	BlockSize int
}

// Scheduled is one sequence's share of a step.
type Scheduled struct {
	ID     SeqID
	Start  int     // position of Tokens[0] (NumComputed before the step)
	Tokens []int32 // the tokens to compute; do not modify
	// Blocks is the block table covering positions [0, Start+len(Tokens)),
	// a copy the caller may keep.
	Blocks []cache.BlockID
	// Sample is set when the step computes the sequence's last known token:
	// the caller samples the next token from the last row's logits.
	Sample bool
}

// Schedule builds the next step's plan, growing block tables, preempting
// and admitting as the package documentation describes. An empty plan means
// there is nothing to run.
func (s *Scheduler) Schedule() *Plan {
	s.stats.Steps++
	b := &planBuilder{s: s, plan: &Plan{Step: s.stats.Steps, BlockSize: s.pool.BlockSize()},
		budget: s.cfg.MaxBatchTokens}
	// Decodes first: one token each, so a long prompt never stalls them.
	for i := 0; i < len(s.running) && b.budget > 0; i++ {
		if sq := s.running[i]; len(sq.tokens)-sq.computed == 1 {
			b.scheduleRunning(sq)
		}
	}
	for i := 0; i < len(s.running) && b.budget > 0; i++ {
		if sq := s.running[i]; len(sq.tokens)-sq.computed > 1 {
			b.scheduleRunning(sq)
		}
	}
	if len(b.plan.Preempted) == 0 {
		for b.budget > 0 && len(s.waiting) > 0 && len(s.running) < s.cfg.MaxSeqs && b.admit(s.waiting[0]) {
		}
	}
	s.stats.ScheduledTokens += int64(b.plan.NumTokens)
	return b.plan
}

// planBuilder holds one Schedule call's state.
type planBuilder struct {
	s      *Scheduler
	plan   *Plan
	budget int
}

// scheduleRunning gives a running sequence min(budget, remaining) tokens,
// preempting from the running tail until its blocks fit. If it is itself
// the tail, it preempts itself and gets nothing.
func (b *planBuilder) scheduleRunning(sq *seq) {
	n := min(b.budget, len(sq.tokens)-sq.computed)
	for !sq.table.Grow(b.s.pool, n) {
		victim := b.s.running[len(b.s.running)-1]
		b.preempt(victim)
		if victim == sq {
			return
		}
	}
	b.add(sq, n)
}

// preempt frees a running sequence's blocks and queues it at the front of
// waiting to be recomputed, taking back its tokens if this step had
// scheduled them. Its full computed blocks stay in the prefix cache, so
// re-admission may find them.
func (b *planBuilder) preempt(sq *seq) {
	s := b.s
	s.running = slices.DeleteFunc(s.running, func(x *seq) bool { return x == sq })
	if i := slices.IndexFunc(b.plan.Seqs, func(e Scheduled) bool { return e.ID == sq.id }); i >= 0 {
		n := len(b.plan.Seqs[i].Tokens)
		b.budget += n
		b.plan.NumTokens -= n
		b.plan.Seqs = slices.Delete(b.plan.Seqs, i, i+1)
	}
	sq.table.Release(s.pool)
	sq.computed = 0
	sq.state = Waiting
	sq.preemptions++
	s.stats.Preemptions++
	s.waiting = slices.Insert(s.waiting, 0, sq)
	b.plan.Preempted = append(b.plan.Preempted, sq.id)
}

// admit moves the front waiting sequence to running with a first chunk,
// reusing its cached prefix blocks. It returns false, changing nothing but
// the free list's order, when its blocks do not fit.
func (b *planBuilder) admit(sq *seq) bool {
	s := b.s
	hit := sq.table.AppendCached(s.pool, sq.tokens)
	n := min(b.budget, len(sq.tokens)-hit)
	if !sq.table.Grow(s.pool, n) {
		// Returns the borrowed cached blocks (to the free list's tail if
		// they were free): FCFS waits for running sequences to free blocks.
		sq.table.Release(s.pool)
		return false
	}
	s.waiting = s.waiting[1:]
	s.running = append(s.running, sq)
	sq.computed = hit
	sq.state = Running
	if !sq.admitted {
		sq.admitted = true
		sq.cachedPrompt = min(hit, sq.promptLen)
	}
	s.stats.PrefixQueryTokens += int64(len(sq.tokens))
	s.stats.PrefixHitTokens += int64(hit)
	b.add(sq, n)
	return true
}

// add appends sq's next n tokens to the plan; its table already holds them.
func (b *planBuilder) add(sq *seq, n int) {
	end := sq.computed + n
	b.plan.Seqs = append(b.plan.Seqs, Scheduled{ID: sq.id, Start: sq.computed,
		Tokens: sq.tokens[sq.computed:end:end], Blocks: slices.Clone(sq.table.Blocks()),
		Sample: end == len(sq.tokens)})
	b.plan.NumTokens += n
	b.budget -= n
}

// Output is what Update did with one sampling sequence of the plan.
type Output struct {
	ID     SeqID
	Token  int32        // the sampled token, appended unless Finish is FinishError
	Finish FinishReason // "" while the sequence goes on; its blocks are freed otherwise
	// CachedPromptTokens is the prompt tokens the prefix cache supplied at
	// the sequence's first admission.
	CachedPromptTokens int
	Generated          int // tokens generated so far, this one included
}

// Update applies a step's results: the plan's tokens are now in the cache,
// and sampled[i] is the token sampled for p.Seqs[i] (read only where Sample
// is set). Sequences aborted or preempted since Schedule are skipped. It
// returns one Output per sampled token, in plan order.
func (s *Scheduler) Update(p *Plan, sampled []int32) []Output {
	if len(sampled) != len(p.Seqs) {
		panic(fmt.Sprintf("sched: Update with %d tokens for a plan of %d sequences", len(sampled), len(p.Seqs)))
	}
	var outs []Output
	for i, e := range p.Seqs {
		sq := s.seqs[e.ID]
		if sq == nil || sq.state != Running || sq.computed != e.Start {
			continue
		}
		sq.computed += len(e.Tokens)
		sq.table.CacheFull(s.pool, sq.tokens[:sq.computed])
		if e.Sample {
			outs = append(outs, s.appendToken(sq, sampled[i]))
		}
	}
	return outs
}

// appendToken adds a sampled token and finishes the sequence when it ends.
func (s *Scheduler) appendToken(sq *seq, tok int32) Output {
	out := Output{ID: sq.id, Token: tok}
	switch {
	case tok < 0:
		out.Finish = FinishError
	default:
		sq.tokens = append(sq.tokens, tok)
		switch {
		case s.cfg.IsEOG != nil && s.cfg.IsEOG(tok):
			out.Finish = FinishStop
		case sq.maxTokens > 0 && sq.generated() >= sq.maxTokens:
			out.Finish = FinishLength
		case len(sq.tokens) > s.cfg.MaxContext: // no position left for it
			out.Finish = FinishLength
		}
	}
	out.CachedPromptTokens, out.Generated = sq.cachedPrompt, sq.generated()
	if out.Finish != "" {
		s.running = slices.DeleteFunc(s.running, func(x *seq) bool { return x == sq })
		s.finish(sq)
	}
	return out
}
