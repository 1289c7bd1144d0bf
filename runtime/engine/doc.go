// Package engine runs the llama forward pass on a Vulkan device: it
// implements llama.Ops with activations in device buffers, so the model is
// described once (llama.Forward) and the CPU backend and this engine share
// it.
//
// One step is one command buffer: Begin writes the step's inputs
// (positions, flat block tables, per-row table offsets, slot mapping, the
// token embedding rows) into small host-visible buffers and starts
// recording; every op records one or more dispatches; Finish submits once,
// waits, and reads back only the logit rows that Gather kept. Barriers are
// recorded only before an op that reads or writes a buffer written since
// the last barrier, so independent dispatches run without one.
//
// Fusion: Add and Rope are recorded lazily, so the op that consumes
// their result can fuse with them: the residual add with the next block's
// RMSNorm (add_rmsnorm), and the rotations of Q and K with the KV store
// (rope_kvstore). Any other op touching a deferred op's activations records
// it on its own first, so fusion never changes what an op sees. A layer's
// Q, K and V weights of one type are uploaded as one matrix (rows
// concatenated) and MatMulQKV runs one product whose output Q, K and V are
// views of (Act.off, Act.stride); gate and up of one type are uploaded
// interleaved by row and MatMulSwiGLU runs one pair product that applies
// SwiGLU before storing (kernels.NewMatVecGLU). Layers whose members
// differ in type (Q4_K_M's Q6_K V) run separate products. MatMul of a
// single member reads its rows of the fused matrix, so nothing is
// uploaded twice. Options.NoFuse turns all of it off.
//
// Attention: each step's rows are planned into ranges (planAttention):
// sequences with at least Options.PrefillRows rows in the step (prompt
// chunks) take the prefill kernel, which reads each K/V vector once per
// tile of rows (GPUs) or subgroup of rows (CPU devices); the others (decoding) take the decode kernel with
// split-K. Consecutive sequences of one kind share a dispatch; a mixed
// step records one dispatch per range, binding the range's rows of Q and
// of the output and its own aligned header of the meta buffer.
//
// Reuse: a step's commands depend only on its shape (rows, logit rows,
// attention ranges and splits, GPU top-k) and on the activation buffers, not on the
// token ids, positions, slots or block tables, which the kernels read from
// host-visible buffers. So the engine records into a reusable command
// buffer and, while consecutive steps keep the same shape (decoding), only
// rewrites those inputs and resubmits it; a replayed step allocates
// nothing but the returned logits. Options.NoReuse records every step.
//
// Sampling: StepSample selects each logit row's best candidates on the
// GPU (kernels.TopK, exact comparisons in the sampler's total order) and
// reads back only those when every row's sampler can finish from them
// (sample.Sampler.SortedK: greedy or top-k, with a repetition penalty of
// at least 1 widening the selection by the window's distinct tokens); the
// samplers run top-p, min-p, temperature and the
// draw on the host in float64, so the tokens equal sampling the full
// logits on the host for the same seed. Otherwise it falls back to the
// full logits and the host sampler.
//
// Memory: weights are uploaded once at New (matrices split by rows into
// buffers that fit one descriptor range); the token embedding stays in
// host memory (the mapped GGUF file) and its rows for a step are
// dequantized on the host, as llama.cpp keeps its input layer on the CPU,
// unless the output projection shares it. Activations live in an arena:
// the i-th op of a step always gets slot i, a buffer sized for MaxRows
// rows, so the same buffers and descriptor sets are reused every step.
// The KV cache is a cache/device.Pool owned by the engine, sized after the
// weights are uploaded. The RoPE frequency table of the model's rotation
// (kernels.RopeTable, float64 frequencies as float32 pairs, which the
// shaders need for exact angles at far positions) is uploaded at New too.
//
// Errors: Ops methods cannot return errors; the first one is kept and
// returned by Finish, and the step is abandoned (nothing is submitted).
//
// Threading: an Engine runs one step at a time and is not safe for
// concurrent use. Close waits for the device and frees every object it
// created; the allocator is back where it was before New.
package engine
