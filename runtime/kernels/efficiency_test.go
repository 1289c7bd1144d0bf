package kernels

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// TestEfficiency runs every measurement on small shapes: each kernel
// reports bytes, a GPU time and a rate relative to copy.
func TestEfficiency(t *testing.T) {
	dev := vktest.Device(t)
	rates, err := Efficiency(dev, EfficiencyOptions{Small: true})
	require.NoError(t, err)
	require.Len(t, rates, len(efficiencyMeasures(EfficiencyOptions{}.withDefaults())))
	assert.Equal(t, "copy", rates[0].Kernel)
	assert.InDelta(t, 1, rates[0].RatioToCopy, 1e-9)
	seen := map[string]int{}
	for _, r := range rates {
		seen[r.Kernel]++
		assert.Positive(t, r.Bytes, r.Kernel)
		assert.Positive(t, r.GPUTime, r.Kernel)
		assert.Positive(t, r.GBs, r.Kernel)
		assert.InDelta(t, r.GBs/rates[0].GBs, r.RatioToCopy, 1e-9, r.Kernel)
		assert.NotEmpty(t, r.Variant, r.Kernel)
		if r.Kernel == "matvec" || r.Kernel == "matmul" {
			assert.Positive(t, r.GFlops(), r.Kernel)
		}
	}
	assert.Equal(t, map[string]int{"copy": 1, "matvec": len(WeightTypes), "matmul": len(WeightTypes),
		"rmsnorm": 1, "rope": 1, "kvstore": 3, "attn_decode": 3}, seen)
}

// BenchmarkEfficiency reports each kernel's bandwidth (bytes moved per GPU
// second, timestamps) and its ratio to copy's, with Efficiency's shapes:
// the numbers `vkllm bench --kernels` prints.
func BenchmarkEfficiency(b *testing.B) {
	e := benchEnv(b)
	o := EfficiencyOptions{}.withDefaults()
	ms := efficiencyMeasures(o)
	cp, err := ms[0].run(e, o)
	require.NoError(b, err)
	for _, m := range ms {
		b.Run(m.name, func(b *testing.B) {
			var r KernelRate
			for b.Loop() {
				r, err = m.run(e, EfficiencyOptions{Rows: o.Rows, Cols: o.Cols, Batch: o.Batch, Tokens: o.Tokens,
					Context: o.Context, Reps: 1})
				require.NoError(b, err)
			}
			b.ReportMetric(r.GBs, "GB/s")
			b.ReportMetric(r.GBs/cp.GBs, "ratio-to-copy")
			b.ReportMetric(float64(r.GPUTime.Nanoseconds())/1e3, "gpu-us")
		})
	}
}
