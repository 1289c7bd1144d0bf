package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/vk"
)

// boundMatVec: GPU and CPU use the same (de)quantized weights, so only the
// float32 summation order differs from the float64 reference; the error is
// measured against each output's Σ|w·x| (outcome.scale).
const boundMatVec = 1e-10

// matvecShape is rows × cols weights times n vectors.
type matvecShape struct {
	rows, cols, n int
	large         bool
}

// matvecShapes cover a single block, odd row counts (not multiples of the
// workgroup's rows), every batch size 1..8, batches over MaxBatch (several
// z groups), columns that are not a multiple of 32 (float formats only),
// K-quant rows of one, two, three (768) and eight (2048) super-blocks, a
// long row of 129 blocks (not whole groups of blocks: matvec_rows.comp's
// per-unit path) and a model-sized matrix.
// Shapes whose columns are not a multiple of a format's block are skipped
// for that format.
var matvecShapes = []matvecShape{
	{1, 32, 1, false}, {7, 64, 3, false}, {172, 64, 8, false}, {64, 172, 2, false},
	{16, 64, 2, false}, {16, 64, 4, false}, {16, 64, 5, false}, {16, 64, 6, false}, {16, 64, 7, false},
	{33, 96, 11, false}, {1, 256, 1, false}, {37, 256, 3, false}, {65, 512, 8, false}, {33, 512, 13, false},
	{5, 4128, 2, false}, {9, 768, 2, false}, {13, 2048, 3, false},
	{4096, 4096, 1, true}, {1024, 4096, 4, true},
}

// matmulShapes: the batch sizes the tiled kernel serves, odd row counts and
// rows that span several tiles.
var matmulShapes = []matvecShape{
	{33, 256, 9, false}, {7, 256, 16, false}, {65, 512, 33, false}, {100, 256, 128, false},
	{1024, 4096, 64, true},
}

func matvecCases() []Case {
	var cs []Case
	for _, t := range WeightTypes {
		for _, s := range matvecShapes {
			if uint32(s.cols)%ColAlign(t) != 0 {
				continue
			}
			cs = append(cs, Case{
				Kernel: matvecKernels[t], Shape: fmt.Sprintf("%dx%d·%d", s.rows, s.cols, s.n),
				Bound: boundMatVec, Large: s.large, run: matvecCase(t, s),
			})
		}
		for _, s := range matmulShapes {
			cs = append(cs, Case{
				Kernel: matmulKernels[t], Shape: fmt.Sprintf("%dx%d·%d", s.rows, s.cols, s.n),
				Bound: boundMatVec, Large: s.large, run: matmulCase(t, s),
			})
		}
	}
	return cs
}

// halfFields lists the byte offsets, within a block, of the fp16 scales of
// formats that quant.Quantize does not write; randMatrix fills the rest of
// their blocks with random bytes.
var halfFields = map[quant.Type][]int{
	quant.Q4_1: {0, 2},
	quant.Q4_K: {0, 2},
	quant.Q5_K: {0, 2},
	quant.Q6_K: {208},
}

// randMatrix returns random weights of type t and their CPU matrix:
// quantized random floats where quant.Quantize supports t, otherwise random
// blocks with small random fp16 scales (every quant, sub-block scale and
// min bit pattern is valid).
func randMatrix(rng *rand.Rand, t quant.Type, rows, cols int) (cpu.Matrix, error) {
	fields, raw := halfFields[t]
	if !raw {
		data, err := quant.Quantize(t, randFloats(rng, rows*cols, 1))
		if err != nil {
			return cpu.Matrix{}, err
		}
		return cpu.NewMatrix(t, rows, cols, data)
	}
	rb, err := t.RowBytes(cols)
	if err != nil {
		return cpu.Matrix{}, err
	}
	data := make([]byte, rows*rb)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	bb := t.BlockBytes()
	for off := 0; off < len(data); off += bb {
		for _, f := range fields {
			h := quant.F32ToF16((rng.Float32()*2 - 1) * 0.02)
			binary.LittleEndian.PutUint16(data[off+f:], h)
		}
	}
	return cpu.NewMatrix(t, rows, cols, data)
}

// productCase builds the inputs and CPU reference of one shape and runs
// record on the GPU.
func productCase(e *env, rng *rand.Rand, t quant.Type, s matvecShape, p *program,
	record func(c *vk.Commands, set *vk.DescriptorSet, push MatVecPush) error) (outcome, error) {
	m, err := randMatrix(rng, t, s.rows, s.cols)
	if err != nil {
		return outcome{}, err
	}
	x := randFloats(rng, s.n*s.cols, 1)
	want := make([]float32, s.n*s.rows)
	cpu.MatMul(want, x, m)
	y := e.zeros(s.n * s.rows)
	set := e.set(p, e.buffer(m.Data), e.floats(x), y)
	push := MatVecPush{Rows: uint32(s.rows), Cols: uint32(s.cols), XStride: uint32(s.cols), YStride: uint32(s.rows), N: uint32(s.n)}
	got := e.exec(y, s.n*s.rows, func(c *vk.Commands) error { return record(c, set, push) })
	scale, err := productScale(m, x)
	if err != nil {
		return outcome{}, err
	}
	return outcome{got: got, want: want, scale: scale}, e.err
}

// productScale returns |m|·|x| for x [n][m.Cols]: each output's Σ|w·x|,
// the scale of its float32 summation error.
func productScale(m cpu.Matrix, x []float32) ([]float32, error) {
	w := make([]float32, m.Rows*m.Cols)
	if err := quant.Dequantize(m.Type, m.Data, w); err != nil {
		return nil, err
	}
	abs := make([]byte, 4*len(w))
	for i, v := range w {
		binary.LittleEndian.PutUint32(abs[4*i:], math.Float32bits(float32(math.Abs(float64(v)))))
	}
	am, err := cpu.NewMatrix(quant.F32, m.Rows, m.Cols, abs)
	if err != nil {
		return nil, err
	}
	ax := make([]float32, len(x))
	for i, v := range x {
		ax[i] = float32(math.Abs(float64(v)))
	}
	scale := make([]float32, len(x)/m.Cols*m.Rows)
	cpu.MatMul(scale, ax, am)
	return scale, nil
}

// matvecCase checks the matvec kernel itself, for every batch size (Record
// would hand batches of MatMulMin or more to matmul).
func matvecCase(t quant.Type, s matvecShape) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		k, err := NewMatVec(e.dev, t, variant)
		if err != nil {
			return outcome{}, err
		}
		e.own(k)
		return productCase(e, rng, t, s, k.program, func(c *vk.Commands, set *vk.DescriptorSet, p MatVecPush) error {
			if err := k.check(p); err != nil {
				return err
			}
			return k.recordMatVec(c, set, p, GLUSwiGLU)
		})
	}
}

func matmulCase(t quant.Type, s matvecShape) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		k, err := newMatMul(e.dev, t, variant, false, 0)
		if err != nil {
			return outcome{}, err
		}
		e.own(k)
		return productCase(e, rng, t, s, k.program, func(c *vk.Commands, set *vk.DescriptorSet, p MatVecPush) error {
			return k.record(c, set, p, GLUSwiGLU)
		})
	}
}
