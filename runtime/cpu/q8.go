package cpu

import (
	"math"

	"github.com/vkllm/vkllm/models/quant"
)

// q8Act is a batch of activation rows quantized to ggml's Q8_0 scheme
// (blocks of 32 int8 values with one float32 scale each), so matmuls with
// Q8_0 and Q4_0 weights run as int8×int8 block dot products, as llama.cpp
// does. Each row of Cols values has Cols/32 blocks.
type q8Act struct {
	rows, cols int
	qs         []int8    // [rows][cols]
	ds         []float32 // [rows][cols/32]
}

// quantizeActQ8 quantizes x into buf (reused across calls) and returns it.
func quantizeActQ8(x Act, buf *q8Act) *q8Act {
	n := x.Rows * x.Cols
	if cap(buf.qs) < n {
		buf.qs = make([]int8, n)
	}
	if cap(buf.ds) < n/32 {
		buf.ds = make([]float32, n/32)
	}
	buf.rows, buf.cols, buf.qs, buf.ds = x.Rows, x.Cols, buf.qs[:n], buf.ds[:n/32]
	for blk := range buf.ds {
		src := x.Data[blk*32 : blk*32+32]
		var amax float32
		for _, v := range src {
			amax = max(amax, float32(math.Abs(float64(v))))
		}
		d := amax / 127
		buf.ds[blk] = d
		inv := float32(0)
		if d != 0 {
			inv = 1 / d
		}
		q := buf.qs[blk*32 : blk*32+32]
		for j, v := range src {
			q[j] = int8(math.Round(float64(v * inv)))
		}
	}
	return buf
}

// matQ8 handles weight rows [lo, hi) of a Q8_0 or Q4_0 matrix.
func matQ8(dst []float32, xq *q8Act, m Matrix, lo, hi int) {
	rb := m.RowBytes()
	nb := m.Cols / 32
	tab := halfTable()
	for r := lo; r < hi; r++ {
		wr := m.Data[r*rb : (r+1)*rb]
		for i := 0; i < xq.rows; i++ {
			qs := xq.qs[i*m.Cols : (i+1)*m.Cols]
			ds := xq.ds[i*nb : (i+1)*nb]
			if m.Type == quant.Q8_0 {
				dst[i*m.Rows+r] = dotQ8_0(wr, qs, ds, tab)
			} else {
				dst[i*m.Rows+r] = dotQ4_0(wr, qs, ds, tab)
			}
		}
	}
}

// dotQ8_0 is the dot product of one Q8_0 weight row (blocks of a binary16
// scale and 32 int8) with a Q8 activation row.
func dotQ8_0(w []byte, qs []int8, ds []float32, tab []float32) float32 {
	var sum float32
	for blk := range ds {
		b := w[blk*34 : blk*34+34 : blk*34+34]
		d := tab[uint16(b[0])|uint16(b[1])<<8]
		q := b[2:34:34]
		x := qs[blk*32 : blk*32+32 : blk*32+32]
		var s0, s1, s2, s3 int32
		for j := 0; j < 32; j += 4 {
			s0 += int32(int8(q[j])) * int32(x[j])
			s1 += int32(int8(q[j+1])) * int32(x[j+1])
			s2 += int32(int8(q[j+2])) * int32(x[j+2])
			s3 += int32(int8(q[j+3])) * int32(x[j+3])
		}
		sum += float32(s0+s1+s2+s3) * d * ds[blk]
	}
	return sum
}

// dotQ4_0 is the dot product of one Q4_0 weight row (blocks of a binary16
// scale and 16 bytes of nibbles: low nibbles are values 0-15, high nibbles
// 16-31, each offset by 8) with a Q8 activation row.
func dotQ4_0(w []byte, qs []int8, ds []float32, tab []float32) float32 {
	var sum float32
	for blk := range ds {
		b := w[blk*18 : blk*18+18 : blk*18+18]
		d := tab[uint16(b[0])|uint16(b[1])<<8]
		q := b[2:18:18]
		x := qs[blk*32 : blk*32+32 : blk*32+32]
		var s0, s1 int32
		for j := 0; j < 16; j++ {
			s0 += (int32(q[j]&15) - 8) * int32(x[j])
			s1 += (int32(q[j]>>4) - 8) * int32(x[j+16])
		}
		sum += float32(s0+s1) * d * ds[blk]
	}
	return sum
}
