package cpu

import (
	"github.com/vkllm/vkllm/models/quant"
)

// minParallelWork is the multiply-add count below which a matmul runs on
// the calling goroutine: starting goroutines costs more than tiny products.
const minParallelWork = 1 << 15

// matMulFast computes dst = x · wᵀ on all threads, splitting weight rows so
// each weight row is read once from memory for every input row.
func (b *Backend) matMulFast(dst []float32, x Act, w *weight) {
	m := w.m
	work := int64(m.Rows) * int64(m.Cols) * int64(x.Rows)
	switch m.Type {
	case quant.F32:
		b.parallel(m.Rows, work, func(_, lo, hi int) { matF32(dst, x, w.f32, m.Rows, lo, hi) })
	case quant.Q8_0, quant.Q4_0:
		xq := quantizeActQ8(x, &b.q8)
		b.parallel(m.Rows, work, func(_, lo, hi int) { matQ8(dst, xq, w, lo, hi) })
	case quant.F16:
		b.parallel(m.Rows, work, func(wk, lo, hi int) { matF16(dst, x, m, b.scratch(wk, m.Cols), lo, hi) })
	default:
		b.parallel(m.Rows, work, func(wk, lo, hi int) { matAny(dst, x, m, b.scratch(wk, m.Cols), lo, hi) })
	}
}

// matF32 handles weight rows [lo, hi) of an F32 matrix. With several input
// rows (prefill) it takes four weight rows at a time, so each input load
// serves four rows while they stay in L1. With fewer (decode) the work is
// memory-bound and one row at a time is faster: a single sequential stream
// keeps the hardware prefetchers ahead, four interleaved ones do not.
func matF32(dst []float32, x Act, w []float32, rows, lo, hi int) {
	cols := x.Cols
	row := func(r int) []float32 { return w[r*cols : (r+1)*cols] }
	r := lo
	for ; x.Rows >= 4 && r+4 <= hi; r += 4 {
		w0, w1, w2, w3 := row(r), row(r+1), row(r+2), row(r+3)
		for i := 0; i < x.Rows; i++ {
			kernels.dotF32x4(dst[i*rows+r:i*rows+r+4], w0, w1, w2, w3, x.Row(i))
		}
	}
	for ; r < hi; r++ {
		for i := 0; i < x.Rows; i++ {
			dst[i*rows+r] = dotF32(row(r), x.Row(i))
		}
	}
}

// matF16 handles weight rows [lo, hi) of an F16 matrix. Decode converts
// in the dot product; with several input rows each weight row is widened
// once into buf and reused for every input row.
func matF16(dst []float32, x Act, m Matrix, buf []float32, lo, hi int) {
	rb := m.RowBytes()
	for r := lo; r < hi; r++ {
		src := m.Data[r*rb : (r+1)*rb]
		if x.Rows < 4 {
			for i := 0; i < x.Rows; i++ {
				dst[i*m.Rows+r] = kernels.dotF16(src, x.Row(i))
			}
			continue
		}
		kernels.widenF16(buf, src)
		for i := 0; i < x.Rows; i++ {
			dst[i*m.Rows+r] = dotF32(buf, x.Row(i))
		}
	}
}

// widenF16Scalar widens binary16 values through the table: one load per
// value instead of a call.
func widenF16Scalar(dst []float32, src []byte) {
	tab := (*[1 << 16]float32)(halfTable())
	src = src[:2*len(dst)]
	for j := range dst {
		dst[j] = tab[uint16(src[2*j])|uint16(src[2*j+1])<<8]
	}
}

// dotF16Scalar is the dot product of binary16 values w with x.
func dotF16Scalar(w []byte, x []float32) float32 {
	tab := (*[1 << 16]float32)(halfTable())
	w = w[:2*len(x)]
	var s0, s1 float32
	j := 0
	for ; j+2 <= len(x); j += 2 {
		s0 += tab[uint16(w[2*j])|uint16(w[2*j+1])<<8] * x[j]
		s1 += tab[uint16(w[2*j+2])|uint16(w[2*j+3])<<8] * x[j+1]
	}
	if j < len(x) {
		s0 += tab[uint16(w[2*j])|uint16(w[2*j+1])<<8] * x[j]
	}
	return s0 + s1
}

// matAny dequantizes each weight row of any supported type once.
func matAny(dst []float32, x Act, m Matrix, buf []float32, lo, hi int) {
	for r := lo; r < hi; r++ {
		m.Row(r, buf)
		for i := 0; i < x.Rows; i++ {
			dst[i*m.Rows+r] = dotF32(buf, x.Row(i))
		}
	}
}

// axpyF32 computes y += a·x.
func axpyF32(y []float32, a float32, x []float32) { kernels.axpyF32(y, a, x) }

// axpyF32Scalar is unrolled by 4.
func axpyF32Scalar(y []float32, a float32, x []float32) {
	n := len(y)
	x = x[:n]
	i := 0
	for ; i+4 <= n; i += 4 {
		yy := y[i : i+4 : i+4]
		xx := x[i : i+4 : i+4]
		yy[0] += a * xx[0]
		yy[1] += a * xx[1]
		yy[2] += a * xx[2]
		yy[3] += a * xx[3]
	}
	for ; i < n; i++ {
		y[i] += a * x[i]
	}
}
