package cpu

import (
	"math"
	"sync"
	"sync/atomic"
)

// parallel runs fn over [0, n) on up to Threads goroutines, the caller
// being worker 0, with the worker index for per-worker scratch. Work below
// minParallelWork runs inline as worker 0.
//
// Workers take contiguous chunks from an atomic counter instead of one
// fixed share each: on a shared machine one thread is often descheduled,
// and a fixed split makes the whole step wait for it, while chunks let the
// running thread take over its work. Chunks are multiples of four rows (the
// matmul kernels' unit) and long enough to keep each weight stream
// sequential for the prefetchers.
func (b *Backend) parallel(n int, work int64, fn func(worker, lo, hi int)) {
	t := min(b.opt.Threads, n)
	if t <= 1 || work < minParallelWork {
		fn(0, 0, n)
		return
	}
	chunk := chunkSize(n, t)
	var next atomic.Int64
	run := func(w int) {
		for {
			hi := int(next.Add(int64(chunk)))
			lo := hi - chunk
			if lo >= n {
				return
			}
			fn(w, lo, min(hi, n))
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < t; w++ {
		wg.Go(func() { run(w) })
	}
	run(0)
	wg.Wait()
}

// chunksPerThread is how many chunks each thread gets when all run evenly.
const chunksPerThread = 8

// chunkSize splits n items for t threads: about chunksPerThread chunks per
// thread, rounded up to a multiple of four when there are at least four
// items per chunk.
func chunkSize(n, t int) int {
	c := (n + t*chunksPerThread - 1) / (t * chunksPerThread)
	if c >= 4 {
		c = (c + 3) &^ 3
	}
	return c
}

// scratch returns worker w's buffer of at least n values. Workers own
// distinct indices, so no locking is needed; the slice of buffers is sized
// before any worker starts (ensureWorkers).
func (b *Backend) scratch(w, n int) []float32 {
	if cap(b.scratchBufs[w]) < n {
		b.scratchBufs[w] = make([]float32, n)
	}
	return b.scratchBufs[w][:n]
}

// ropeFast rotates every row on all threads, with the sin/cos of each
// (position, frequency) computed once per row rather than once per head.
func (b *Backend) ropeFast(x Act, r Rope, headDim int) {
	work := int64(x.Rows) * int64(x.Cols) * 8
	b.parallel(x.Rows, work, func(wk, lo, hi int) {
		cs := b.scratch(wk, r.Dims)
		for i := lo; i < hi; i++ {
			pos := b.rows[i].pos
			for k := 0; k < r.Dims/2; k++ {
				theta := float64(pos) * math.Pow(float64(r.Base), -float64(2*k)/float64(r.Dims))
				s, c := math.Sincos(theta)
				cs[2*k], cs[2*k+1] = float32(c), float32(s)
			}
			row := x.Row(i)
			for h := 0; h+headDim <= len(row); h += headDim {
				rotate(row[h:h+headDim], cs, r)
			}
		}
	})
}

// rotate applies precomputed (cos, sin) pairs to one head.
func rotate(head, cs []float32, r Rope) {
	for k := 0; k < r.Dims/2; k++ {
		a, b := r.pair(k)
		c, s := cs[2*k], cs[2*k+1]
		x0, x1 := head[a], head[b]
		head[a] = x0*c - x1*s
		head[b] = x0*s + x1*c
	}
}

// swigluFast is SwiGLU in float32 arithmetic.
func swigluFast(dst, gate, up []float32) { kernels.swiglu(dst, gate, up) }

// swigluScalar computes exp in float64, as the reference does.
func swigluScalar(dst, gate, up []float32) {
	for i, g := range gate {
		dst[i] = g / (1 + float32(math.Exp(float64(-g)))) * up[i]
	}
}
