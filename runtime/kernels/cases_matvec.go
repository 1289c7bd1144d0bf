package kernels

import (
	"fmt"
	"math/rand/v2"

	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/vk"
)

// boundMatVec: GPU and CPU use the same (de)quantized weights, so only the
// float32 summation order differs from the float64 reference.
const boundMatVec = 1e-10

// matvecShape is rows × cols weights times n vectors.
type matvecShape struct {
	rows, cols, n int
	large         bool
}

// matvecShapes cover a single block, odd row counts, every batch size
// 1..8, a batch over MaxBatch (several z groups), columns that are not a
// multiple of 32 (F32 and F16 only) and a model-sized matrix.
var matvecShapes = []matvecShape{
	{1, 32, 1, false}, {7, 64, 3, false}, {172, 64, 8, false}, {64, 172, 2, false},
	{16, 64, 2, false}, {16, 64, 4, false}, {16, 64, 5, false}, {16, 64, 6, false}, {16, 64, 7, false},
	{33, 96, 11, false}, {4096, 4096, 1, true}, {1024, 4096, 4, true},
}

func matvecCases() []Case {
	var cs []Case
	for _, t := range []quant.Type{quant.F32, quant.F16, quant.Q8_0} {
		for _, s := range matvecShapes {
			if s.cols%t.BlockSize() != 0 {
				continue
			}
			cs = append(cs, Case{
				Kernel: matvecKernels[t], Shape: fmt.Sprintf("%dx%d·%d", s.rows, s.cols, s.n),
				Bound: boundMatVec, Large: s.large, run: matvecCase(t, s),
			})
		}
	}
	return cs
}

// randMatrix returns random weights of type t and their CPU matrix.
func randMatrix(rng *rand.Rand, t quant.Type, rows, cols int) (cpu.Matrix, error) {
	data, err := quant.Quantize(t, randFloats(rng, rows*cols, 1))
	if err != nil {
		return cpu.Matrix{}, err
	}
	return cpu.NewMatrix(t, rows, cols, data)
}

func matvecCase(t quant.Type, s matvecShape) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		k, err := NewMatVec(e.dev, t, variant)
		if err != nil {
			return outcome{}, err
		}
		e.own(k)
		m, err := randMatrix(rng, t, s.rows, s.cols)
		if err != nil {
			return outcome{}, err
		}
		x := randFloats(rng, s.n*s.cols, 1)
		want := make([]float32, s.n*s.rows)
		cpu.MatMul(want, x, m)
		y := e.zeros(s.n * s.rows)
		set := e.set(k.program, e.buffer(m.Data), e.floats(x), y)
		p := MatVecPush{Rows: uint32(s.rows), Cols: uint32(s.cols), XStride: uint32(s.cols), YStride: uint32(s.rows), N: uint32(s.n)}
		got := e.exec(y, s.n*s.rows, func(c *vk.Commands) error { return k.Record(c, set, p) })
		return outcome{got, want}, e.err
	}
}
