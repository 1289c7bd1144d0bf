package cpu

import (
	"errors"
	"fmt"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/gguf"
	"github.com/vkllm/vkllm/models/llama"
)

// Options configures a Session.
type Options struct {
	KVType    cache.KVType
	Context   int // tokens the session can hold; 0 means the model's context length
	BlockSize int // KV block size; 0 means DefaultBlockSize
	// PrefillChunk is the most prompt tokens computed in one step; 0 means
	// DefaultPrefillChunk.
	PrefillChunk int
	Backend      BackendOptions
}

// Defaults for zero Options fields.
const (
	DefaultBlockSize    = 16
	DefaultPrefillChunk = 64
)

// ErrContextFull is wrapped when tokens do not fit the session's context.
var ErrContextFull = errors.New("context full")

// Session is one sequence on one model: a paged host KV cache sized for the
// context, a block table, and the backend that runs steps on it. It is not
// safe for concurrent use.
type Session struct {
	model   *llama.Model
	stepper Stepper
	pool    *cache.BlockPool
	table   *cache.BlockTable
	ctx     int
	chunk   int
	history []int32 // tokens in the cache, in order
}

// NewSession allocates the KV cache for opt.Context tokens.
func NewSession(m *llama.Model, opt Options) (*Session, error) {
	ctx := opt.Context
	if ctx <= 0 {
		ctx = m.Config.Context
	}
	if ctx > m.Config.Context {
		return nil, fmt.Errorf("cpu: context %d exceeds the model's trained context %d", ctx, m.Config.Context)
	}
	bs := cmpOr(opt.BlockSize, DefaultBlockSize)
	layout := cache.Layout{Type: opt.KVType, BlockSize: bs, KVHeads: m.Config.KVHeads, HeadDim: m.Config.HeadDim}
	if err := layout.Validate(); err != nil {
		return nil, fmt.Errorf("cpu: %w", err)
	}
	blocks := (ctx+bs-1)/bs + 1 // plus the null block
	kv, err := cache.NewHostPool(m.Config.Layers, layout, blocks)
	if err != nil {
		return nil, fmt.Errorf("cpu: %w", err)
	}
	be, err := NewBackend(m, kv, opt.Backend)
	if err != nil {
		return nil, err
	}
	opt.Context = ctx
	return NewSessionOn(m, be, opt)
}

// Stepper runs forward steps over a paged KV cache of NumBlocks blocks
// with the given layout. *Backend implements it on the CPU and the Vulkan
// engine (runtime/engine) on a device, so both share Session and Generate.
type Stepper interface {
	Step(b *llama.Batch) ([]float32, error)
	Layout() cache.Layout
	NumBlocks() int // the null block included
}

// Step runs llama.Forward on the backend.
func (b *Backend) Step(batch *llama.Batch) ([]float32, error) {
	return llama.Forward(b.model, b, batch)
}

// Layout returns the KV block layout.
func (b *Backend) Layout() cache.Layout { return b.kv.Layout() }

// NumBlocks returns the KV pool's block count.
func (b *Backend) NumBlocks() int { return b.kv.NumBlocks() }

// NewSessionOn makes a session that runs its steps on st, whose KV pool it
// manages. The context is opt.Context (0: the model's), capped by what the
// pool holds; opt's KVType, BlockSize and Backend are the stepper's
// business and are ignored.
func NewSessionOn(m *llama.Model, st Stepper, opt Options) (*Session, error) {
	bs := st.Layout().BlockSize
	ctx := opt.Context
	if ctx <= 0 {
		ctx = m.Config.Context
	}
	ctx = min(ctx, m.Config.Context, (st.NumBlocks()-1)*bs)
	pool, err := cache.NewBlockPool(st.NumBlocks(), bs)
	if err != nil {
		return nil, fmt.Errorf("cpu: %w", err)
	}
	return &Session{model: m, stepper: st, pool: pool, table: cache.NewBlockTable(bs), ctx: ctx,
		chunk: cmpOr(opt.PrefillChunk, DefaultPrefillChunk)}, nil
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// Model returns the session's model.
func (s *Session) Model() *llama.Model { return s.model }

// Context returns the number of tokens the session can hold.
func (s *Session) Context() int { return s.ctx }

// Len returns the number of tokens in the cache.
func (s *Session) Len() int { return s.table.Tokens() }

// Layout returns the KV cache layout.
func (s *Session) Layout() cache.Layout { return s.stepper.Layout() }

// KVBytesPerToken returns the K+V bytes one token costs across layers.
func (s *Session) KVBytesPerToken() int { return s.Layout().BytesPerToken(s.model.Config.Layers) }

// KVBytesUsed returns the bytes of the KV blocks the sequence holds.
func (s *Session) KVBytesUsed() int {
	return len(s.table.Blocks()) * 2 * s.model.Config.Layers * s.Layout().BlockBytes()
}

// Reset empties the cache so the session can start a new sequence.
func (s *Session) Reset() {
	s.table.Release(s.pool)
	s.history = s.history[:0]
}

// Eval appends tokens to the sequence in steps of at most the prefill chunk
// and returns the next-token logits: of every token when all is set
// ([len(tokens)][vocab]), else of the last one ([vocab]). After an error
// the session is empty (Reset).
func (s *Session) Eval(tokens []int32, all bool) ([]float32, error) {
	if s.Len()+len(tokens) > s.ctx {
		return nil, fmt.Errorf("cpu: %d tokens after %d: %w (%d tokens)", len(tokens), s.Len(), ErrContextFull, s.ctx)
	}
	var out []float32
	for lo := 0; lo < len(tokens); lo += s.chunk {
		hi := min(lo+s.chunk, len(tokens))
		logits, err := s.step(tokens[lo:hi], all, hi == len(tokens))
		if err != nil {
			return nil, err
		}
		out = append(out, logits...)
	}
	return out, nil
}

// step runs one forward step on a chunk.
func (s *Session) step(chunk []int32, all, last bool) ([]float32, error) {
	start := s.Len()
	if !s.table.Grow(s.pool, len(chunk)) {
		return nil, fmt.Errorf("cpu: no free KV blocks for %d tokens: %w", len(chunk), ErrContextFull)
	}
	seq := llama.Seq{Tokens: chunk, Start: start, Blocks: s.table.Blocks()}
	switch {
	case all:
		seq.Logits = make([]int, len(chunk))
		for i := range seq.Logits {
			seq.Logits[i] = i
		}
	case last:
		seq.Logits = []int{len(chunk) - 1}
	}
	b := &llama.Batch{Seqs: []llama.Seq{seq}, BlockSize: s.pool.BlockSize()}
	logits, err := s.stepper.Step(b)
	if err != nil {
		s.Reset() // the cache may hold part of the chunk
		return nil, err
	}
	s.history = append(s.history, chunk...)
	return logits, nil
}

// Loaded is a model file opened for the CPU: the GGUF file (whose memory
// map the weights alias) and the bound model.
type Loaded struct {
	File  *gguf.File
	Model *llama.Model
}

// Open maps a GGUF file and binds its model.
func Open(path string) (*Loaded, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := llama.Load(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Loaded{File: f, Model: m}, nil
}

// Close unmaps the file; the model must not be used afterwards.
func (l *Loaded) Close() error { return l.File.Close() }
