package kernels

import (
	"fmt"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/runtime/vk"
)

// KVStore writes a step's new K and V rows into their slots of one layer's
// paged K and V pools, converting to the pool's type (kvstore.comp). The
// bytes it writes equal cache.Layout.Store's: f32 bits, f16 rounded to
// nearest even, int8 codes and fp32 scales by the cache.QuantizeInt8 rule.
type KVStore struct {
	*program
	layout cache.Layout
}

// kvStoreKernels maps KV types to kernel names.
var kvStoreKernels = map[cache.KVType]string{
	cache.KVF32:  "kvstore_f32",
	cache.KVF16:  "kvstore_f16",
	cache.KVInt8: "kvstore_int8",
}

// checkLayout validates a pool layout for the kernels: word-addressed
// shaders need head dims that are multiples of 4, so that no two vectors
// share a 32-bit word.
func checkLayout(l cache.Layout) error {
	if err := l.Validate(); err != nil {
		return fmt.Errorf("kernels: %w", err)
	}
	if l.HeadDim%4 != 0 {
		return fmt.Errorf("kernels: layout %v: head dim is not a multiple of 4: %w", l, vk.ErrUnsupported)
	}
	return nil
}

// NewKVStore builds the store for pools of layout l; variant "" picks the
// best for dev.
func NewKVStore(dev *vk.Device, l cache.Layout, variant string) (*KVStore, error) {
	if err := checkLayout(l); err != nil {
		return nil, err
	}
	p, err := newProgram(dev, kvStoreKernels[l.Type], variant, uint32(l.HeadDim), uint32(l.KVHeads), uint32(l.BlockSize))
	if err != nil {
		return nil, err
	}
	return &KVStore{p, l}, nil
}

// Layout returns the pool layout the store writes.
func (k *KVStore) Layout() cache.Layout { return k.layout }

// Bind makes the descriptor set, in binding order:
//
//	0 kSrc  float32 rows; row r's K is KVHeads×HeadDim values at r·SrcStride+KOffset
//	1 vSrc  float32 rows; row r's V at r·SrcStride+VOffset (may be kSrc's buffer)
//	2 slots int32 [rows]: flat slot block·BlockSize + offset; negative skips the row
//	3 kPool, 4 vPool: one layer's K and V pools, block id b at byte b·BlockBytes
//
// A pool binding must hold every block id the slots name.
func (k *KVStore) Bind(kSrc, vSrc, slots, kPool, vPool vk.Binding) (*vk.DescriptorSet, error) {
	return k.bind(kSrc, vSrc, slots, kPool, vPool)
}

// Record stores p.Rows rows: one workgroup per (row, KV head, K or V).
func (k *KVStore) Record(c *vk.Commands, set *vk.DescriptorSet, p KVStorePush) error {
	width := uint32(k.layout.KVHeads * k.layout.HeadDim)
	if p.Rows == 0 || max(p.KOffset, p.VOffset)+width > p.SrcStride {
		return fmt.Errorf("kernels: kvstore: %d rows of stride %d with K at %d, V at %d do not fit %d values",
			p.Rows, p.SrcStride, p.KOffset, p.VOffset, width)
	}
	x, y := grid(p.Rows*uint32(k.layout.KVHeads)*2, k.dev.Limits().MaxComputeWorkGroupCount[0])
	c.Dispatch(k.first, set, vk.PushBytes(&p), x, y, 1)
	return nil
}
