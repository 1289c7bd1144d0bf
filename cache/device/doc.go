// Package device holds the paged KV cache in device memory: for every
// layer a K pool and a V pool of NumBlocks blocks laid out as a
// cache.Layout describes, so block ids from a cache.BlockPool of the same
// block count index them directly (block b of a pool starts at byte
// b × Layout.BlockBytes of its binding).
//
// The 2 × layers pools are packed into as few device buffers as fit, each
// no larger than Device.MaxBufferSize (min(maxMemoryAllocationSize,
// 1 GiB)), so a cache of many GiB never needs one huge allocation; each
// pool is one descriptor range (vk.Binding) that must fit
// maxStorageBufferRange, and a pool larger than that is refused. Pools
// start zeroed, so kernels that read a whole block (masking slots past a
// row's position by probability 0) never multiply by garbage NaNs.
//
// The pool size comes from a block count, a byte budget, or by default a
// fraction of the device memory still free after the weights (see
// FreeMemory: the VK_EXT_memory_budget budget less usage when present,
// else the heap size less what this device allocated).
//
// Threading: a Pool is immutable after New; Close must not run while
// commands that use its buffers are recorded. Buffers wait for their last
// submission when closed.
package device
