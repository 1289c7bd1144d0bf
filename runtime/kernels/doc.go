// Package kernels runs vkllm's compute shaders: one Go type per kernel,
// owning a compute pipeline per shader variant and shape specialization,
// with a method that records a dispatch into a command buffer. Kernels are
// registered as data (specs) so adding one is a table row plus a small
// type; the selftest table (selftest.go) compares each kernel and variant
// with the runtime/cpu reference.
//
// Fused kernels (fused.go) replace op sequences the engine records
// often: AddRMSNorm (residual add + the next RMSNorm) and RopeKVStore
// (RoPE of Q and K + the KV store); each has a selftest row against the
// CPU composition of the ops it replaces. TopK (topk.go) selects the best
// logits of each row in runtime/sample's total order for GPU sampling.
//
// Variants: every kernel has a portable variant needing only Vulkan 1.1
// core; faster ones need optional features (shaders.Feature). A kernel is
// built with the most preferred variant the device enabled, or a named one;
// opening the device with features switched off (vk.DeviceOptions) is the
// one place that forces the portable path.
//
// Threading: a kernel may record into several command buffers from several
// goroutines; pipelines created on first use of a shape are guarded by a
// mutex. Buffers passed to a dispatch must stay alive until the command
// buffer has finished executing.
package kernels
