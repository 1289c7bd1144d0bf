package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/models/tokenizer"
	"github.com/vkllm/vkllm/runtime/sample"
	"github.com/vkllm/vkllm/runtime/sched"
)

// Stepper runs one forward step and returns the logits of the batch's
// logit rows, [LogitRows][vocab] row-major. The CPU backend and the Vulkan
// engine both provide one (see NewStepper).
type Stepper interface {
	Step(b *llama.Batch) ([]float32, error)
}

// forwardStepper runs llama.Forward over any backend's Ops.
type forwardStepper[A any] struct {
	m   *llama.Model
	ops llama.Ops[A]
}

// NewStepper returns a Stepper that runs m's forward pass on ops.
func NewStepper[A any](m *llama.Model, ops llama.Ops[A]) Stepper {
	return forwardStepper[A]{m: m, ops: ops}
}

func (f forwardStepper[A]) Step(b *llama.Batch) ([]float32, error) {
	return llama.Forward(f.m, f.ops, b)
}

// Options bounds the runner's steps.
type Options struct {
	MaxSeqs        int // running sequences at most; 0 means DefaultMaxSeqs
	MaxBatchTokens int // tokens per step at most; 0 means DefaultMaxBatchTokens
	Context        int // tokens per sequence at most; 0 means the model's context
}

// Defaults for zero Options fields.
const (
	DefaultMaxSeqs        = 16
	DefaultMaxBatchTokens = 256
)

// Request is one generation request.
type Request struct {
	Prompt    []int32 // token ids (with BOS if the model wants it); copied
	MaxTokens int     // tokens to generate at most; <= 0 means until EOG or the context is full
	Params    sample.Params
	// Stop ends generation when the generated text contains one of these
	// strings (the text up to it is delivered, the stop string is not).
	// It needs a tokenizer.
	Stop []string
}

// ErrClosed is returned by Submit after Close.
var ErrClosed = errors.New("runner: closed")

// Runner serves requests with continuous batching. See the package
// documentation for its threading model.
type Runner struct {
	model *llama.Model
	step  Stepper
	tok   *tokenizer.Tokenizer
	sched *sched.Scheduler
	opt   Options

	mu      sync.Mutex // guards the inbox and closing
	inbox   inbox
	closing bool
	wake    chan struct{} // capacity 1
	exited  chan struct{}

	live  map[sched.SeqID]*request // loop goroutine only
	batch llama.Batch              // loop goroutine only: reused per step
	rows  []int                    // loop goroutine only: logit offsets of batch
	smps  []*sample.Sampler        // loop goroutine only: samplers of batch's logit rows
	hists [][]int32                // loop goroutine only: their histories

	statsMu sync.Mutex
	stats   Stats
}

// inbox is what other goroutines hand to the loop.
type inbox struct {
	submitted []*request
	cancelled []*request
	calls     []func()
}

// New starts a runner whose Stepper computes on KV storage indexed by pool's
// block ids. tok may be nil: then there is no text, no stop strings and no
// end-of-generation token (requests end on MaxTokens or the context).
func New(m *llama.Model, step Stepper, pool *cache.BlockPool, tok *tokenizer.Tokenizer, opt Options) (*Runner, error) {
	opt = opt.withDefaults(m)
	if opt.Context > m.Config.Context {
		return nil, fmt.Errorf("runner: context %d exceeds the model's %d", opt.Context, m.Config.Context)
	}
	cfg := sched.Config{MaxSeqs: opt.MaxSeqs, MaxBatchTokens: opt.MaxBatchTokens, MaxContext: opt.Context}
	if tok != nil {
		cfg.IsEOG = tok.IsEOG
	}
	s, err := sched.New(cfg, pool)
	if err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}
	r := &Runner{model: m, step: step, tok: tok, sched: s, opt: opt,
		wake: make(chan struct{}, 1), exited: make(chan struct{}), live: make(map[sched.SeqID]*request)}
	r.publishStats(0, 0)
	go r.loop()
	return r, nil
}

func (o Options) withDefaults(m *llama.Model) Options {
	if o.MaxSeqs <= 0 {
		o.MaxSeqs = DefaultMaxSeqs
	}
	if o.MaxBatchTokens <= 0 {
		o.MaxBatchTokens = DefaultMaxBatchTokens
	}
	if o.Context <= 0 {
		o.Context = m.Config.Context
	}
	return o
}

// Submit queues a request and returns its stream. It rejects at once a
// request that could never run (empty prompt, prompt over the context, more
// blocks than the pool holds, token ids outside the vocabulary, bad
// sampling parameters, stop strings without a tokenizer). Cancelling ctx
// ends the request with FinishCancelled and frees its blocks.
func (r *Runner) Submit(ctx context.Context, req Request) (*Stream, error) {
	rq, err := r.newRequest(req)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	// Registered under the lock, so a cancellation reaches the inbox after
	// the submission (AfterFunc runs its function on another goroutine).
	rq.stopWatch = context.AfterFunc(ctx, func() { r.cancel(rq) })
	r.inbox.submitted = append(r.inbox.submitted, rq)
	r.mu.Unlock()
	r.signal()
	return rq.stream, nil
}

func (r *Runner) newRequest(req Request) (*request, error) {
	if err := r.sched.Fits(len(req.Prompt), req.MaxTokens); err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}
	for i, t := range req.Prompt {
		if t < 0 || int(t) >= r.model.Config.Vocab {
			return nil, fmt.Errorf("runner: prompt token %d at %d outside the vocabulary of %d", t, i, r.model.Config.Vocab)
		}
	}
	if len(req.Stop) > 0 && r.tok == nil {
		return nil, errors.New("runner: stop strings need a tokenizer")
	}
	smp, err := sample.New(req.Params)
	if err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}
	rq := &request{stop: newStopper(req.Stop), maxTokens: req.MaxTokens, smp: smp, stream: newStream(),
		history: append(make([]int32, 0, len(req.Prompt)+max(req.MaxTokens, 0)), req.Prompt...),
		prompt:  len(req.Prompt), submitted: time.Now()}
	if r.tok != nil {
		rq.dec = r.tok.NewDecoder()
	}
	return rq, nil
}

func (r *Runner) cancel(rq *request) {
	r.mu.Lock()
	r.inbox.cancelled = append(r.inbox.cancelled, rq)
	r.mu.Unlock()
	r.signal()
}

func (r *Runner) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Close stops admitting requests, ends every unfinished one with
// FinishCancelled (freeing its blocks) and returns when the loop has
// exited. It is idempotent.
func (r *Runner) Close() error {
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
	r.signal()
	<-r.exited
	return nil
}

// CheckInvariants runs the scheduler's and the pool's invariant checks on
// the loop goroutine, between steps (or directly once the loop has exited).
func (r *Runner) CheckInvariants() error {
	var err error
	r.do(func() { err = r.sched.CheckInvariants() })
	return err
}

// do runs f on the loop goroutine between steps and waits for it.
func (r *Runner) do(f func()) {
	done := make(chan struct{})
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		<-r.exited
		f()
		return
	}
	r.inbox.calls = append(r.inbox.calls, func() { f(); close(done) })
	r.mu.Unlock()
	r.signal()
	select {
	case <-done:
	case <-r.exited: // Close raced with us: the loop may have dropped the call
		select {
		case <-done:
		default:
			f()
		}
	}
}
