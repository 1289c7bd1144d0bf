package quant

// K-quants work on super-blocks of 256 values split into sub-blocks, each
// with its own small integer scale (and min) that a per-super-block fp16
// factor multiplies. Layouts follow ggml-common.h (block_q4_K, ...).

// scaleMinK4 unpacks the 6-bit scale and min of sub-block j (0..7) from the
// 12 packed bytes q of Q4_K and Q5_K: sub-blocks 0-3 keep theirs in the low
// six bits of bytes 0-3 (scales) and 4-7 (mins); sub-blocks 4-7 take four low
// bits from bytes 8-11 and their top two bits from the spare high bits of
// bytes 0-7.
func scaleMinK4(j int, q []byte) (sc, m uint8) {
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	sc = q[j+4]&0xf | (q[j-4]>>6)<<4
	m = q[j+4]>>4 | (q[j]>>6)<<4
	return sc, m
}

// chunkScalesK4 returns the scale and min of the two sub-blocks (2c and
// 2c+1) of Q4_K and Q5_K chunk c, multiplied by the super-block's d and dmin.
func chunkScalesK4(c int, d, dmin float32, scales []byte) (d1, min1, d2, min2 float32) {
	sc1, m1 := scaleMinK4(2*c, scales)
	sc2, m2 := scaleMinK4(2*c+1, scales)
	return d * float32(sc1), dmin * float32(m1), d * float32(sc2), dmin * float32(m2)
}

// Q4_K (144 bytes): d f16, dmin f16, scales [12], qs [128]. Each 64-value
// chunk uses 32 bytes of qs: low nibbles are sub-block 2c, high nibbles
// sub-block 2c+1; x = d*sc*q - dmin*m.
func dequantQ4_K(s []byte, y []float32) {
	d, dmin := half(s), half(s[2:])
	scales, qs := s[4:16], s[16:144]
	for c := range 4 {
		d1, min1, d2, min2 := chunkScalesK4(c, d, dmin, scales)
		q, out := qs[32*c:32*c+32], y[64*c:64*c+64]
		for l := range 32 {
			out[l] = d1*float32(q[l]&0xf) - min1
			out[l+32] = d2*float32(q[l]>>4) - min2
		}
	}
}

// Q5_K (176 bytes): d, dmin, scales [12], qh [32], qs [128]. As Q4_K, with a
// fifth bit per value from qh: chunk c's low nibbles use bit 2c of qh[l], its
// high nibbles bit 2c+1.
func dequantQ5_K(s []byte, y []float32) {
	d, dmin := half(s), half(s[2:])
	scales, qh, qs := s[4:16], s[16:48], s[48:176]
	for c := range 4 {
		d1, min1, d2, min2 := chunkScalesK4(c, d, dmin, scales)
		q, out := qs[32*c:32*c+32], y[64*c:64*c+64]
		for l := range 32 {
			lo := q[l]&0xf | (qh[l]>>(2*c)&1)<<4
			hi := q[l]>>4 | (qh[l]>>(2*c+1)&1)<<4
			out[l] = d1*float32(lo) - min1
			out[l+32] = d2*float32(hi) - min2
		}
	}
}

// Q6_K (210 bytes): ql [128] low nibbles, qh [64] high two bits, scales [16]
// int8 (one per 16 values), d f16; x = d*scale*(q-32) with q in 0..63. Each
// 128-value half uses 64 bytes of ql and 32 of qh: value l+32k (k = 0..3)
// takes its nibble from ql[l + 32(k&1)] (low for k<2, high otherwise) and its
// top bits from bits 2k..2k+1 of qh[l].
func dequantQ6_K(s []byte, y []float32) {
	d := half(s[208:])
	for h := range 2 {
		ql, qh := s[64*h:64*h+64], s[128+32*h:128+32*h+32]
		sc, out := s[192+8*h:192+8*h+8], y[128*h:128*h+128]
		for l := range 32 {
			is := l / 16
			q := [4]uint8{
				ql[l]&0xf | (qh[l]>>0&3)<<4,
				ql[l+32]&0xf | (qh[l]>>2&3)<<4,
				ql[l]>>4 | (qh[l]>>4&3)<<4,
				ql[l+32]>>4 | (qh[l]>>6&3)<<4,
			}
			for k := range 4 {
				out[l+32*k] = d * float32(int8(sc[is+2*k])) * float32(int(q[k])-32)
			}
		}
	}
}
