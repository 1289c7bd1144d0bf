package cache

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkStore measures the CPU reference KV store of one (token, head)
// vector of 128 values per type, reporting GB/s of float32 input.
func BenchmarkStore(b *testing.B) {
	for _, typ := range []KVType{KVF32, KVF16, KVInt8} {
		b.Run(typ.String(), func(b *testing.B) {
			l := Layout{typ, 16, 8, 128}
			block := make([]byte, l.BlockBytes())
			x := randVec(128)
			i := 0
			for b.Loop() {
				l.Store(block, i%8, i%16, x)
				i++
			}
			b.ReportMetric(float64(b.N)*128*4/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}

// BenchmarkAllocateFree measures a 16-block grow and release of a table.
func BenchmarkAllocateFree(b *testing.B) {
	p, err := NewBlockPool(1<<16, 16)
	if err != nil {
		b.Fatal(err)
	}
	bt := NewBlockTable(16)
	for b.Loop() {
		bt.Grow(p, 256)
		bt.Release(p)
	}
	if err := p.CheckInvariants(); err != nil {
		b.Fatal(err)
	}
}

func randVec(n int) []float32 {
	rng := rand.New(rand.NewPCG(9, 9))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}
