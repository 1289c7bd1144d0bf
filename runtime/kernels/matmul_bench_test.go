package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/runtime/vk"
)

// BenchmarkMatMulCrossover times the matvec kernel (MaxBatch vectors per
// pass over the weights) against the tiled matmul for growing batches, in
// GPU microseconds per input vector; MatMulMin is where matmul starts to
// win. Run with -bench MatMulCrossover.
func BenchmarkMatMulCrossover(b *testing.B) {
	e := benchEnv(b)
	const rows, cols = 1024, 4096
	for _, t := range []quant.Type{quant.F32, quant.Q8_0, quant.Q4_K} {
		for _, n := range []int{8, 9, 16, 32, 64} {
			for _, kind := range []string{"matvec", "matmul"} {
				b.Run(fmt.Sprintf("%v/n=%d/%s", t, n, kind), func(b *testing.B) {
					benchProduct(b, e, t, rows, cols, n, kind == "matmul")
				})
			}
		}
	}
}

func benchProduct(b *testing.B, e *env, t quant.Type, rows, cols, n int, tiled bool) {
	defer e.close()
	k, err := NewMatVec(e.dev, t, "")
	require.NoError(b, err)
	e.own(k)
	mm, err := k.matmul()
	require.NoError(b, err)
	m, err := randMatrix(rand.New(rand.NewPCG(1, 2)), t, rows, cols)
	require.NoError(b, err)
	set := e.set(k.program, e.buffer(m.Data), e.zeros(n*cols), e.zeros(n*rows))
	require.NoError(b, e.err)
	p := MatVecPush{Rows: uint32(rows), Cols: uint32(cols), XStride: uint32(cols), YStride: uint32(rows), N: uint32(n)}
	gpu, _ := timeDispatch(b, e, func(c *vk.Commands) error {
		if tiled {
			return mm.record(c, set, p, GLUSwiGLU)
		}
		return k.recordMatVec(c, set, p, GLUSwiGLU)
	})
	b.ReportMetric(float64(gpu.Microseconds())/float64(n), "us/vector")
}
