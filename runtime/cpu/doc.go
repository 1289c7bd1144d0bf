// Package cpu is vkllm's pure-Go reference: one plain, readable function per
// GPU kernel, and the whole forward pass built from them. GPU kernels are
// tested against these functions on random inputs, so they favour clarity
// and accuracy (float64 accumulation in reductions) over speed; the fast
// multi-core path lives beside them and is held to them by tests.
//
// Threading: the reference functions are pure (they touch only their
// arguments) and safe to call concurrently on disjoint outputs.
package cpu
