package vkllm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vkllm/vkllm/models/chat"
	"github.com/vkllm/vkllm/models/gguf"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/models/tokenizer"
	"github.com/vkllm/vkllm/runtime/runner"
	"github.com/vkllm/vkllm/runtime/sample"
)

// Engine is a loaded model serving generation requests. All its methods
// are safe for concurrent use; see the package documentation.
type Engine struct {
	file  *gguf.File
	model *llama.Model
	tok   *tokenizer.Tokenizer
	tpl   *chat.Template
	run   *runner.Runner
	watch *watcher
	dev   *device // nil on the CPU
	info  Info
	bos   string // the BOS token's text, "" if none
	once  sync.Once
	err   error // of Close
}

// Info describes an open Engine.
type Info struct {
	Model         string // general.name, or the architecture
	Device        string // "cpu" or the Vulkan device's name
	KVType        string
	BlockSize     int // tokens per KV block
	Blocks        int // KV blocks that sequences can use (the null block excluded)
	ContextLength int
	MaxSeqs       int
}

// Open maps a GGUF model file and starts an engine on the device opt
// names. Close releases it.
func Open(modelPath string, opt Options) (*Engine, error) {
	f, err := gguf.Open(modelPath)
	if err != nil {
		return nil, fmt.Errorf("vkllm: %w", err)
	}
	e := &Engine{file: f}
	if err := e.open(opt); err != nil {
		e.Close()
		return nil, fmt.Errorf("vkllm: %s: %w", modelPath, err)
	}
	return e, nil
}

func (e *Engine) open(opt Options) error {
	var err error
	if e.model, err = llama.Load(e.file); err != nil {
		return err
	}
	if e.tok, err = tokenizer.FromGGUF(e.file); err != nil {
		return err
	}
	if e.tpl, err = e.chatTemplate(); err != nil {
		return err
	}
	r, err := opt.resolve(e.model.Config.Context)
	if err != nil {
		return err
	}
	step, pool, err := e.backend(r)
	if err != nil {
		return err
	}
	e.watch = newWatcher(step, pool)
	ro := runner.Options{MaxSeqs: r.MaxSeqs, Context: r.ContextLength}
	if e.dev != nil {
		ro.MaxBatchTokens = e.dev.engine.MaxRows()
	}
	if e.run, err = runner.New(e.model, e.watch, pool, e.tok, ro); err != nil {
		return err
	}
	e.info = Info{Model: e.modelName(), Device: "cpu", KVType: r.kvType.String(), BlockSize: r.BlockSize,
		Blocks: pool.NumBlocks() - 1, ContextLength: r.ContextLength, MaxSeqs: r.MaxSeqs}
	if e.dev != nil {
		e.info.Device = e.dev.dev.Physical().Name
	}
	return nil
}

func (e *Engine) modelName() string {
	if s, err := e.file.String("general.name"); err == nil && s != "" {
		return s
	}
	return e.file.Arch()
}

func (e *Engine) chatTemplate() (*chat.Template, error) {
	src, _ := e.file.String("tokenizer.chat_template") // absent: the fallback
	text := func(id int32) string {
		if id < 0 {
			return ""
		}
		return e.tok.TokenText(id)
	}
	if e.tok.AddBOS() {
		e.bos = text(e.tok.BOS())
	}
	return chat.New(src, text(e.tok.BOS()), text(e.tok.EOS()))
}

// Info describes the engine.
func (e *Engine) Info() Info { return e.info }

// Close stops the engine: unfinished generations end with ErrClosed, and
// the device objects, the model mapping and (unless the device was
// external) the device are released. Generate and Chat return ErrClosed
// afterwards; Stats keeps the last snapshot. Idempotent.
func (e *Engine) Close() error {
	e.once.Do(func() {
		if e.run != nil {
			_ = e.run.Close()
		}
		if e.dev != nil {
			e.dev.close()
		}
		e.err = e.file.Close()
	})
	return e.err
}

// Request is one generation request. The zero sampling fields mean greedy
// decoding: the output is then a function of the prompt alone.
type Request struct {
	Prompt string // text; BOS is added when the model wants it
	// Tokens, when not nil, is the prompt as token ids (used as is, no BOS
	// added) instead of Prompt.
	Tokens    []int32
	MaxTokens int // tokens to generate at most; <= 0: until end of text or a full context

	Temperature   float32 // 0 is greedy
	TopK          int     // keep the K most likely tokens; 0 keeps all
	TopP          float32 // nucleus mass in (0, 1]; 0 means 1 (off)
	MinP          float32 // drop tokens below MinP times the top probability; 0 is off
	RepeatPenalty float32 // on the last 64 tokens; 0 means 1 (off)
	Seed          uint64  // sampling seed: equal seeds give equal outputs

	// Stop ends generation at the first of these strings; the text before
	// it is delivered, the stop string is not.
	Stop []string
}

// Token is one generated token and the text it completed: Text may be ""
// while a multi-byte character or a possible stop string is held back,
// and the last Token of a generation may carry only held-back text (ID -1).
type Token struct {
	ID   int32
	Text string
}

// ErrClosed is returned by Generate on a closed Engine.
var ErrClosed = errors.New("vkllm: engine closed")

func (r Request) params() sample.Params {
	p := sample.Params{Temperature: r.Temperature, TopK: r.TopK, TopP: r.TopP, MinP: r.MinP,
		RepeatPenalty: r.RepeatPenalty, Seed: r.Seed}
	if p.TopP == 0 {
		p.TopP = 1
	}
	if p.RepeatPenalty == 0 {
		p.RepeatPenalty = 1
	}
	if p.RepeatPenalty != 1 {
		p.RepeatLastN = 64
	}
	return p
}

