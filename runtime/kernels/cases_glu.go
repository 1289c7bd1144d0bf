package kernels

import (
	"fmt"
	"math/rand/v2"

	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/vk"
)

// gluShapes are pairs × cols times n vectors: one pair, pair counts that
// leave lanes, invocations and tiles partly used, every matvec batch path
// (1, several, over MaxBatch), the tiled kernel's batches, and K-quant rows.
var gluShapes = []matvecShape{
	{1, 32, 1, false}, {7, 64, 3, false}, {37, 256, 1, false}, {33, 96, 11, false},
	{65, 512, 8, false}, {40, 256, 33, false}, {100, 256, 64, false}, {2048, 768, 1, true},
}

// gluCases check the pair products against the CPU's SwiGLU of the two
// products, and the gate-only and up-only outputs against the products on
// one matvec and one tiled shape (each output is its own set of
// pipelines, which lavapipe compiles slowly).
func gluCases() []Case {
	var cs []Case
	for _, t := range WeightTypes {
		for _, s := range gluShapes {
			if uint32(s.cols)%ColAlign(t) != 0 {
				continue
			}
			for _, out := range []GLUOut{GLUSwiGLU, GLUGate, GLUUp} {
				if out != GLUSwiGLU && s != gluShapes[1] && s != gluShapes[5] {
					continue
				}
				shape := fmt.Sprintf("%dx%d·%d out=%d", s.rows, s.cols, s.n, out)
				cs = append(cs,
					Case{Kernel: gluKernels[t], Shape: shape, Bound: boundMatVec, Large: s.large, run: gluCase(t, s, out, false)})
				if uint32(s.cols)%matmulStep(t) == 0 {
					cs = append(cs,
						Case{Kernel: gluMatmulKernels[t], Shape: shape, Bound: boundMatVec, Large: s.large, run: gluCase(t, s, out, true)})
				}
			}
		}
	}
	return cs
}

// gluCase runs one pair product (s.rows pairs) with the matvec kernel or
// the tiled one, whatever the batch.
func gluCase(t quant.Type, s matvecShape, out GLUOut, tiled bool) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		var p *program
		var record func(c *vk.Commands, set *vk.DescriptorSet, push MatVecPush) error
		if tiled {
			k, err := newMatMul(e.dev, t, variant, true, 0)
			if err != nil {
				return outcome{}, err
			}
			e.own(k)
			p = k.program
			record = func(c *vk.Commands, set *vk.DescriptorSet, push MatVecPush) error { return k.record(c, set, push, out) }
		} else {
			k, err := NewMatVecGLU(e.dev, t, variant)
			if err != nil {
				return outcome{}, err
			}
			e.own(k)
			p = k.program
			record = func(c *vk.Commands, set *vk.DescriptorSet, push MatVecPush) error {
				if err := k.check(push); err != nil {
					return err
				}
				return k.recordMatVec(c, set, push, out)
			}
		}
		return gluProduct(e, rng, t, s, out, p, record)
	}
}

// gluProduct builds random gate and up matrices, their interleaved upload
// and the CPU reference, and runs record.
func gluProduct(e *env, rng *rand.Rand, t quant.Type, s matvecShape, out GLUOut, p *program,
	record func(c *vk.Commands, set *vk.DescriptorSet, push MatVecPush) error) (outcome, error) {
	gate, err := randMatrix(rng, t, s.rows, s.cols)
	if err != nil {
		return outcome{}, err
	}
	up, err := randMatrix(rng, t, s.rows, s.cols)
	if err != nil {
		return outcome{}, err
	}
	rb, _ := t.RowBytes(s.cols)
	x := randFloats(rng, s.n*s.cols, 1)
	g, u := make([]float32, s.n*s.rows), make([]float32, s.n*s.rows)
	cpu.MatMul(g, x, gate)
	cpu.MatMul(u, x, up)
	want := map[GLUOut][]float32{GLUSwiGLU: make([]float32, len(g)), GLUGate: g, GLUUp: u}
	cpu.SwiGLU(want[GLUSwiGLU], g, u)
	y := e.zeros(s.n * s.rows)
	set := e.set(p, e.buffer(InterleaveRows(gate.Data, up.Data, rb)), e.floats(x), y)
	push := MatVecPush{Rows: uint32(2 * s.rows), Cols: uint32(s.cols), XStride: uint32(s.cols), YStride: uint32(s.rows), N: uint32(s.n)}
	got := e.exec(y, s.n*s.rows, func(c *vk.Commands) error { return record(c, set, push) })
	return outcome{got: got, want: want[out]}, e.err
}
