package synth

import (
	"fmt"
	"math"

	"github.com/vkllm/vkllm/models/quant"
)

// normNoise is the std of the noise around 1 in norm weights: small enough
// that they act like trained norms, large enough that a kernel that ignores
// them is caught.
const normNoise = 0.02

// tensorSpec is one tensor to write: its GGUF name and dims (innermost
// first, so dims[0] is the row length a quantized block must divide), its
// type, and how to fill it.
type tensorSpec struct {
	name string
	dims []uint64
	typ  quant.Type
	norm bool    // 1-D norm weight: 1 + normNoise*N(0,1)
	std  float64 // matrices: N(0, std²), std = 1/sqrt(fan_in)
}

func (s tensorSpec) elems() int64 {
	n := int64(1)
	for _, d := range s.dims {
		n *= int64(d)
	}
	return n
}

// bytes returns the tensor's storage size, or why its shape cannot be stored.
func (s tensorSpec) bytes() (int, error) {
	n, err := s.typ.RowBytes(int(s.elems()))
	if err != nil {
		return 0, fmt.Errorf("synth: %s: %w", s.name, err)
	}
	return n, nil
}

// matrix returns the spec of a weight that maps in -> out. GGUF stores it as
// dims [in, out]: rows of length in, one per output.
func matrix(name string, in, out int, typ quant.Type) tensorSpec {
	return tensorSpec{
		name: name,
		dims: []uint64{uint64(in), uint64(out)},
		typ:  typ,
		std:  1 / math.Sqrt(float64(in)),
	}
}

func normWeight(name string, n int) tensorSpec {
	return tensorSpec{name: name, dims: []uint64{uint64(n)}, typ: quant.F32, norm: true}
}

// plan lists the tensors of cfg in the order they are written; cfg has its
// defaults and resolved Vocab. token_embd's std is 1/sqrt(Dim) as well: its
// rows enter an RMS norm, and when tied it is the output projection, whose
// fan-in is Dim.
func (cfg Config) plan() []tensorSpec {
	kvDim := cfg.HeadDim() * cfg.KVHeads
	specs := []tensorSpec{matrix("token_embd.weight", cfg.Dim, cfg.Vocab, cfg.matrixType("token_embd", -1))}
	for i := range cfg.Layers {
		p := fmt.Sprintf("blk.%d.", i)
		typ := func(role string) quant.Type { return cfg.matrixType(role, i) }
		specs = append(specs,
			normWeight(p+"attn_norm.weight", cfg.Dim),
			matrix(p+"attn_q.weight", cfg.Dim, cfg.Dim, typ("attn_q")),
			matrix(p+"attn_k.weight", cfg.Dim, kvDim, typ("attn_k")),
			matrix(p+"attn_v.weight", cfg.Dim, kvDim, typ("attn_v")),
			matrix(p+"attn_output.weight", cfg.Dim, cfg.Dim, typ("attn_output")),
			normWeight(p+"ffn_norm.weight", cfg.Dim),
			matrix(p+"ffn_gate.weight", cfg.Dim, cfg.FFN, typ("ffn_gate")),
			matrix(p+"ffn_up.weight", cfg.Dim, cfg.FFN, typ("ffn_up")),
			matrix(p+"ffn_down.weight", cfg.FFN, cfg.Dim, typ("ffn_down")),
		)
	}
	specs = append(specs, normWeight("output_norm.weight", cfg.Dim))
	if !cfg.TiedEmbeddings {
		specs = append(specs, matrix("output.weight", cfg.Dim, cfg.Vocab, cfg.matrixType("output", -1)))
	}
	return specs
}

// values fills dst (len s.elems()) with the tensor's random values, drawn
// from a stream that depends only on seed and the tensor's name.
func (s tensorSpec) values(seed uint64, dst []float32) {
	g := newGaussian(seed, s.name)
	if s.norm {
		for i := range dst {
			dst[i] = float32(1 + normNoise*g.next())
		}
		return
	}
	for i := range dst {
		dst[i] = float32(s.std * g.next())
	}
}

// encode generates the tensor and converts it to its type, using buf as
// float32 scratch when it is large enough.
func (s tensorSpec) encode(seed uint64, buf []float32) ([]byte, []float32, error) {
	n := int(s.elems())
	if cap(buf) < n {
		buf = make([]float32, n)
	}
	buf = buf[:n]
	s.values(seed, buf)
	data, err := quant.Quantize(s.typ, buf)
	if err != nil {
		return nil, buf, fmt.Errorf("synth: quantize %s to %v: %w", s.name, s.typ, err)
	}
	return data, buf, nil
}
