package llama

import (
	"fmt"

	"github.com/vkllm/vkllm/models/quant"
)

// Tensor is one bound weight: a [Rows][Cols] matrix (Rows = 1 for vectors)
// stored in a GGUF block format. Data usually aliases the model file's
// memory map and must not be written.
type Tensor struct {
	ID   int // dense index among the model's tensors
	Name string
	Type quant.Type
	Rows int // outer dimension (GGUF Dims[1], 1 for vectors)
	Cols int // inner dimension (GGUF Dims[0])
	Data []byte
}

// Elems returns the number of values of t.
func (t *Tensor) Elems() int64 { return int64(t.Rows) * int64(t.Cols) }

// Layer holds one transformer block's weights; matrices are [out][in].
type Layer struct {
	AttnNorm *Tensor // [dim]
	Q        *Tensor // [heads*hd][dim]
	K        *Tensor // [kvHeads*hd][dim]
	V        *Tensor // [kvHeads*hd][dim]
	O        *Tensor // [dim][heads*hd]
	FFNNorm  *Tensor // [dim]
	Gate     *Tensor // [ffn][dim]
	Up       *Tensor // [ffn][dim]
	Down     *Tensor // [dim][ffn]
}

// Weights holds all tensors of a model.
type Weights struct {
	TokenEmbd  *Tensor // [vocab][dim]
	OutputNorm *Tensor // [dim]
	Output     *Tensor // [vocab][dim]; the same *Tensor as TokenEmbd when tied
	Layers     []Layer
	All        []*Tensor // every distinct tensor, indexed by ID
}

// RawTensor is a tensor as a file describes it: its type, its dimensions
// innermost first (as GGUF stores them) and its bytes.
type RawTensor struct {
	Type quant.Type
	Dims []uint64
	Data []byte
}

// TensorSource finds a tensor by name; ok is false when the file has none.
type TensorSource func(name string) (t RawTensor, ok bool, err error)

// binder binds tensors from a source, checking each against its expected
// shape and numbering them.
type binder struct {
	src TensorSource
	all []*Tensor
}

// bind loads the tensor name with shape [rows][cols] (rows 0 for a vector).
func (b *binder) bind(name string, rows, cols int) (*Tensor, error) {
	raw, ok, err := b.src(name)
	if err != nil {
		return nil, fmt.Errorf("llama: tensor %s: %w", name, err)
	}
	if !ok {
		return nil, fmt.Errorf("llama: missing tensor %s", name)
	}
	if err := checkShape(name, raw.Dims, rows, cols); err != nil {
		return nil, err
	}
	if !raw.Type.Supported() {
		return nil, fmt.Errorf("llama: tensor %s: unsupported tensor type %v", name, raw.Type)
	}
	if rows == 0 && raw.Type != quant.F32 {
		// Norm weights are read directly as float32 by every backend.
		return nil, fmt.Errorf("llama: tensor %s: unsupported tensor type %v for a vector (want F32)", name, raw.Type)
	}
	r := max(rows, 1)
	rb, err := raw.Type.RowBytes(cols)
	if err != nil {
		return nil, fmt.Errorf("llama: tensor %s: %w", name, err)
	}
	if len(raw.Data) != r*rb {
		return nil, fmt.Errorf("llama: tensor %s: %d bytes of data, want %d", name, len(raw.Data), r*rb)
	}
	t := &Tensor{ID: len(b.all), Name: name, Type: raw.Type, Rows: r, Cols: cols, Data: raw.Data}
	b.all = append(b.all, t)
	return t, nil
}

// checkShape compares GGUF dims (innermost first) with [rows][cols].
func checkShape(name string, dims []uint64, rows, cols int) error {
	want := []uint64{uint64(cols), uint64(rows)}
	if rows == 0 {
		want = want[:1]
	}
	ok := len(dims) == len(want)
	for i := 0; ok && i < len(dims); i++ {
		ok = dims[i] == want[i]
	}
	if !ok {
		return fmt.Errorf("llama: tensor %s: wrong shape %v, want %v (innermost first)", name, dims, want)
	}
	return nil
}

// BindWeights binds every tensor of a model with config c from src using
// the family's name table. A missing output projection is tied to the token
// embedding, as llama.cpp does.
func BindWeights(c Config, names Names, src TensorSource) (*Weights, error) {
	b := &binder{src: src}
	w := &Weights{}
	var err error
	if w.TokenEmbd, err = b.bind(names.TokenEmbd, c.Vocab, c.Dim); err != nil {
		return nil, err
	}
	if w.OutputNorm, err = b.bind(names.OutputNorm, 0, c.Dim); err != nil {
		return nil, err
	}
	if _, ok, _ := src(names.Output); ok {
		if w.Output, err = b.bind(names.Output, c.Vocab, c.Dim); err != nil {
			return nil, err
		}
	} else {
		w.Output = w.TokenEmbd
	}
	w.Layers = make([]Layer, c.Layers)
	for l := range w.Layers {
		if err := bindLayer(b, c, names, l, &w.Layers[l]); err != nil {
			return nil, err
		}
	}
	w.All = b.all
	return w, nil
}

// bindLayer binds block l's nine tensors.
func bindLayer(b *binder, c Config, n Names, l int, ly *Layer) error {
	specs := []struct {
		dst        **Tensor
		name       string
		rows, cols int
	}{
		{&ly.AttnNorm, n.AttnNorm, 0, c.Dim},
		{&ly.Q, n.Q, c.QDim(), c.Dim},
		{&ly.K, n.K, c.KVDim(), c.Dim},
		{&ly.V, n.V, c.KVDim(), c.Dim},
		{&ly.O, n.O, c.Dim, c.QDim()},
		{&ly.FFNNorm, n.FFNNorm, 0, c.Dim},
		{&ly.Gate, n.Gate, c.FFN, c.Dim},
		{&ly.Up, n.Up, c.FFN, c.Dim},
		{&ly.Down, n.Down, c.Dim, c.FFN},
	}
	for _, s := range specs {
		t, err := b.bind(fmt.Sprintf(s.name, l), s.rows, s.cols)
		if err != nil {
			return err
		}
		*s.dst = t
	}
	return nil
}
