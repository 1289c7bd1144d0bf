package cpu

// kernelSets lists the scalar set and, where this build and CPU have it,
// the vector set.
func kernelSets() []kernelSet {
	sets := []kernelSet{scalarKernels}
	if k, ok := simdKernels(); ok {
		sets = append(sets, k)
	}
	return sets
}

// useKernels makes the fast path run k and returns the function that
// restores the previous set. Tests using it must not run in parallel.
func useKernels(k kernelSet) func() {
	old := kernels
	kernels = k
	return func() { kernels = old }
}
