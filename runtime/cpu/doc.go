// Package cpu is vkllm's pure-Go reference: one plain, readable function per
// GPU kernel, and the whole forward pass built from them. GPU kernels are
// tested against these functions on random inputs, so they favour clarity
// and accuracy (float64 accumulation in reductions) over speed; the fast
// multi-core path lives beside them and is held to them by tests.
//
// The fast path's inner loops are a kernel set (matmul_kernels.go): portable
// scalar Go everywhere, and AVX2+FMA kernels written with simd/archsimd when
// built with GOEXPERIMENT=simd on amd64 (the Makefile does) and the CPU has
// the features; KernelName reports which runs. Q8_0/Q4_0 weights are
// repacked at load into block-interleaved groups of four rows (weight.go),
// so each matmul streams the weights sequentially.
//
// Threading: the reference functions are pure (they touch only their
// arguments) and safe to call concurrently on disjoint outputs. A Backend
// runs one step at a time; inside a step, parallel fans an op out over
// Threads goroutines that take contiguous row chunks from an atomic
// counter. The kernel set is chosen once at init and only tests swap it.
package cpu
