package quant

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Half-precision constants used to build blocks by hand.
const (
	h1     = 0x3c00 // 1.0
	h2     = 0x4000 // 2.0
	hHalf  = 0x3800 // 0.5
	hQuart = 0x3400 // 0.25
	hNeg1  = 0xbc00 // -1.0
)

func le16(h uint16) []byte { return []byte{byte(h), byte(h >> 8)} }

func fill(n int, b byte) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// dequant decodes one block and checks the spot values (index -> value);
// every index not listed must equal rest.
func checkBlock(t *testing.T, ty Type, block []byte, spots map[int]float32, rest float32) {
	t.Helper()
	require.Len(t, block, ty.BlockBytes())
	got := make([]float32, ty.BlockSize())
	require.NoError(t, Dequantize(ty, block, got))
	for i, v := range got {
		want, ok := spots[i]
		if !ok {
			want = rest
		}
		assert.Equal(t, want, v, "%v value %d", ty, i)
	}
}

func TestDequantQ4_0(t *testing.T) {
	// d = 0.5; x = (q-8)*d. Byte 0 = 0x9F: value 0 has q=15 (3.5), value 16
	// has q=9 (0.5). Byte 15 = 0x08: value 15 q=8 (0), value 31 q=0 (-4).
	// Every other byte 0x88 gives q=8, i.e. 0.
	qs := fill(16, 0x88)
	qs[0], qs[15] = 0x9f, 0x08
	checkBlock(t, Q4_0, cat(le16(hHalf), qs), map[int]float32{0: 3.5, 16: 0.5, 31: -4}, 0)
}

func TestDequantQ4_1(t *testing.T) {
	// d = 0.5, m = -1; x = q*d + m. 0xF3: low q=3 -> 0.5, high q=15 -> 6.5.
	qs := fill(16, 0x22) // q=2 -> 0
	qs[4] = 0xf3
	checkBlock(t, Q4_1, cat(le16(hHalf), le16(hNeg1), qs), map[int]float32{4: 0.5, 20: 6.5}, 0)
}

func TestDequantQ5_0(t *testing.T) {
	// d = 1; x = q-16 where bit j of qh is the fifth bit of value j.
	// qh bits 0 and 16 set: values 0 and 16 are 0|16 - 16 = 0; byte 1 =
	// 0x7F: value 1 is 15-16 = -1, value 17 is 7-16 = -9; the rest -16.
	qs := fill(16, 0)
	qs[1] = 0x7f
	qh := []byte{0x01, 0x00, 0x01, 0x00}
	checkBlock(t, Q5_0, cat(le16(h1), qh, qs), map[int]float32{0: 0, 16: 0, 1: -1, 17: -9}, -16)
}

func TestDequantQ5_1(t *testing.T) {
	// d = 2, m = 1; x = q*2 + 1. qh bit 31 (value 31 = high nibble of byte
	// 15) with nibble 15: q = 31 -> 63. Low nibble of byte 15 (value 15) is 0
	// -> 1, like everything else.
	qs := fill(16, 0)
	qs[15] = 0xf0
	qh := []byte{0, 0, 0, 0x80}
	checkBlock(t, Q5_1, cat(le16(h2), le16(h1), qh, qs), map[int]float32{31: 63}, 1)
}

func TestDequantQ8_0(t *testing.T) {
	// d = 0.25; x = int8 q * d: q=-128 -> -32, q=127 -> 31.75, q=4 -> 1.
	qs := fill(32, 4)
	qs[0], qs[31] = 0x80, 0x7f
	checkBlock(t, Q8_0, cat(le16(hQuart), qs), map[int]float32{0: -32, 31: 31.75}, 1)
}

// k4Scales packs the eight 6-bit scales sc and mins m of Q4_K/Q5_K:
// sc = [1 2 3 4 5 6 7 33], m = [0 1 2 3 4 5 6 40]. Bytes 0-3 hold sc0-3 plus
// the top two bits of sc4-7 (only 33>>4 = 2 is non-zero: byte 3 = 4|2<<6);
// bytes 4-7 hold m0-3 plus the top bits of m4-7 (40>>4 = 2: byte 7 = 3|2<<6);
// bytes 8-11 hold the low nibbles of sc4-7 | m4-7 << 4.
var k4Scales = []byte{1, 2, 3, 0x84, 0, 1, 2, 0x83, 0x45, 0x56, 0x67, 0x81}

func TestScaleMinK4(t *testing.T) {
	wantSc := []uint8{1, 2, 3, 4, 5, 6, 7, 33}
	wantM := []uint8{0, 1, 2, 3, 4, 5, 6, 40}
	for j := range 8 {
		sc, m := scaleMinK4(j, k4Scales)
		assert.Equal(t, wantSc[j], sc, "scale %d", j)
		assert.Equal(t, wantM[j], m, "min %d", j)
	}
}

// q4kSpots are the Q4_K values for k4Scales, d = 1, dmin = 0.5 and nibbles
// 0x21 (sub-block 2c has q=1, 2c+1 has q=2): x = sc*q - 0.5*m.
var q4kRest = map[int]float32{
	0: 1*1 - 0, 32: 2*2 - 0.5, 64: 3*1 - 1, 96: 4*2 - 1.5,
	128: 5*1 - 2, 160: 6*2 - 2.5, 192: 7*1 - 3, 224: 33*2 - 20,
}

