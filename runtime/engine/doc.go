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
// the last barrier, so independent dispatches (the Q, K and V products,
// gate and up) run without one.
//
// Memory: weights are uploaded once at New (matrices split by rows into
// buffers that fit one descriptor range); the token embedding stays in
// host memory (the mapped GGUF file) and its rows for a step are
// dequantized on the host, as llama.cpp keeps its input layer on the CPU,
// unless the output projection shares it. Activations live in an arena:
// the i-th op of a step always gets slot i, a buffer sized for MaxRows
// rows, so the same buffers and descriptor sets are reused every step.
// The KV cache is a cache/device.Pool owned by the engine, sized after the
// weights are uploaded.
//
// Errors: Ops methods cannot return errors; the first one is kept and
// returned by Finish, and the step is abandoned (nothing is submitted).
//
// Threading: an Engine runs one step at a time and is not safe for
// concurrent use. Close waits for the device and frees every object it
// created; the allocator is back where it was before New.
package engine
