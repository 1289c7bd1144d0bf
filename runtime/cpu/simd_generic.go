//go:build !goexperiment.simd || !amd64

package cpu

// simdKernels reports that this build has no vector kernels: they need
// amd64 and GOEXPERIMENT=simd (the Makefile sets it).
func simdKernels() (kernelSet, bool) { return kernelSet{}, false }
