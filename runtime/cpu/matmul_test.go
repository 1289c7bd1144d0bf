package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/models/quant"
)

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// fastMatMul runs the fast path's matmul outside a model.
func fastMatMul(t testing.TB, m Matrix, x []float32, threads int) []float32 {
	t.Helper()
	b := &Backend{opt: BackendOptions{Threads: threads}, scratchBufs: make([][]float32, threads)}
	w, err := prepareWeightMatrix(m)
	require.NoError(t, err)
	dst := make([]float32, len(x)/m.Cols*m.Rows)
	b.matMulFast(dst, Act{Rows: len(x) / m.Cols, Cols: m.Cols, Data: x}, &w)
	return dst
}

// TestMatMulFast compares the fast matmul with the reference, with every
// kernel set. For Q8_0 and Q4_0 the activation is quantized to Q8 blocks
// too, so the exact check is against the reference applied to the
// dequantized Q8 activation; the plain reference bounds the quantization
// error itself. Row counts that are not multiples of four exercise the
// single-row tail after the packed groups; decode (one input row) and
// prefill shapes take different F32 loops.
func TestMatMulFast(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range kernelSets() {
		for _, typ := range []quant.Type{quant.F32, quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0} {
			for _, shape := range [][3]int{{1, 64, 32}, {3, 96, 64}, {5, 300, 256}, {2, 1000, 128}, {1, 7, 32}, {4, 13, 96}, {1, 301, 768}} {
				n, rows, cols := shape[0], shape[1], shape[2]
				t.Run(fmt.Sprintf("%s/%v/%dx%dx%d", k.name, typ, n, rows, cols), func(t *testing.T) {
					defer useKernels(k)()
					checkMatMulFast(t, r, typ, n, rows, cols)
				})
			}
		}
	}
}

func checkMatMulFast(t *testing.T, r *rand.Rand, typ quant.Type, n, rows, cols int) {
	data, err := quant.Quantize(typ, randVec(r, rows*cols))
	if typ == quant.BF16 && err != nil {
		t.Skip(err)
	}
	require.NoError(t, err)
	m, err := NewMatrix(typ, rows, cols, data)
	require.NoError(t, err)
	x := randVec(r, n*cols)
	want := make([]float32, n*rows)
	MatMul(want, x, m)
	got := fastMatMul(t, m, x, 2)
	exact := want
	if typ == quant.Q8_0 || typ == quant.Q4_0 {
		exact = make([]float32, n*rows)
		MatMul(exact, dequantQ8Act(quantizeActQ8(Act{Rows: n, Cols: cols, Data: x}, &q8Act{})), m)
		assert.Less(t, relErr(got, want), 1.5e-2, "activation quantization error")
	}
	assert.Less(t, relErr(got, exact), 2e-6)
}

// dequantQ8Act widens a quantized activation back to float32.
func dequantQ8Act(q *q8Act) []float32 {
	out := make([]float32, len(q.qs))
	for i, v := range q.qs {
		out[i] = float32(v) * q.ds[i/32]
	}
	return out
}

func TestDotF32(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 64, 1000} {
		a, b := randVec(r, n), randVec(r, n)
		assert.InDelta(t, Dot(a, b), dotF32(a, b), 1e-4*float64(n+1), "n=%d", n)
	}
}
