// Package synth writes llama-architecture GGUF files with random weights, for
// tests and benchmarks that need a model of a given shape without shipping one.
//
// The files use exactly the metadata keys and tensor names that llama.cpp
// writes for llama models, so every loader that reads a real llama GGUF reads
// these too. Weights are Gaussian with std 1/sqrt(fan_in), which keeps
// activations O(1) through a forward pass; norm weights are 1 plus small noise.
//
// Invariants:
//   - The output is a pure function of Config (and, with VocabFrom, of that
//     file's tokenizer keys): the same Config gives byte-identical files.
//   - Each tensor draws from its own random stream, seeded by Config.Seed and
//     the tensor name, so a tensor's values do not depend on which other
//     tensors exist (tying embeddings does not change token_embd.weight).
//   - The random streams use the PCG-DXSM generator (whose output
//     math/rand/v2 specifies) and our own polar-method Gaussian, so files
//     stay identical across Go releases.
//
// Streaming: gguf.Write wants every tensor's bytes at once, so Write takes the
// header from gguf.Write (run over never-touched zero data) and then streams
// the tensor data itself, in the GGUF layout; a test checks the result byte
// for byte against gguf.Write given the real data.
//
// Threading: Write and WriteFile may run concurrently with each other. One
// call generates tensors on up to GOMAXPROCS goroutines, writes them to w in
// order from the calling goroutine, and holds at most GOMAXPROCS tensors
// (float32 scratch plus encoded bytes) at once. All goroutines have exited
// when Write returns.
package synth
