package cpu

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/internal/quality"
	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/models/synth"
)

// BenchmarkGenerate measures decode tokens/s of the fast path on the
// issue's 85M-parameter synthetic model (dim 768, 12 layers, 12 heads,
// 4 KV heads, FFN 2048, vocab 512): one op is one decode step. Targets on
// the 2-core dev machine: ≥ 80 tok/s Q8_0, ≥ 40 tok/s F32. cpu-ms/tok is
// the process's CPU time per token (all threads), which other processes'
// load on a shared machine distorts less than tok/s. Measure with the
// vector kernels (the Makefile's build) and without (or, in the same
// binary, with VKLLM_CPU_KERNELS=scalar):
//
//	GOEXPERIMENT=simd go test ./runtime/cpu -run XXX -bench BenchmarkGenerate -benchtime 32x -count 5
//	go test ./runtime/cpu -run XXX -bench BenchmarkGenerate -benchtime 32x -count 5
//
// Medians on the 2-core AMD EPYC dev machine at load average 6.5-7.5 (other
// helpers' builds): vector kernels Q8_0 174 tok/s (5.5 cpu-ms/tok), F32 81
// (12.2), F16 52 (18.5); scalar fallback Q8_0 29 (32.5), F32 29 (25.5),
// F16 18 (53); before this work Q8_0 21, F32 36.
func BenchmarkGenerate(b *testing.B) {
	if testing.Short() {
		b.Skip("writes a large model")
	}
	b.Logf("kernels: %s", KernelName())
	for _, typ := range []quant.Type{quant.Q8_0, quant.F32, quant.F16} {
		b.Run(typ.String(), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "bench.gguf")
			require.NoError(b, synth.WriteFile(path, synth.Config{Layers: 12, Dim: 768, FFN: 2048, Heads: 12,
				KVHeads: 4, Vocab: 512, Context: 1024, Type: typ, Seed: 1}))
			l, err := Open(path)
			require.NoError(b, err)
			defer l.Close()
			l.Touch(nil)
			s, err := NewSession(l.Model, Options{KVType: cache.KVF32, Context: 256})
			require.NoError(b, err)
			logits, err := s.Eval([]int32{1, 2, 3, 4}, false)
			require.NoError(b, err)
			cpu0, _ := processCPUTime()
			for b.Loop() {
				if s.Len() == s.Context() {
					s.Reset()
				}
				if logits, err = s.Eval([]int32{quality.Greedy{}.Sample(logits, nil)}, false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tok/s")
			if cpu1, ok := processCPUTime(); ok {
				b.ReportMetric(float64(cpu1-cpu0)/1e6/float64(b.N), "cpu-ms/tok")
			}
		})
	}
}

// BenchmarkMatMul times one matmul with the model's 2048×768 FFN matrix on
// one thread with each kernel set, for one input row (decode) and 16
// (prefill), so a kernel change shows without the rest of the forward
// pass. GB/s counts weight bytes streamed per matmul.
func BenchmarkMatMul(b *testing.B) {
	const rows, cols = 2048, 768
	r := rand.New(rand.NewPCG(5, 6))
	for _, typ := range []quant.Type{quant.F32, quant.F16, quant.Q8_0, quant.Q4_0} {
		data, err := quant.Quantize(typ, randVec(r, rows*cols))
		require.NoError(b, err)
		m, err := NewMatrix(typ, rows, cols, data)
		require.NoError(b, err)
		w, err := prepareWeightMatrix(m)
		require.NoError(b, err)
		for _, n := range []int{1, 16} {
			x := randVec(r, n*cols)
			for _, ks := range kernelSets() {
				b.Run(fmt.Sprintf("%v/n%d/%s", typ, n, ks.name), func(b *testing.B) {
					defer useKernels(ks)()
					be := &Backend{opt: BackendOptions{Threads: 1}, scratchBufs: make([][]float32, 1)}
					dst := make([]float32, n*rows)
					for b.Loop() {
						be.matMulFast(dst, Act{Rows: n, Cols: cols, Data: x}, &w)
					}
					b.ReportMetric(float64(len(data))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
				})
			}
		}
	}
}
