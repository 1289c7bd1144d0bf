// Package llama describes the llama architecture family once: its
// hyper-parameters read from GGUF metadata (Config), its weights bound from a
// name table with shape checks (Weights), and its forward pass (Forward) as
// short functions written against a narrow ops interface (Ops). Backends
// implement Ops — runtime/cpu on host memory, the Vulkan engine with device
// buffers and a command buffer — so the model is written once.
//
// Families are registered by their general.architecture name (Register);
// "llama" and its metadata-compatible relatives register themselves here.
//
// Invariants:
//   - A Model's tensors have been shape-checked against its Config: every
//     matrix is [out][in] with in = Tensor.Cols, and its type is one that
//     quant.Dequantize supports. Tensor.ID is dense in [0, NumTensors), so
//     backends can keep per-tensor state in a slice.
//   - Q and K weights are stored as llama.cpp's converter writes them:
//     permuted for the normal (non-NeoX) RoPE, pairs (2i, 2i+1).
//
// Threading: a Model is immutable after Load and safe for concurrent use;
// Forward is as concurrent as the Ops value passed to it (one step at a time
// per Ops).
package llama
