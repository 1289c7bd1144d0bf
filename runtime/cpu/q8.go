package cpu

import (
	"encoding/binary"
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
	kernels.quantQ8(x.Data[:n], buf.qs, buf.ds)
	return buf
}

// quantQ8Scalar quantizes len(ds) blocks of 32 values of x into qs and ds:
// d = max|v| / 127, q = round(v / d) with ties away from zero.
func quantQ8Scalar(x []float32, qs []int8, ds []float32) {
	for blk := range ds {
		src := x[blk*32 : blk*32+32]
		var amax float32
		for _, v := range src {
			amax = max(amax, float32(math.Abs(float64(v))))
		}
		d := amax / 127
		ds[blk] = d
		inv := float32(0)
		if d != 0 {
			inv = 1 / d
		}
		q := qs[blk*32 : blk*32+32]
		for j, v := range src {
			q[j] = int8(math.Round(float64(v * inv)))
		}
	}
}

// matQ8 handles weight rows [lo, hi) of a Q8_0 or Q4_0 matrix, four rows
// at a time from the packed groups of w (see matF32); rows outside whole
// groups use the single-row kernels on the file's layout.
func matQ8(dst []float32, xq *q8Act, w *weight, lo, hi int) {
	m := w.m
	rb, nb := m.RowBytes(), m.Cols/32
	gb := nb * packedBlockBytes(m.Type) // bytes per packed group
	tab := halfTable()
	dot, dot4 := kernels.dotQ8_0, kernels.dotQ8_0x4
	if m.Type == quant.Q4_0 {
		dot, dot4 = kernels.dotQ4_0, kernels.dotQ4_0x4
	}
	r := lo
	for ; r%4 == 0 && r+4 <= hi; r += 4 {
		g := w.packed[r/4*gb : (r/4+1)*gb]
		for i := 0; i < xq.rows; i++ {
			qs, ds := xq.qs[i*m.Cols:(i+1)*m.Cols], xq.ds[i*nb:(i+1)*nb]
			dot4(dst[i*m.Rows+r:i*m.Rows+r+4], g, qs, ds)
		}
	}
	for ; r < hi; r++ {
		for i := 0; i < xq.rows; i++ {
			qs, ds := xq.qs[i*m.Cols:(i+1)*m.Cols], xq.ds[i*nb:(i+1)*nb]
			dst[i*m.Rows+r] = dot(m.Data[r*rb:(r+1)*rb], qs, ds, tab)
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
		sum += float32(dot16q4((*[16]byte)(b[2:]), (*[32]int8)(qs[blk*32:]))) * d * ds[blk]
	}
	return sum
}

// dot16q4 is the integer dot product of one Q4_0 block's nibbles with 32
// activation values.
func dot16q4(q *[16]byte, x *[32]int8) int32 {
	var s0, s1 int32
	for j := 0; j < 16; j++ {
		s0 += (int32(q[j]&15) - 8) * int32(x[j])
		s1 += (int32(q[j]>>4) - 8) * int32(x[j+16])
	}
	return s0 + s1
}

// dotQ8_0x4Scalar is dotQ8_0 on the four rows of packed group g (see
// packGroups). The float32 scales equal the table's and the operations run
// in the same order, so results match dotQ8_0 exactly.
func dotQ8_0x4Scalar(out []float32, g []byte, qs []int8, ds []float32) {
	var sum [4]float32
	for blk, dx := range ds {
		b := (*[16 + 4*32]byte)(g[blk*(16+4*32):])
		x := (*[32]int8)(qs[blk*32:])
		for k := range sum {
			d := math.Float32frombits(binary.LittleEndian.Uint32(b[4*k:]))
			sum[k] += float32(dot32i8((*[32]byte)(b[16+32*k:]), x)) * d * dx
		}
	}
	copy(out[:4], sum[:])
}

// dotQ4_0x4Scalar is dotQ4_0 on the four rows of packed group g.
func dotQ4_0x4Scalar(out []float32, g []byte, qs []int8, ds []float32) {
	var sum [4]float32
	for blk, dx := range ds {
		b := (*[16 + 4*16]byte)(g[blk*(16+4*16):])
		x := (*[32]int8)(qs[blk*32:])
		for k := range sum {
			d := math.Float32frombits(binary.LittleEndian.Uint32(b[4*k:]))
			sum[k] += float32(dot16q4((*[16]byte)(b[16+16*k:]), x)) * d * dx
		}
	}
	copy(out[:4], sum[:])
}
