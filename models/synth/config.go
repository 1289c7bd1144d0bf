package synth

import (
	"errors"
	"fmt"

	"github.com/vkllm/vkllm/models/quant"
)

// Config describes the synthetic model. Zero values of Context, RopeBase,
// NormEps and KVHeads take the defaults documented on each field; Type's zero
// value is F32.
type Config struct {
	Layers  int // transformer blocks
	Dim     int // embedding width; head dim = Dim/Heads
	FFN     int // feed-forward hidden width
	Heads   int // query heads
	KVHeads int // key/value heads (GQA); 0 means Heads
	Vocab   int // vocabulary size; 0 means the whole built-in vocabulary, or VocabFrom's size
	Context int // llama.context_length; 0 means 2048

	RopeBase float32 // llama.rope.freq_base; 0 means 10000
	NormEps  float32 // llama.attention.layer_norm_rms_epsilon; 0 means 1e-5

	Type           quant.Type // matrices and token_embd; 1-D tensors are always F32
	Mix            string     // per-tensor type recipe overriding Type ("" or MixQ4KM)
	Seed           uint64
	TiedEmbeddings bool   // omit output.weight: the output projection reuses token_embd
	VocabFrom      string // GGUF file whose tokenizer.* keys are copied verbatim
}

// Defaults used for zero Config fields.
const (
	DefaultContext  = 2048
	DefaultRopeBase = 10000
	DefaultNormEps  = 1e-5
)

// maxSize bounds every Config size, far above any real model, so that
// element counts (products of two sizes) cannot overflow.
const maxSize = 1 << 24

// withDefaults returns cfg with zero optional fields filled in. Vocab is
// resolved separately, since it may come from VocabFrom.
func (cfg Config) withDefaults() Config {
	if cfg.KVHeads == 0 {
		cfg.KVHeads = cfg.Heads
	}
	if cfg.Context == 0 {
		cfg.Context = DefaultContext
	}
	if cfg.RopeBase == 0 {
		cfg.RopeBase = DefaultRopeBase
	}
	if cfg.NormEps == 0 {
		cfg.NormEps = DefaultNormEps
	}
	return cfg
}

// HeadDim returns Dim/Heads (0 when Heads is 0).
func (cfg Config) HeadDim() int {
	if cfg.Heads == 0 {
		return 0
	}
	return cfg.Dim / cfg.Heads
}

// ParamCount returns the number of weights the file holds for cfg, counting
// the output projection only when it is not tied. Vocab must be resolved
// (non-zero); Write resolves it from the tokenizer first.
func (cfg Config) ParamCount() int64 {
	cfg = cfg.withDefaults()
	var n int64
	for _, s := range cfg.plan() {
		n += s.elems()
	}
	return n
}

// validate checks the shape facts Write relies on. cfg has its defaults and
// its resolved Vocab.
func (cfg Config) validate() error {
	positive := []struct {
		name string
		v    int
	}{
		{"layers", cfg.Layers}, {"dim", cfg.Dim}, {"ffn", cfg.FFN}, {"heads", cfg.Heads},
		{"kv heads", cfg.KVHeads}, {"vocab", cfg.Vocab}, {"context", cfg.Context},
	}
	for _, p := range positive {
		if p.v <= 0 || p.v > maxSize {
			return fmt.Errorf("synth: %s must be in 1..%d, got %d", p.name, maxSize, p.v)
		}
	}
	if cfg.Dim%cfg.Heads != 0 {
		return fmt.Errorf("synth: dim %d is not divisible by heads %d", cfg.Dim, cfg.Heads)
	}
	if cfg.Heads%cfg.KVHeads != 0 {
		return fmt.Errorf("synth: heads %d is not divisible by kv heads %d", cfg.Heads, cfg.KVHeads)
	}
	if cfg.HeadDim()%2 != 0 {
		return fmt.Errorf("synth: head dim %d (dim %d / heads %d) must be even for RoPE",
			cfg.HeadDim(), cfg.Dim, cfg.Heads)
	}
	if cfg.RopeBase <= 0 || cfg.NormEps <= 0 {
		return errors.New("synth: rope base and norm epsilon must be positive")
	}
	return cfg.validateBlocks()
}

// validateBlocks checks that every tensor's row (GGUF ne0) holds whole blocks
// of its type, naming the first tensor that does not.
func (cfg Config) validateBlocks() error {
	for _, s := range cfg.plan() {
		bs := s.typ.BlockSize()
		if bs > 1 && s.dims[0]%uint64(bs) != 0 {
			return fmt.Errorf("synth: %s: row length %d is not a multiple of the %v block size %d",
				s.name, s.dims[0], s.typ, bs)
		}
	}
	return nil
}
