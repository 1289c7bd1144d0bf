// rope.glsl: the RoPE rotation angle pos·freq, reduced to about [-π, π]
// before sin and cos see it. GPU sin/cos (NVIDIA's in particular) lose
// absolute accuracy in proportion to |x|, and a float32 product pos·freq
// is itself off by up to half an ulp of ~pos (2e-3 rad at 32767), so the
// angle is kept as a float pair and reduced exactly:
//
// - freq comes from the host as hi + lo (kernels.RopeFreqs, from float64),
//   so pos·(hi + lo) is the float64 frequency's angle to ~2^-48;
// - pos·hi = p + err exactly (Dekker's product: pos split into its high
//   and low 12 bits, hi into 12-bit halves by Veltkamp's split; only
//   correctly rounded multiplies and adds, no fma, whose precision Vulkan
//   leaves to the implementation);
// - k = round(p / 2π) and r = (((p − k·C1) − k·C2) + err) − k·C3
//   (Cody–Waite): C1 and C2 hold 9 bits each, so k·C1 and k·C2 are exact
//   for |k| < 2^15 (positions below ~200k) and both subtractions are
//   exact; r is off by two roundings of a value ≤ π (≤ 2.4e-7 rad).
//
// `precise` keeps the compiler from contracting or reassociating any of
// it (a fused p − k·C1 would double-count err).
//
// Needs a `vec2 freqs[]` buffer of (hi, lo) per rotated pair.

const float TWO_PI_1 = 6.28125;
const float TWO_PI_2 = 1.934051513671875e-3;
const float TWO_PI_3 = 1.255665893e-6;
const float INV_TWO_PI = 1.591549367e-1;

// rope_angle returns pos·freq(pair i) − 2πk for the nearest integer k.
float rope_angle(int pos, uint i) {
	vec2 f = freqs[i];
	precise float hc = 4097.0 * f.x;
	precise float h1 = hc - (hc - f.x);
	precise float h2 = f.x - h1;
	precise float P = float(pos);
	precise float Ph = float(pos & ~0xfff);
	precise float Pl = float(pos & 0xfff);
	precise float p = P * f.x;
	precise float err = (((Ph * h1 - p) + Ph * h2) + Pl * h1) + Pl * h2 + P * f.y;
	precise float k = round(p * INV_TWO_PI);
	precise float r = (((p - k * TWO_PI_1) - k * TWO_PI_2) + err) - k * TWO_PI_3;
	return r;
}
