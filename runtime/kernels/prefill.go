package kernels

import (
	"fmt"

	"github.com/vkllm/vkllm/runtime/vk"
)

// Prefill is tiled causal grouped-query attention over paged K/V for
// chunks of prompt rows (attn_prefill.comp). Each row attends positions
// 0..pos of its own sequence, like Decode; consecutive rows that share a
// block table (one sequence's chunk) share the K/V tiles, so many rows of
// one sequence cost one pass over its cache per row tile.
type Prefill struct {
	*program
	shape     AttnShape
	rowsPerWG uint32
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
// for dev.
func NewPrefill(dev *vk.Device, s AttnShape, variant string) (*Prefill, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	name := attnKernel("attn_prefill", s.Layout.Type)
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
	return &Prefill{p, s, uint32(qrows)}, nil
}

// Shape returns the attention shape.
func (k *Prefill) Shape() AttnShape { return k.shape }

// Bind makes the descriptor set, in Decode's binding order: 0 q, 1 kPool,
// 2 vPool, 3 meta (AttnMeta), 4 out float32 [rows][OStride].
func (k *Prefill) Bind(q, kPool, vPool, meta, out vk.Binding) (*vk.DescriptorSet, error) {
	return k.bind(q, kPool, vPool, meta, out)
}

// Record dispatches one workgroup per (tile of rows, KV head). Rows should
// be grouped by sequence, in position order, for tiles to share K/V.
func (k *Prefill) Record(c *vk.Commands, set *vk.DescriptorSet, p PrefillPush) error {
	width := uint32(k.shape.Heads * k.shape.Layout.HeadDim)
	if p.Rows == 0 || p.QStride < width || p.OStride < width {
		return fmt.Errorf("kernels: prefill: %d rows, strides q %d, out %d for %d values", p.Rows, p.QStride, p.OStride, width)
	}
	n := ceilDiv(p.Rows, k.rowsPerWG) * uint32(k.shape.Layout.KVHeads)
	x, y := grid(n, k.dev.Limits().MaxComputeWorkGroupCount[0])
	c.Dispatch(k.first, set, vk.PushBytes(&p), x, y, 1)
	return nil
}
