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

// matQ8 handles weight rows [lo, hi) of a Q8_0 or Q4_0 matrix, four rows
// at a time (see matF32).
func matQ8(dst []float32, xq *q8Act, m Matrix, lo, hi int) {
	rb := m.RowBytes()
	nb := m.Cols / 32
	tab := halfTable()
	dot, dot4 := kernels.dotQ8_0, kernels.dotQ8_0x4
	if m.Type == quant.Q4_0 {
		dot, dot4 = kernels.dotQ4_0, kernels.dotQ4_0x4
	}
	row := func(r int) []byte { return m.Data[r*rb : (r+1)*rb] }
	r := lo
	for ; r+4 <= hi; r += 4 {
		w0, w1, w2, w3 := row(r), row(r+1), row(r+2), row(r+3)
		for i := 0; i < xq.rows; i++ {
			qs, ds := xq.qs[i*m.Cols:(i+1)*m.Cols], xq.ds[i*nb:(i+1)*nb]
			dot4(dst[i*m.Rows+r:i*m.Rows+r+4], w0, w1, w2, w3, qs, ds, tab)
		}
	}
	for ; r < hi; r++ {
		for i := 0; i < xq.rows; i++ {
			qs, ds := xq.qs[i*m.Cols:(i+1)*m.Cols], xq.ds[i*nb:(i+1)*nb]
			dst[i*m.Rows+r] = dot(row(r), qs, ds, tab)
		}
	}
}

// dotQ8_0 is the dot product of one Q8_0 weight row (blocks of a binary16
// scale and 32 int8) with a Q8 activation row. Blocks are taken as array
// pointers so the fully unrolled body has no bounds checks.
func dotQ8_0(w []byte, qs []int8, ds []float32, tab []float32) float32 {
	var sum float32
	for blk := range ds {
		b := (*[34]byte)(w[blk*34:])
		x := (*[32]int8)(qs[blk*32:])
		d := tab[uint16(b[0])|uint16(b[1])<<8]
		sum += float32(dot32i8((*[32]byte)(b[2:]), x)) * d * ds[blk]
	}
	return sum
}

// dot32i8 multiplies 32 signed bytes pairwise and sums, in four chains.
func dot32i8(q *[32]byte, x *[32]int8) int32 {
	s0 := int32(int8(q[0]))*int32(x[0]) + int32(int8(q[4]))*int32(x[4]) +
		int32(int8(q[8]))*int32(x[8]) + int32(int8(q[12]))*int32(x[12]) +
		int32(int8(q[16]))*int32(x[16]) + int32(int8(q[20]))*int32(x[20]) +
		int32(int8(q[24]))*int32(x[24]) + int32(int8(q[28]))*int32(x[28])
	s1 := int32(int8(q[1]))*int32(x[1]) + int32(int8(q[5]))*int32(x[5]) +
		int32(int8(q[9]))*int32(x[9]) + int32(int8(q[13]))*int32(x[13]) +
		int32(int8(q[17]))*int32(x[17]) + int32(int8(q[21]))*int32(x[21]) +
		int32(int8(q[25]))*int32(x[25]) + int32(int8(q[29]))*int32(x[29])
	s2 := int32(int8(q[2]))*int32(x[2]) + int32(int8(q[6]))*int32(x[6]) +
		int32(int8(q[10]))*int32(x[10]) + int32(int8(q[14]))*int32(x[14]) +
		int32(int8(q[18]))*int32(x[18]) + int32(int8(q[22]))*int32(x[22]) +
		int32(int8(q[26]))*int32(x[26]) + int32(int8(q[30]))*int32(x[30])
	s3 := int32(int8(q[3]))*int32(x[3]) + int32(int8(q[7]))*int32(x[7]) +
		int32(int8(q[11]))*int32(x[11]) + int32(int8(q[15]))*int32(x[15]) +
		int32(int8(q[19]))*int32(x[19]) + int32(int8(q[23]))*int32(x[23]) +
		int32(int8(q[27]))*int32(x[27]) + int32(int8(q[31]))*int32(x[31])
	return (s0 + s1) + (s2 + s3)
}

// dotQ4_0 is the dot product of one Q4_0 weight row (blocks of a binary16
// scale and 16 bytes of nibbles: low nibbles are values 0-15, high nibbles
// 16-31, each offset by 8) with a Q8 activation row.
func dotQ4_0(w []byte, qs []int8, ds []float32, tab []float32) float32 {
	var sum float32
	for blk := range ds {
		b := (*[18]byte)(w[blk*18:])
		d := tab[uint16(b[0])|uint16(b[1])<<8]
		x := (*[32]int8)(qs[blk*32:])
		var s0, s1 int32
		for j := 0; j < 16; j++ {
			q := b[2+j]
			s0 += (int32(q&15) - 8) * int32(x[j])
			s1 += (int32(q>>4) - 8) * int32(x[j+16])
		}
		sum += float32(s0+s1) * d * ds[blk]
	}
	return sum
}
