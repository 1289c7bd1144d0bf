// glu.glsl: the gated-linear-unit epilogue of the weight products built
// with GLU (matvec.comp, matvec_rows.comp, matmul.comp). Include-only.
//
// The weight matrix holds gate and up rows interleaved (g0, u0, g1, u1,
// ...), so each output value i combines product rows 2i and 2i+1: rows =
// 2 × the output's values per vector, and y_stride counts output values.
// Specialization constant 4, GLU_OUT, picks what is stored: 0 silu(g)·u
// (the SwiGLU MLP), 1 g alone, 2 u alone (MatMul of one of the pair, so a
// pair needs no second copy on the device).
layout(constant_id = 4) const uint GLU_OUT = 0;

// glu_out returns the value stored for one (gate, up) pair of sums.
// silu(g) = g / (1 + e^-g), as binary.comp's OP_SWIGLU.
float glu_out(float g, float u) {
	if (GLU_OUT == 1u) {
		return g;
	}
	if (GLU_OUT == 2u) {
		return u;
	}
	return g / (1.0 + exp(-g)) * u;
}