// Generate streams the continuation of req.Prompt. The sequence yields
// each token as it is sampled and ends when generation stops (end of text,
// MaxTokens, a stop string, or a full context); an error is yielded last
// (ctx's error when it was cancelled). Breaking out of the loop cancels
// the request. Several goroutines may generate at once: their sequences
// are batched together.
func (e *Engine) Generate(ctx context.Context, req Request) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		s, err := e.submit(ctx, req)
		if err != nil {
			yield(Token{ID: -1}, err)
			return
		}
		for ev, ok := s.Next(); ok; ev, ok = s.Next() {
			if !yield(Token{ID: ev.Token, Text: ev.Text}, nil) {
				return
			}
		}
		if err := resultErr(ctx, s.Wait()); err != nil {
			yield(Token{ID: -1}, err)
		}
	}
}

func (e *Engine) submit(ctx context.Context, req Request) (*runner.Stream, error) {
	run := e.run
	prompt := req.Tokens
	if prompt == nil {
		prompt = e.tok.Encode(req.Prompt, true)
	}
	s, err := run.Submit(ctx, runner.Request{Prompt: prompt, MaxTokens: req.MaxTokens, Params: req.params(), Stop: req.Stop})
	if errors.Is(err, runner.ErrClosed) {
		return nil, ErrClosed
	}
	if err != nil {
		return nil, fmt.Errorf("vkllm: %w", err)
	}
	return s, nil
}

func resultErr(ctx context.Context, res runner.Result) error {
	switch res.Finish {
	case runner.FinishError:
		return fmt.Errorf("vkllm: %w", res.Err)
	case runner.FinishCancelled:
		if err := ctx.Err(); err != nil {
			return err
		}
		return ErrClosed
	}
	return nil
}

// Complete is Generate collected into a string.
func (e *Engine) Complete(ctx context.Context, req Request) (string, error) {
	var out []byte
	for t, err := range e.Generate(ctx, req) {
		if err != nil {
			return string(out), err
		}
		out = append(out, t.Text...)
	}
	return string(out), nil
}

// Message is one chat message: Role is "system", "user" or "assistant".
type Message = chat.Message

// Chat renders msgs with the model's chat template (ChatML when the model
// has none), opens the assistant's turn and generates it; req's Prompt and
// Tokens are ignored.
func (e *Engine) Chat(ctx context.Context, msgs []Message, req Request) iter.Seq2[Token, error] {
	text, err := e.tpl.Render(msgs, true)
	if err != nil {
		return func(yield func(Token, error) bool) { yield(Token{ID: -1}, fmt.Errorf("vkllm: %w", err)) }
	}
	// The template writes special tokens as text; BOS is added only when
	// the model wants one and the template did not write it.
	addBOS := e.bos != "" && !strings.HasPrefix(text, e.bos)
	req.Tokens = e.tok.EncodeWithSpecial(text, addBOS)
	return e.Generate(ctx, req)
}

// Tokenize returns text's token ids, with BOS when the model wants it.
func (e *Engine) Tokenize(text string) []int32 { return e.tok.Encode(text, true) }

// Detokenize returns the text of ids (special tokens render as nothing).
func (e *Engine) Detokenize(ids []int32) string { return e.tok.Decode(ids) }

// Stats is a snapshot of the engine's work and KV cache.
type Stats struct {
	TokensPerSecond float64       // generated tokens over time spent in steps
	GeneratedTokens int64         // since Open
	Running         int           // sequences being computed
	Waiting         int           // requests queued for a slot or blocks
	Completed       int64         // requests ended since Open
	MeanTTFT        time.Duration // mean time to first token

	BlocksTotal  int // blocks sequences can use
	BlocksInUse  int // held by running sequences
	BlocksFree   int // allocatable now (cached blocks included)
	BlocksCached int // free blocks that keep a prefix-cache entry

	// Sequences lists the blocks each running sequence holds, by sequence
	// number (the numbers in Blocks).
	Sequences []SequenceBlocks
	// Blocks is every block's owner at the last step: Blocks[i] is block
	// i+1 (block 0 is reserved).
	Blocks []BlockOwner
}

// SequenceBlocks is one sequence's share of the KV cache.
type SequenceBlocks struct {
	Seq    int
	Blocks int
}

// Stats returns a snapshot.
func (e *Engine) Stats() Stats {
	rs := e.run.Stats()
	st := Stats{TokensPerSecond: rs.TokensPerSecond, GeneratedTokens: rs.GeneratedTokens, Running: rs.Running,
		Waiting: rs.Waiting, Completed: rs.Completed, MeanTTFT: rs.MeanTTFT,
		BlocksTotal: rs.TotalBlocks, BlocksFree: rs.FreeBlocks, BlocksCached: rs.CachedBlocks,
		BlocksInUse: rs.TotalBlocks - rs.FreeBlocks}
	st.Blocks = e.watch.snapshot(rs.Running+rs.Waiting == 0)
	count := map[int]int{}
	for _, o := range st.Blocks {
		if o > 0 {
			count[int(o)]++
		}
	}
	for seq, n := range count {
		st.Sequences = append(st.Sequences, SequenceBlocks{Seq: seq, Blocks: n})
	}
	sortSeqs(st.Sequences)
	return st
}

func sortSeqs(s []SequenceBlocks) {
	slices.SortFunc(s, func(a, b SequenceBlocks) int { return cmp.Compare(a.Seq, b.Seq) })
}
