package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/runtime/vk"
)

// BenchmarkMatVecLayout sweeps the cooperative matvec layout (the GPU
// variants: matvec.comp without ROWS) over workgroup sizes and rows per
// workgroup, reporting each setting's ratio to copy's bandwidth at
// 4096x4096 and one vector, so a GPU session can pick the defaults
// (the spec's wg, matvecRows) from one run. Each setting's output must equal the
// default setting's within float32 summation error. CPU devices run the
// _rows layouts, so they skip it.
func BenchmarkMatVecLayout(b *testing.B) {
	e := benchEnv(b)
	if e.dev.Physical().Type == vk.TypeCPU {
		b.Skip("CPU devices use the one-row-per-invocation layouts")
	}
	meter := copyMeter(b, e)
	for _, t := range WeightTypes {
		names, err := Variants(matvecKernels[t], FeaturesOf(e.dev.Features()))
		require.NoError(b, err)
		m, err := randMatrix(rand.New(rand.NewPCG(1, 2)), t, benchRows, benchCols)
		require.NoError(b, err)
		w, x, y := e.buffer(m.Data), e.floats(randFloats(rand.New(rand.NewPCG(3, 4)), benchCols, 1)), e.zeros(benchRows)
		var want []float32
		for _, wg := range []uint32{32, 64, 128, 256} {
			for _, rows := range []uint32{1, 2, 4, 8} {
				b.Run(fmt.Sprintf("%v/wg%d/r%d", t, wg, rows), func(b *testing.B) {
					got := benchLayout(b, e, t, names[0], wg, rows, [3]*vk.Buffer{w, x, y}, meter, float64(len(m.Data)))
					if want == nil {
						want = got
					}
					requireClose(b, want, got)
				})
			}
		}
	}
}

// benchLayout times variant (of t's matvec) with workgroup size wg and rows per workgroup
// and returns its output.
func benchLayout(b *testing.B, e *env, t quant.Type, variant string, wg, rows uint32, buf [3]*vk.Buffer, meter func() float64, wbytes float64) []float32 {
	k, err := NewMatVec(e.dev, t, variant)
	require.NoError(b, err)
	defer k.Close()
	k.wg, k.coop = wg, rows
	set := e.set(k.program, buf[0], buf[1], buf[2])
	require.NoError(b, e.err)
	p := MatVecPush{Rows: benchRows, Cols: benchCols, XStride: benchCols, YStride: benchRows, N: 1}
	copyGBs := meter()
	gpu, _ := timeDispatch(b, e, func(c *vk.Commands) error { return k.Record(c, set, p) })
	gbs := (wbytes + 4*benchCols + 4*benchRows) / gpu.Seconds() / 1e9
	b.ReportMetric(gbs, "GB/s")
	b.ReportMetric(gbs/copyGBs, "ratio-to-copy")
	got, err := e.read(buf[2], benchRows)
	require.NoError(b, err)
	return got
}

// requireClose checks got equals want to within float32 summation error
// relative to want's largest magnitude.
func requireClose(b *testing.B, want, got []float32) {
	b.Helper()
	var scale float64
	for _, v := range want {
		scale = max(scale, math.Abs(float64(v)))
	}
	for i := range want {
		require.LessOrEqual(b, math.Abs(float64(got[i]-want[i])), 1e-4*scale+1e-6, "output %d", i)
	}
}
