package kernels

import (
	"fmt"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/runtime/vk"
)

// The fused kernels and the sampling selection register their specs here,
// next to their types, rather than in the shared table.
func init() {
	specs = append(specs,
		spec{name: "add_rmsnorm", variants: []string{"add_rmsnorm_sg", "add_rmsnorm"}, bindings: 5, push: 12, wg: 64},
		spec{name: "rope_kvstore_f32", variants: []string{"rope_kvstore_f32"}, bindings: 8, push: 16, wg: 32},
		spec{name: "rope_kvstore_f16", variants: []string{"rope_kvstore_f16"}, bindings: 8, push: 16, wg: 32},
		spec{name: "rope_kvstore_int8", variants: []string{"rope_kvstore_int8"}, bindings: 8, push: 16, wg: 32},
		spec{name: "topk", variants: []string{"topk"}, bindings: 2, push: 24, wg: 64},
	)
}

// RopeKVStorePush is rope_kvstore.comp's block.
type RopeKVStorePush struct {
	Rows     uint32 // token rows (entries of the position and slot buffers)
	QStride  uint32 // floats between consecutive query rows
	KVStride uint32 // floats between consecutive K (and V) rows
	Dims     uint32 // rotated values per head (even, ≤ HeadDim; the frequency table's pairs)
}

// TopKPush is topk.comp's block.
type TopKPush struct {
	N         uint32 // source entries per row
	SrcStride uint32 // entries between consecutive source rows
	K         uint32 // candidates kept per row and chunk
	Chunk     uint32 // source entries per workgroup
	Chunks    uint32 // workgroups per row
	Rows      uint32 // rows
}

// AddRMSNorm is the residual add fused with the RMSNorm that follows it
// (add_rmsnorm.comp): h = a + b and dst = rmsnorm(h)·w in one dispatch,
// equal to add then rmsnorm.
type AddRMSNorm struct{ *program }

// NewAddRMSNorm builds add_rmsnorm; variant "" picks the best for dev.
func NewAddRMSNorm(dev *vk.Device, variant string) (*AddRMSNorm, error) {
	p, err := newProgram(dev, "add_rmsnorm", variant)
	if err != nil {
		return nil, err
	}
	return &AddRMSNorm{p}, nil
}

// Bind makes the descriptor set for a, b, w → h (the sum), dst.
func (k *AddRMSNorm) Bind(a, b, w, h, dst vk.Binding) (*vk.DescriptorSet, error) {
	return k.bind(a, b, w, h, dst)
}

// Record adds and normalises p.Rows rows of p.Cols values.
func (k *AddRMSNorm) Record(c *vk.Commands, set *vk.DescriptorSet, p RMSNormPush) {
	k.recordRows(c, set, vk.PushBytes(&p), p.Rows)
}

// RopeKVStore rotates a step's query and key heads by their rows'
// positions and stores the rotated keys and the values into their slots of
// one layer's paged pools (rope_kvstore.comp): rope, rope and kvstore in
// one dispatch.
type RopeKVStore struct {
	*program
	layout cache.Layout
	heads  int
}

var ropeKVStoreKernels = map[cache.KVType]string{
	cache.KVF32:  "rope_kvstore_f32",
	cache.KVF16:  "rope_kvstore_f16",
	cache.KVInt8: "rope_kvstore_int8",
}

// NewRopeKVStore builds the fused store for pools of layout l, heads query
// heads and the normal or NeoX rotation; variant "" picks the best for dev.
func NewRopeKVStore(dev *vk.Device, l cache.Layout, heads int, neox bool, variant string) (*RopeKVStore, error) {
	if err := checkLayout(l); err != nil {
		return nil, err
	}
	if heads <= 0 {
		return nil, fmt.Errorf("kernels: rope_kvstore: %d query heads", heads)
	}
	p, err := newProgram(dev, ropeKVStoreKernels[l.Type], variant,
		uint32(l.HeadDim), uint32(l.KVHeads), uint32(l.BlockSize), uint32(heads), boolSpec(neox))
	if err != nil {
		return nil, err
	}
	return &RopeKVStore{p, l, heads}, nil
}

// Bind makes the descriptor set, in binding order: q (rotated in place),
// k (rotated in place), v, pos (int32 per row), slots (int32 per row,
// negative skips the store), kPool, vPool, freqs (a RopeTable's).
func (k *RopeKVStore) Bind(q, kSrc, vSrc, pos, slots, kPool, vPool, freqs vk.Binding) (*vk.DescriptorSet, error) {
	return k.bind(q, kSrc, vSrc, pos, slots, kPool, vPool, freqs)
}

// Record processes p.Rows rows: one workgroup per row for the query heads
// and one per (row, KV head, K or V).
func (k *RopeKVStore) Record(c *vk.Commands, set *vk.DescriptorSet, p RopeKVStorePush) error {
	width := uint32(k.layout.KVHeads * k.layout.HeadDim)
	if p.Rows == 0 || p.KVStride < width || p.QStride < uint32(k.heads*k.layout.HeadDim) ||
		p.Dims%2 != 0 || p.Dims > uint32(k.layout.HeadDim) {
		return fmt.Errorf("kernels: rope_kvstore: %d rows, strides q %d kv %d, %d rotated dims do not fit the layout %v",
			p.Rows, p.QStride, p.KVStride, p.Dims, k.layout)
	}
	n := p.Rows * uint32(1+2*k.layout.KVHeads)
	x, y := grid(n, k.dev.Limits().MaxComputeWorkGroupCount[0])
	c.Dispatch(k.first, set, vk.PushBytes(&p), x, y, 1)
	return nil
}