// expandK fills a 256-value expectation from per-sub-block values and spots.
func expandK(sub map[int]float32, spots map[int]float32) []float32 {
	out := make([]float32, 256)
	for i := range out {
		out[i] = sub[i/32*32]
		if v, ok := spots[i]; ok {
			out[i] = v
		}
	}
	return out
}

func decodeOne(t *testing.T, ty Type, block []byte) []float32 {
	t.Helper()
	require.Len(t, block, ty.BlockBytes())
	got := make([]float32, ty.BlockSize())
	require.NoError(t, Dequantize(ty, block, got))
	return got
}

func TestDequantQ4_K(t *testing.T) {
	qs := fill(128, 0x21)
	qs[5] = 0xf0   // value 5 (sb0): 1*0 - 0 = 0; value 37 (sb1): 2*15 - 0.5
	qs[127] = 0x0f // value 223 (sb6): 7*15 - 3; value 255 (sb7): 0 - 20
	block := cat(le16(h1), le16(hHalf), k4Scales, qs)
	want := expandK(q4kRest, map[int]float32{5: 0, 37: 29.5, 223: 102, 255: -20})
	assert.Equal(t, want, decodeOne(t, Q4_K, block))
}

func TestDequantQ5_K(t *testing.T) {
	qs := fill(128, 0x21)
	qh := fill(32, 0)
	qh[0] = 0x01 // bit 0 = chunk 0 low nibbles: value 0 = 1*(1+16) - 0 = 17
	qh[1] = 0x80 // bit 7 = chunk 3 high nibbles: value 225 = 33*(2+16) - 20
	qh[2] = 0x04 // bit 2 = chunk 1 low nibbles: value 66 = 3*(1+16) - 1
	block := cat(le16(h1), le16(hHalf), k4Scales, qh, qs)
	want := expandK(q4kRest, map[int]float32{0: 17, 225: 574, 66: 50})
	assert.Equal(t, want, decodeOne(t, Q5_K, block))
}

func TestDequantQ6_K(t *testing.T) {
	// d = 0.5, scale of value i is sc[i/16] = i/16+1 except sc[15] = -2;
	// x = d*sc*(q-32). ql = 0 and qh = 0xAA (every 2-bit field 2, so q = 32)
	// make every value 0 except:
	ql := fill(128, 0)
	qh := fill(64, 0xaa)
	ql[0] = 0x35  // value 0: q = 5|32 -> 0.5*1*5; value 64: 3|32 -> 0.5*5*3
	qh[0] = 0xa2  // bits 2-3 = 0: value 32 is ql[32] low (0), q = 0 -> 0.5*3*-32
	ql[32] = 0xf0 // value 96: q = 15|32 (qh[0] bits 6-7 = 2) -> 0.5*7*15
	ql[127] = 0x10
	qh[63] = 0x2a // value 255: high nibble of ql[127] = 1, qh[63] bits 6-7 = 0: q = 1 -> 0.5*-2*-31
	sc := make([]byte, 16)
	for i := range sc {
		sc[i] = byte(i + 1)
	}
	sc[15] = 0xfe // -2
	block := cat(ql, qh, sc, le16(hHalf))
	spots := map[int]float32{0: 2.5, 64: 7.5, 32: -48, 96: 52.5, 255: 31}
	checkBlock(t, Q6_K, block, spots, 0)
}

func TestDequantScalar(t *testing.T) {
	got := make([]float32, 2)
	require.NoError(t, Dequantize(F32, []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0}, got))
	assert.Equal(t, []float32{1, -2}, got)
	require.NoError(t, Dequantize(F16, []byte{0x00, 0x3c, 0x00, 0xc0}, got))
	assert.Equal(t, []float32{1, -2}, got)
	require.NoError(t, Dequantize(BF16, []byte{0x80, 0x3f, 0x00, 0xc0}, got))
	assert.Equal(t, []float32{1, -2}, got)
}

// The second block of a row must be read from its own bytes.
func TestDequantMultiBlock(t *testing.T) {
	b0 := cat(le16(h1), fill(32, 1))
	b1 := cat(le16(h2), fill(32, 3))
	got := make([]float32, 64)
	require.NoError(t, Dequantize(Q8_0, cat(b0, b1), got))
	assert.Equal(t, float32(1), got[31])
	assert.Equal(t, float32(6), got[32])
	assert.Equal(t, float32(6), got[63])
}

func TestDequantErrors(t *testing.T) {
	tests := []struct {
		name string
		t    Type
		src  int
		dst  int
		want string
	}{
		{"short src", Q8_0, 33, 32, "need 34 bytes"},
		{"long src", F32, 12, 2, "need 8 bytes"},
		{"partial block", Q4_K, 144, 255, "multiple of the block size"},
		{"unsupported", Q2_K, 84, 256, "unsupported"},
		{"unknown", Type(77), 4, 1, "unknown type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Dequantize(tt.t, make([]byte, tt.src), make([]float32, tt.dst))
			assert.ErrorContains(t, err, tt.want)
		})
	}
	assert.ErrorIs(t, Dequantize(Q2_K, make([]byte, 84), make([]float32, 256)), ErrUnsupported)
}
