package sched

import (
	"errors"
	"fmt"
	"slices"

	"github.com/vkllm/vkllm/cache"
)

// SeqID names a sequence for the lifetime of its scheduler.
type SeqID uint64

// State is where a sequence is in its life.
type State uint8

// Sequence states. A preempted sequence is Waiting again.
const (
	Waiting State = iota
	Running
	Finished
)

var stateNames = [...]string{Waiting: "waiting", Running: "running", Finished: "finished"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// FinishReason says why a sequence ended; "" means it has not.
type FinishReason string

// Reasons Update reports.
const (
	FinishStop   FinishReason = "stop"   // end-of-generation token
	FinishLength FinishReason = "length" // MaxTokens reached or the context is full
	FinishError  FinishReason = "error"  // the caller passed no usable token (negative id)
)

// ErrNeverFits is wrapped by Add for a sequence that could not run even
// alone: an empty prompt, a prompt over the context, or more blocks than the
// pool holds.
var ErrNeverFits = errors.New("sequence can never fit")

// Config bounds a Scheduler's steps.
type Config struct {
	MaxSeqs        int // running sequences at most
	MaxBatchTokens int // tokens computed per step at most (the token budget)
	MaxContext     int // tokens a sequence may hold in the cache (the model's context)
	// IsEOG reports end-of-generation tokens; nil means none.
	IsEOG func(id int32) bool
}

func (c Config) validate() error {
	if c.MaxSeqs < 1 || c.MaxBatchTokens < 1 || c.MaxContext < 1 {
		return fmt.Errorf("sched: MaxSeqs %d, MaxBatchTokens %d and MaxContext %d must be positive",
			c.MaxSeqs, c.MaxBatchTokens, c.MaxContext)
	}
	return nil
}

// seq is one sequence's scheduling state.
//
// Invariants: 0 <= computed <= len(tokens); table.Tokens() == computed
// except between Schedule and Update; a waiting sequence's table is empty.
type seq struct {
	id           SeqID
	tokens       []int32 // prompt, then generated tokens
	promptLen    int
	maxTokens    int // generated tokens at most; <= 0 means until EOG or the context
	computed     int
	table        *cache.BlockTable
	state        State
	admitted     bool // admitted at least once
	cachedPrompt int  // prompt tokens reused from the prefix cache at first admission
	preemptions  int
}

func (sq *seq) generated() int { return len(sq.tokens) - sq.promptLen }

// Scheduler decides, step by step, which tokens of which sequences to
// compute. See the package documentation for the algorithm.
type Scheduler struct {
	cfg     Config
	pool    *cache.BlockPool
	seqs    map[SeqID]*seq
	waiting []*seq // FCFS; preempted sequences go back to the front
	running []*seq // admission order; preemption takes from the tail
	nextID  SeqID
	stats   Stats
}

// New returns a scheduler that takes blocks from pool. The scheduler owns
// the pool's allocations from now on.
func New(cfg Config, pool *cache.BlockPool) (*Scheduler, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if pool == nil {
		return nil, errors.New("sched: nil block pool")
	}
	return &Scheduler{cfg: cfg, pool: pool, seqs: make(map[SeqID]*seq), nextID: 1}, nil
}

// Pool returns the block pool.
func (s *Scheduler) Pool() *cache.BlockPool { return s.pool }

// Config returns the scheduler's configuration.
func (s *Scheduler) Config() Config { return s.cfg }

// Add queues a sequence with the given prompt, generating at most
// maxTokens tokens (<= 0: until EOG or the context is full). It rejects,
// wrapping ErrNeverFits, a sequence that could not run even alone in the
// pool. The prompt is copied.
func (s *Scheduler) Add(prompt []int32, maxTokens int) (SeqID, error) {
	if err := s.Fits(len(prompt), maxTokens); err != nil {
		return 0, err
	}
	sq := &seq{id: s.nextID, tokens: slices.Clone(prompt), promptLen: len(prompt), maxTokens: maxTokens,
		table: cache.NewBlockTable(s.pool.BlockSize())}
	s.nextID++
	s.seqs[sq.id] = sq
	s.waiting = append(s.waiting, sq)
	return sq.id, nil
}

// Fits reports (wrapping ErrNeverFits) whether Add would reject a sequence
// of this prompt length and token limit: its largest cache footprint must
// fit the pool and the context, so that preemption can always make room for
// it by running it alone. It reads only immutable configuration, so unlike
// the other methods it is safe to call from any goroutine.
func (s *Scheduler) Fits(promptLen, maxTokens int) error {
	ctx := s.cfg.MaxContext
	switch {
	case promptLen == 0:
		return fmt.Errorf("sched: empty prompt: %w", ErrNeverFits)
	case promptLen > ctx:
		return fmt.Errorf("sched: prompt of %d tokens exceeds the context of %d: %w", promptLen, ctx, ErrNeverFits)
	}
	// The final length is at most ctx+1 (the last sampled token is never
	// computed), and the cache holds all tokens but the last.
	final := ctx + 1
	if maxTokens > 0 {
		final = min(final, promptLen+maxTokens)
	}
	B := s.pool.BlockSize()
	need := (final - 1 + B - 1) / B
	if have := s.pool.NumBlocks() - 1; need > have {
		return fmt.Errorf("sched: sequence of up to %d tokens needs %d blocks, the pool has %d: %w",
			final-1, need, have, ErrNeverFits)
	}
	return nil
}

// Abort ends a sequence in any state (waiting, running, in the middle of a
// prompt or between Schedule and Update) and frees its blocks. It returns
// false when id is not live.
func (s *Scheduler) Abort(id SeqID) bool {
	sq := s.seqs[id]
	if sq == nil {
		return false
	}
	switch sq.state {
	case Waiting:
		s.waiting = slices.DeleteFunc(s.waiting, func(x *seq) bool { return x == sq })
	case Running:
		s.running = slices.DeleteFunc(s.running, func(x *seq) bool { return x == sq })
	}
	s.finish(sq)
	return true
}

// finish releases a live sequence's blocks and forgets it. The caller has
// taken it out of waiting or running.
func (s *Scheduler) finish(sq *seq) {
	sq.table.Release(s.pool)
	sq.state = Finished
	delete(s.seqs, sq.id)
}

// SeqInfo is a snapshot of one sequence.
type SeqInfo struct {
	ID                 SeqID
	State              State
	NumTokens          int // prompt plus generated
	NumComputed        int // tokens whose K/V are in the cache
	PromptTokens       int
	Generated          int
	CachedPromptTokens int // prompt tokens the prefix cache supplied at first admission
	Preemptions        int
	Blocks             []cache.BlockID
}

// Info returns a snapshot of a live sequence.
func (s *Scheduler) Info(id SeqID) (SeqInfo, bool) {
	sq := s.seqs[id]
	if sq == nil {
		return SeqInfo{}, false
	}
	return sq.info(), true
}

func (sq *seq) info() SeqInfo {
	return SeqInfo{ID: sq.id, State: sq.state, NumTokens: len(sq.tokens), NumComputed: sq.computed,
		PromptTokens: sq.promptLen, Generated: sq.generated(), CachedPromptTokens: sq.cachedPrompt,
		Preemptions: sq.preemptions, Blocks: slices.Clone(sq.table.Blocks())}
}

// Waiting returns the waiting sequences' ids, front first.
func (s *Scheduler) Waiting() []SeqID { return ids(s.waiting) }

// Running returns the running sequences' ids in admission order.
func (s *Scheduler) Running() []SeqID { return ids(s.running) }

func ids(seqs []*seq) []SeqID {
	out := make([]SeqID, len(seqs))
	for i, sq := range seqs {
		out[i] = sq.id
	}
	return out
}

// Stats counts the scheduler's work since New.
type Stats struct {
	Waiting, Running  int
	FreeBlocks        int // blocks Allocate can hand out (cached free blocks included)
	TotalBlocks       int // allocatable blocks (the null block excluded)
	CachedBlocks      int // blocks in the prefix cache, in use or free
	Steps             int64
	ScheduledTokens   int64
	Preemptions       int64
	PrefixQueryTokens int64 // tokens of admitted sequences looked up in the prefix cache
	PrefixHitTokens   int64 // of those, tokens the prefix cache supplied (not recomputed)
}

// PrefixHitRate returns PrefixHitTokens / PrefixQueryTokens (0 before any).
func (st Stats) PrefixHitRate() float64 {
	if st.PrefixQueryTokens == 0 {
		return 0
	}
	return float64(st.PrefixHitTokens) / float64(st.PrefixQueryTokens)
}

// Stats returns the counters and the current queue and pool sizes.
func (s *Scheduler) Stats() Stats {
	st := s.stats
	st.Waiting, st.Running = len(s.waiting), len(s.running)
	st.FreeBlocks, st.TotalBlocks = s.pool.NumFree(), s.pool.NumBlocks()-1
	st.CachedBlocks = s.pool.NumCached()
	return st
}
