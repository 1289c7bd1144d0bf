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
		b.parallel(m.Rows, work, func(_, lo, hi int) { matQ8(dst, xq, m, lo, hi) })
	case quant.F16:
		b.parallel(m.Rows, work, func(wk, lo, hi int) { matF16(dst, x, m, b.scratch(wk, m.Cols), lo, hi) })
	default:
		b.parallel(m.Rows, work, func(wk, lo, hi int) { matAny(dst, x, m, b.scratch(wk, m.Cols), lo, hi) })
	}
}

// matF32 handles weight rows [lo, hi) of an F32 matrix.
func matF32(dst []float32, x Act, w []float32, rows, lo, hi int) {
	cols := x.Cols
	for r := lo; r < hi; r++ {
		wr := w[r*cols : (r+1)*cols]
		for i := 0; i < x.Rows; i++ {
			dst[i*rows+r] = dotF32(wr, x.Row(i))
		}
	}
}

// matF16 widens each F16 weight row once through the table, then reuses it
// for every input row.
func matF16(dst []float32, x Act, m Matrix, buf []float32, lo, hi int) {
	tab := halfTable()
	rb := m.RowBytes()
	for r := lo; r < hi; r++ {
		src := m.Data[r*rb : (r+1)*rb]
		for j := range buf {
			buf[j] = tab[uint16(src[2*j])|uint16(src[2*j+1])<<8]
		}
		for i := 0; i < x.Rows; i++ {
			dst[i*m.Rows+r] = dotF32(buf, x.Row(i))
		}
	}
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

// dotF32 is the fast path's float32 dot product: unrolled by 8 with four
// independent accumulators, so the adds do not wait on each other.
func dotF32(a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+8 <= n; i += 8 {
		x := a[i : i+8 : i+8]
		y := b[i : i+8 : i+8]
		s0 += x[0]*y[0] + x[4]*y[4]
		s1 += x[1]*y[1] + x[5]*y[5]
		s2 += x[2]*y[2] + x[6]*y[6]
		s3 += x[3]*y[3] + x[7]*y[7]
	}
	for ; i < n; i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpyF32 computes y += a·x, unrolled by 4.
func axpyF32(y []float32, a float32, x []float32) {
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
