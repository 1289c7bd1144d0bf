package llama

import (
	"fmt"
)

// Config holds the hyper-parameters of a llama-family model.
type Config struct {
	Arch       string  // general.architecture
	Layers     int     // transformer blocks
	Dim        int     // embedding width
	FFN        int     // feed-forward hidden width
	Heads      int     // query heads
	KVHeads    int     // key/value heads; Heads/KVHeads query heads share one (GQA)
	HeadDim    int     // Dim / Heads
	Vocab      int     // vocabulary size (rows of token_embd)
	Context    int     // trained context length
	RopeBase   float32 // RoPE frequency base
	RopeDims   int     // rotated dimensions per head
	RopeNeoX   bool    // NeoX pairing (i, i+d/2) instead of llama's (2i, 2i+1)
	NormEps    float32 // RMSNorm epsilon
	TiedOutput bool    // output projection reuses token_embd
}

// Default values for optional metadata.
const (
	DefaultRopeBase = 10000
	DefaultNormEps  = 1e-5
)

// QDim returns the width of the query projection (Heads × HeadDim).
func (c Config) QDim() int { return c.Heads * c.HeadDim }

// KVDim returns the width of the key and value projections.
func (c Config) KVDim() int { return c.KVHeads * c.HeadDim }

// Validate checks the relations the forward pass relies on.
func (c Config) Validate() error {
	pos := []struct {
		name string
		v    int
	}{
		{"block_count", c.Layers}, {"embedding_length", c.Dim}, {"feed_forward_length", c.FFN},
		{"attention.head_count", c.Heads}, {"attention.head_count_kv", c.KVHeads},
		{"vocabulary size", c.Vocab}, {"context_length", c.Context},
	}
	for _, p := range pos {
		if p.v <= 0 || p.v > maxDim {
			return fmt.Errorf("llama: %s %d outside [1, %d]", p.name, p.v, maxDim)
		}
	}
	if c.Dim%c.Heads != 0 {
		return fmt.Errorf("llama: embedding_length %d not divisible by head_count %d", c.Dim, c.Heads)
	}
	if c.Heads%c.KVHeads != 0 {
		return fmt.Errorf("llama: head_count %d not a multiple of head_count_kv %d", c.Heads, c.KVHeads)
	}
	if c.RopeDims <= 0 || c.RopeDims > c.HeadDim || c.RopeDims%2 != 0 {
		return fmt.Errorf("llama: rope.dimension_count %d must be even and in [2, head dim %d]", c.RopeDims, c.HeadDim)
	}
	if !(c.NormEps > 0) || !(c.RopeBase > 0) {
		return fmt.Errorf("llama: rms epsilon %g and rope base %g must be positive", c.NormEps, c.RopeBase)
	}
	return nil
}

// maxDim bounds every size read from a file, so that a corrupt header
// cannot make later products overflow or drive huge allocations.
const maxDim = 1 << 24

// Rope returns the rotary embedding parameters of c.
func (c Config) Rope() RopeSpec {
	return RopeSpec{Base: c.RopeBase, Dims: c.RopeDims, HeadDim: c.HeadDim, NeoX: c.RopeNeoX}
}

// Attn returns the attention shape of c.
func (c Config) Attn() AttnSpec {
	return AttnSpec{Heads: c.Heads, KVHeads: c.KVHeads, HeadDim: c.HeadDim}
}
