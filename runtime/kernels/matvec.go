package kernels

import (
	"fmt"

	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/runtime/vk"
)

// MaxBatch is the most input vectors one matvec workgroup handles; larger
// batches are spread over the dispatch's z dimension.
const MaxBatch = 8

// matvecRows is how many weight rows one workgroup computes (NROWS).
const matvecRows = 2

// MatVec multiplies a weight matrix in a GGUF row layout (F32, F16 or
// Q8_0) by a batch of F32 vectors: y[b] = W · x[b] (matvec.comp).
type MatVec struct {
	*program
	typ quant.Type
}

// matvecKernels maps weight types to kernel names.
var matvecKernels = map[quant.Type]string{
	quant.F32:  "matvec_f32",
	quant.F16:  "matvec_f16",
	quant.Q8_0: "matvec_q8_0",
}

// NewMatVec builds the product for weights of type t; variant "" picks the
// best for dev.
func NewMatVec(dev *vk.Device, t quant.Type, variant string) (*MatVec, error) {
	name, ok := matvecKernels[t]
	if !ok {
		return nil, fmt.Errorf("kernels: matvec with %v weights: %w", t, vk.ErrUnsupported)
	}
	p, err := newProgram(dev, name, variant, matvecRows, 1)
	if err != nil {
		return nil, err
	}
	return &MatVec{p, t}, nil
}

// WeightBytes returns the buffer size the weights need: the matrix rounded
// up to 4 bytes, since the portable Q8_0 path reads whole words.
func WeightBytes(t quant.Type, rows, cols int) (uint64, error) {
	rb, err := t.RowBytes(cols)
	if err != nil {
		return 0, fmt.Errorf("kernels: %w", err)
	}
	return (uint64(rows)*uint64(rb) + 3) &^ 3, nil
}

// Bind makes the descriptor set for weights w, inputs x and outputs y.
func (k *MatVec) Bind(w, x, y vk.Binding) (*vk.DescriptorSet, error) { return k.bind(w, x, y) }

// check validates the shape rules the shader relies on.
func (k *MatVec) check(p MatVecPush) error {
	colAlign := uint32(4)
	if k.typ == quant.Q8_0 {
		colAlign = 32
	}
	switch {
	case p.Rows == 0 || p.Cols == 0 || p.N == 0:
		return fmt.Errorf("kernels: matvec %dx%d with %d vectors: empty", p.Rows, p.Cols, p.N)
	case p.Cols%colAlign != 0:
		return fmt.Errorf("kernels: matvec %v: %d columns is not a multiple of %d", k.typ, p.Cols, colAlign)
	case p.XStride%4 != 0 || p.XStride < p.Cols || (p.N > 1 && p.YStride < p.Rows):
		return fmt.Errorf("kernels: matvec: strides x %d, y %d do not fit %dx%d", p.XStride, p.YStride, p.Rows, p.Cols)
	}
	return nil
}

// Record computes p.N products. The first use of a batch size below
// MaxBatch builds its pipeline, so an error can come from that build.
func (k *MatVec) Record(c *vk.Commands, set *vk.DescriptorSet, p MatVecPush) error {
	if err := k.check(p); err != nil {
		return err
	}
	pl, err := k.pipeline(matvecRows, min(p.N, MaxBatch))
	if err != nil {
		return err
	}
	x, y := grid(ceilDiv(p.Rows, matvecRows), k.dev.Limits().MaxComputeWorkGroupCount[0])
	c.Dispatch(pl, set, vk.PushBytes(&p), x, y, ceilDiv(p.N, MaxBatch))
	return nil
}

// Prepare builds the pipelines for batch sizes 1..n ahead of recording.
func (k *MatVec) Prepare(n int) error {
	for b := 1; b <= min(n, MaxBatch); b++ {
		if _, err := k.pipeline(matvecRows, uint32(b)); err != nil {
			return err
		}
	}
	return nil
}
