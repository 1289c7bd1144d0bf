package kernels

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// Benchmark shape: a llama-7B-sized projection.
const benchRows, benchCols = 4096, 4096

// timeDispatch runs record once untimed, then once per b.Loop iteration in
// its own command buffer, and returns the mean GPU time (timestamps) and
// wall time. The untimed run keeps one-time costs out of the mean, as the
// kernel report's (Efficiency) warm-up does: lavapipe compiles a pipeline
// at its first dispatch, and a first run touches cold memory (on lavapipe a
// 10x Q4_K matvec benchmark measured 0.42 of copy over 2 runs, 0.58 over 20).
func timeDispatch(b *testing.B, e *env, record func(c *vk.Commands) error) (gpu, wall time.Duration) {
	b.Helper()
	_, err := e.run(record)
	require.NoError(b, err)
	var total time.Duration
	n := 0
	start := time.Now()
	for b.Loop() {
		dt, err := e.run(record)
		require.NoError(b, err)
		total += dt
		n++
	}
	return total / time.Duration(n), time.Since(start) / time.Duration(n)
}

// copyMeter measures the copy kernel moving bytes (read plus write) over
// a buffer the size of the benchmark's F32 matrix: the ceiling a matvec
// that streams its weights once can approach. Each call measures again
// (best of 3), so a ratio compares kernels run moments apart on a machine
// whose load changes.
func copyMeter(b *testing.B, e *env) func() float64 {
	b.Helper()
	n := benchRows * benchCols
	k, err := NewCopy(e.dev, "")
	require.NoError(b, err)
	e.own(k)
	src, dst := e.zeros(n), e.zeros(n)
	set := e.set(k.program, src, dst)
	require.NoError(b, e.err)
	p := ElementwisePush{N: uint32(n)}
	rec := func(c *vk.Commands) error { k.Record(c, set, p); return nil }
	return func() float64 {
		best := time.Duration(1 << 62)
		for range 3 {
			dt, err := e.run(rec)
			require.NoError(b, err)
			best = min(best, dt)
		}
		return float64(8*n) / best.Seconds() / 1e9
	}
}

// BenchmarkCopy reports the copy kernel's bandwidth.
func BenchmarkCopy(b *testing.B) {
	e := benchEnv(b)
	n := benchRows * benchCols
	k, err := NewCopy(e.dev, "")
	require.NoError(b, err)
	e.own(k)
	set := e.set(k.program, e.zeros(n), e.zeros(n))
	require.NoError(b, e.err)
	p := ElementwisePush{N: uint32(n)}
	gpu, wall := timeDispatch(b, e, func(c *vk.Commands) error { k.Record(c, set, p); return nil })
	b.ReportMetric(float64(8*n)/gpu.Seconds()/1e9, "GB/s")
	b.ReportMetric(float64(8*n)/wall.Seconds()/1e9, "wallGB/s")
}

// BenchmarkMatVec reports each matvec kernel's and variant's bandwidth
// (weights + x + y bytes per GPU second) and its ratio to copy's.
func BenchmarkMatVec(b *testing.B) { benchMatVecs(b, matvecKernels, false) }

// BenchmarkMatVecGLU reports the gate/up pair products like
// BenchmarkMatVec: the same matrix read as benchRows/2 (gate, up) pairs,
// so a ratio-to-copy equal to the plain product's means the pair
// epilogue costs nothing.
func BenchmarkMatVecGLU(b *testing.B) { benchMatVecs(b, gluKernels, true) }

// benchMatVecs runs benchMatVec for every weight type's kernel in kernels
// and every variant the device supports.
func benchMatVecs(b *testing.B, kernels map[quant.Type]string, glu bool) {
	e := benchEnv(b)
	meter := copyMeter(b, e)
	have := FeaturesOf(e.dev.Features())
	for _, t := range WeightTypes {
		names, err := Variants(kernels[t], have)
		require.NoError(b, err)
		for _, v := range names {
			b.Run(v, func(b *testing.B) { benchMatVec(b, e, t, v, meter, glu) })
		}
	}
}

func benchMatVec(b *testing.B, e *env, t quant.Type, variant string, meter func() float64, glu bool) {
	k, err := newMatVec(e.dev, t, variant, glu)
	require.NoError(b, err)
	defer k.Close()
	m, err := randMatrix(rand.New(rand.NewPCG(1, 2)), t, benchRows, benchCols)
	require.NoError(b, err)
	w, x, y := e.buffer(m.Data), e.zeros(benchCols), e.zeros(benchRows)
	set := e.set(k.program, w, x, y)
	require.NoError(b, e.err)
	p := MatVecPush{Rows: benchRows, Cols: benchCols, XStride: benchCols, YStride: benchRows, N: 1}
	copyGBs := meter()
	gpu, wall := timeDispatch(b, e, func(c *vk.Commands) error { return k.Record(c, set, p) })
	copyGBs = max(copyGBs, meter())
	bytes := float64(len(m.Data) + 4*benchCols + 4*benchRows)
	gbs := bytes / gpu.Seconds() / 1e9
	b.ReportMetric(gbs, "GB/s")
	b.ReportMetric(bytes/wall.Seconds()/1e9, "wallGB/s")
	b.ReportMetric(gbs/copyGBs, "ratio-to-copy")
	b.ReportMetric(copyGBs, "copyGB/s")
}

func benchEnv(b *testing.B) *env {
	dev := vktest.Device(b)
	e, err := newEnv(dev)
	require.NoError(b, err)
	b.Cleanup(e.destroy)
	return e
}
