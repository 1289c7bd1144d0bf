// dequant_kscale.glsl: the packed 6-bit sub-block scales and mins of Q4_K
// and Q5_K. Include-only; the includer sets
// kdm (d, dmin) and fills kscale[0..3) with the 12 scale bytes of the
// block (three words), and declares dq_g first where it defines
// DQ_HAS_SUB_SCALES.
//
// Sub-blocks 0-3 keep their scale in the low six bits of bytes 0-3 and
// their min in bytes 4-7; sub-blocks 4-7 take four low bits from bytes
// 8-11 and the top two from the spare high bits of bytes 0-7.
vec2 kdm;
uint kscale[3];

// k_head sets kdm and kscale from a super-block's first four words.
void k_head(uint dm, uint s0, uint s1, uint s2) {
	kdm = unpackHalf2x16(dm);
	kscale[0] = s0;
	kscale[1] = s1;
	kscale[2] = s2;
}

uint kbyte(uint b) {
	return (kscale[b >> 2] >> ((b & 3u) * 8u)) & 255u;
}

// kscale_min returns sub-block j's scale (x) and min (y).
uvec2 kscale_min(uint j) {
	if (j < 4u) {
		return uvec2(kbyte(j) & 63u, kbyte(j + 4u) & 63u);
	}
	return uvec2((kbyte(j + 4u) & 15u) | ((kbyte(j - 4u) >> 6) << 4),
	             (kbyte(j + 4u) >> 4) | ((kbyte(j) >> 6) << 4));
}

// k_scales returns unit c's d·scale and dmin·min of sub-block 2c (xy) and
// 2c+1 (zw), given the block's d and dmin in kdm.
vec4 k_scales(uint c) {
	return vec4(vec2(kscale_min(2u * c)) * kdm, vec2(kscale_min(2u * c + 1u)) * kdm);
}

#ifdef DQ_HAS_SUB_SCALES
// dq_group_sub (matvec_rows.comp) returns sub-block j (0, 1) of unit c's
// d·scale and dmin·min, for the super-block in dq_g.
vec2 dq_group_sub(uint c, uint j) {
	k_head(dq_g[0], dq_g[1], dq_g[2], dq_g[3]);
	return vec2(kscale_min(2u * c + j)) * kdm;
}
#endif
