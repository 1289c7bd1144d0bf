// Package quant describes GGML tensor types and converts their block formats
// to and from float32 on the CPU.
//
// Type carries ggml's numeric ids as stored in GGUF. For every known type the
// package knows the block geometry (values and bytes per block), so a GGUF
// reader can size tensors it cannot decode. Dequantize handles F32, F16,
// BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K and Q6_K; Quantize produces
// F32, F16, BF16, Q8_0 and Q4_0 with ggml's reference rounding, so files we
// write match what llama.cpp's reference quantizer would produce, and Q4_1,
// Q4_K, Q5_K and Q6_K with a simpler direct scale choice (quantize_k.go).
//
// The dequantizers are deliberately plain: they are the CPU reference that
// GPU kernels are compared against, so each block function reads like the
// layout comment above it.
//
// Threading: all functions are pure and safe for concurrent use; the type
// tables are read-only after package initialisation.
//
// Invariants: BlockSize divides every row length passed to Dequantize and
// Quantize; src and dst lengths are checked before any block is touched, so
// a short buffer is an error, never a panic.
package quant
