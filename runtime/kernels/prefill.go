package kernels

import (
	"fmt"
	"strings"

	"github.com/vkllm/vkllm/runtime/vk"
)

// Prefill is causal grouped-query attention over paged K/V for chunks of
// prompt rows (attn_prefill.comp). Each row attends positions 0..pos of
// its own sequence, like Decode; consecutive rows that share a block table
// (one sequence's chunk) share the K/V reads, so many rows of one sequence
// cost one pass over its cache per item. GPUs take the tiled layout (an
// item is a tile of rows and a KV head, one workgroup); CPU devices the
// lanes layout (an item is a subgroup's rows and QH query heads).
type Prefill struct {
	*program
	shape      AttnShape
	itemRows   uint32 // rows of one item
	headGroups uint32 // items (workgroups) per block of itemRows rows
}

// Shared-memory tiling of the prefill kernel: the budget stays within
// what lavapipe and desktop GPUs offer (32 KiB and more) and the
// accumulators within 8 vec4s per invocation.
const (
	prefillSharedBudget = 32 << 10
	prefillMaxRows      = 16
	prefillMaxAccVec4   = 8
)

// prefillShared returns the shared bytes of a tile of r query vectors,
// qrows rows and kt keys of head dim d (attn_prefill.comp's arrays).
func prefillShared(r, qrows, kt, d int) int {
	return 4 * (r*d + kt*d + r*kt + 3*r + qrows)
}

// prefillTiles picks the rows per tile and keys per tile for s.
func prefillTiles(limit uint32, s AttnShape, wg int) (qrows, kt int, err error) {
	budget := min(int(limit), prefillSharedBudget)
	d, g := s.Layout.HeadDim, s.Group()
	kt = 32
	for kt > 4 && (kt*d*4 > budget/2 || prefillShared(g, 1, kt, d) > budget) {
		kt /= 2
	}
	qrows = prefillMaxRows
	for qrows > 1 && (qrows*g*d/4 > prefillMaxAccVec4*wg || prefillShared(qrows*g, qrows, kt, d) > budget) {
		qrows /= 2
	}
	if need := prefillShared(g, 1, kt, d); need > budget {
		return 0, 0, fmt.Errorf("kernels: prefill with group %d, head dim %d needs %d bytes of shared memory: %w",
			g, d, need, vk.ErrUnsupported)
	}
	return qrows, kt, nil
}

// NewPrefill builds prefill attention for shape; variant "" picks the best
// for dev: the lanes layout (_lanes_tx) on CPU devices whose features and
// texel views allow it, else the tiled kernel. The lanes variants come
// first in the spec only because the tiled kernel is the portable one.
func NewPrefill(dev *vk.Device, s AttnShape, variant string) (*Prefill, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	name := attnKernel("attn_prefill", s.Layout.Type)
	if variant == "" {
		variant = prefillVariant(dev, name)
	}
	if strings.HasSuffix(variant, "_lanes_tx") {
		return newPrefillLanes(dev, s, name, variant)
	}
	sp, err := lookupSpec(name)
	if err != nil {
		return nil, err
	}
	qrows, kt, err := prefillTiles(dev.Limits().MaxComputeSharedMemorySize, s, int(sp.wg))
	if err != nil {
		return nil, err
	}
	l := s.Layout
	p, err := newProgram(dev, name, variant, uint32(l.HeadDim), uint32(l.KVHeads), uint32(l.BlockSize),
		uint32(s.Group()), uint32(qrows), uint32(kt))
	if err != nil {
		return nil, err
	}
	return &Prefill{program: p, shape: s, itemRows: uint32(qrows), headGroups: uint32(l.KVHeads)}, nil
}

// prefillVariant returns the lanes variant of kernel name on CPU devices
// with subgroup shuffles and texel views that hold any storage range,
// else the tiled kernel.
func prefillVariant(dev *vk.Device, name string) string {
	if cpuTexelLayouts(dev) {
		return name + "_lanes_tx"
	}
	return name
}

// Lanes layout: a lane keeps QH·HeadDim query values and as many
// accumulators, and the shader unrolls a tile over tokens, head dim and
// QH, so lanesMaxQueryFloats caps QH·HeadDim to bound the code (head dim
// 128 with QH 2 builds in about 3 s on lavapipe) while the 85M model's
// whole group of 3 shares each shuffled K/V value (faster than one head
// per lane, attn_prefill_lanes.glsl). lanesMaxTile caps the tokens per
// tile, also unrolled.
const (
	lanesMaxQueryFloats = 256
	lanesMaxTile        = 8
)

// lanesHeads returns the query heads per lane: the largest divisor of the
// group whose queries fit lanesMaxQueryFloats, at least 1.
func lanesHeads(s AttnShape) int {
	g := s.Group()
	for qh := g; qh > 1; qh-- {
		if g%qh == 0 && qh*s.Layout.HeadDim <= lanesMaxQueryFloats {
			return qh
		}
	}
	return 1
}

// newPrefillLanes builds the lanes layout with one subgroup per workgroup:
// items vary in length with their rows' positions, and many small
// workgroups spread them over the CPU's threads (with the spec's 64
// invocations, eight items each, a 64-row chunk of the 85M model made 4
// workgroups; see attn_prefill_lanes.glsl).
func newPrefillLanes(dev *vk.Device, s AttnShape, name, variant string) (*Prefill, error) {
	sg := subgroupSize(dev)
	l, qh := s.Layout, lanesHeads(s)
	p, err := newProgramWG(dev, name, variant, sg, uint32(l.HeadDim), uint32(l.KVHeads), uint32(l.BlockSize),
		uint32(s.Group()), uint32(qh), min(sg, lanesMaxTile))
	if err != nil {
		return nil, err
	}
	return &Prefill{program: p, shape: s, itemRows: sg, headGroups: uint32(s.Heads / qh)}, nil
}

// Shape returns the attention shape.
func (k *Prefill) Shape() AttnShape { return k.shape }

// Bind makes the descriptor set, in Decode's binding order: 0 q, 1 kPool,
// 2 vPool, 3 meta (AttnMeta), 4 out float32 [rows][OStride].
func (k *Prefill) Bind(q, kPool, vPool, meta, out vk.Binding) (*vk.DescriptorSet, error) {
	return k.bind(q, kPool, vPool, meta, out)
}

// Record dispatches the items of p.Rows rows, split over x and y. Rows
// should be grouped by sequence, in position order, for items to share
// K/V. The lanes layout reads q as texels, so its rows must start on one.
func (k *Prefill) Record(c *vk.Commands, set *vk.DescriptorSet, p PrefillPush) error {
	width := uint32(k.shape.Heads * k.shape.Layout.HeadDim)
	if p.Rows == 0 || p.QStride < width || p.OStride < width || (k.texels > 0 && p.QStride%4 != 0) {
		return fmt.Errorf("kernels: prefill: %d rows, strides q %d, out %d for %d values", p.Rows, p.QStride, p.OStride, width)
	}
	n := ceilDiv(p.Rows, k.itemRows) * k.headGroups
	x, y := grid(n, k.dev.Limits().MaxComputeWorkGroupCount[0])
	c.Dispatch(k.first, set, vk.PushBytes(&p), x, y, 1)
	return nil
}
