package kernels

import (
	"fmt"
	"strings"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/runtime/vk"
)

// AttnShape is the shape of one layer's grouped-query attention: the pool
// layout (KV type, block size, KV heads, head dim) and the number of query
// heads. Query head h reads KV head h/Group(), so a KV head's query heads
// are adjacent in a query row ([Heads][HeadDim]).
type AttnShape struct {
	Layout cache.Layout
	Heads  int // query heads, a positive multiple of Layout.KVHeads
}

// Group returns the query heads per KV head (1: MHA; Heads: MQA).
func (s AttnShape) Group() int { return s.Heads / s.Layout.KVHeads }

func (s AttnShape) check() error {
	if err := checkLayout(s.Layout); err != nil {
		return err
	}
	if s.Heads < 1 || s.Heads%s.Layout.KVHeads != 0 {
		return fmt.Errorf("kernels: attention with %d query heads over %d KV heads", s.Heads, s.Layout.KVHeads)
	}
	return nil
}

// attnKernel names the kernel of prefix for the shape's KV type.
func attnKernel(prefix string, t cache.KVType) string { return prefix + "_" + t.String() }

// checkShared fails with ErrUnsupported when a kernel's shared memory
// exceeds the device's limit.
func checkShared(dev *vk.Device, name string, bytes int) error {
	if limit := dev.Limits().MaxComputeSharedMemorySize; uint32(bytes) > limit {
		return fmt.Errorf("kernels: %s needs %d bytes of shared memory, device has %d: %w", name, bytes, limit, vk.ErrUnsupported)
	}
	return nil
}

// AttnRow is one query row of an attention dispatch: it attends positions
// 0..Pos of the sequence whose block table is Table.
type AttnRow struct {
	Pos   int
	Table []cache.BlockID
}

// AttnMeta encodes rows as the int32 meta buffer the attention kernels
// read: a header [len(rows)][2] of (pos, table offset), then the block
// tables, each distinct table (same backing array and length) once; a
// table offset indexes this same buffer.
func AttnMeta(rows []AttnRow) []int32 {
	out := make([]int32, 2*len(rows))
	type key struct {
		first *cache.BlockID
		n     int
	}
	seen := map[key]int32{}
	for i, r := range rows {
		k := key{n: len(r.Table)}
		if len(r.Table) > 0 {
			k.first = &r.Table[0]
		}
		off, ok := seen[k]
		if !ok {
			off = int32(len(out))
			seen[k] = off
			for _, id := range r.Table {
				out = append(out, int32(id))
			}
		}
		out[2*i], out[2*i+1] = int32(r.Pos), off
	}
	return out
}

// Decode is paged grouped-query attention for rows that each attend their
// own sequence (attn_decode.comp). An item is one (row, KV head, split): it
// reads each K/V vector of its chunk once for the group's query heads.
// Tiled, one workgroup serves one item; in the lanes layout (small head
// dims) one invocation does; in the texel layout (CPU devices) one
// subgroup of txLanes invocations does. With Splits > 1 it writes partial
// results that Reduce merges (flash-decoding).
type Decode struct {
	*program
	shape AttnShape
	lanes bool // one invocation per item (the _lanes variants)
	tx    bool // one subgroup per item, K/V as texels (the _tx variants)
}

// lanesMaxHeadDim is the largest head dim of the lanes layout, which
// NewDecode prefers up to it: the tiled layout spreads a workgroup over
// the head's values and tokens, so with 8 values most of its invocations
// idle while it pays a workgroup launch and four barriers per tile of every
// item (lavapipe: 9x the one-row time at 16 rows on stories260K, head dim
// 8). Above it a lane's query and accumulators (2·GROUP·HEAD_DIM floats)
// spill, and lavapipe takes seconds to compile the unrolled loops.
const lanesMaxHeadDim = 16

// txLanes is the texel layout's workgroup, one subgroup: lavapipe's
// subgroup (8 lanes of a 256-bit register). txMaxValues bounds the query
// values (GROUP·HEAD_DIM) it keeps in a subgroup's registers, 2·1024/8
// floats per lane with the accumulators (8 query heads of 128 over one KV
// head, the largest shape the selftest checks): beyond, spills and
// compile time grow with the unrolled loops.
const (
	txLanes     = 8
	txMaxValues = 1024
)

// NewDecode builds decode attention for shape; variant "" picks the best
// for dev: the lanes layout for head dims up to lanesMaxHeadDim, else on
// CPU devices the texel layout where txFits, else the tiled kernel's
// first variant the device's features allow.
func NewDecode(dev *vk.Device, s AttnShape, variant string) (*Decode, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	name, variant, err := decodeKernel(dev, s, variant)
	if err != nil {
		return nil, err
	}
	sp, err := lookupSpec(name)
	if err != nil {
		return nil, err
	}
	g, wg := s.Group(), int(sp.wg)
	lanes, tx := strings.HasSuffix(variant, "_lanes"), strings.HasSuffix(variant, "_tx")
	if !lanes && !tx {
		if err := checkShared(dev, name, 4*(g*s.Layout.HeadDim+2*g*wg+6*wg)); err != nil {
			return nil, err
		}
	}
	l := s.Layout
	p, err := newProgram(dev, name, variant, uint32(l.HeadDim), uint32(l.KVHeads), uint32(l.BlockSize), uint32(g))
	if err != nil {
		return nil, err
	}
	return &Decode{p, s, lanes, tx}, nil
}

// decodeKernel returns the kernel (spec) name of variant for s, choosing
// the variant when it is "", and fails with ErrUnsupported when the
// variant's layout cannot serve s.
func decodeKernel(dev *vk.Device, s AttnShape, variant string) (string, string, error) {
	name := attnKernel("attn_decode", s.Layout.Type)
	switch {
	case variant == "" && s.Layout.HeadDim <= lanesMaxHeadDim:
		variant = name + "_lanes"
	case variant == "" && cpuTexelLayouts(dev) && txFits(dev, s):
		variant = name + "_tx"
	}
	switch {
	case strings.HasSuffix(variant, "_lanes"):
		if s.Layout.HeadDim > lanesMaxHeadDim {
			return "", "", fmt.Errorf("kernels: %s: head dim %d over %d: %w", variant, s.Layout.HeadDim, lanesMaxHeadDim, vk.ErrUnsupported)
		}
		return attnKernel("attn_decode_lanes", s.Layout.Type), variant, nil
	case strings.HasSuffix(variant, "_tx"):
		if !txFits(dev, s) {
			return "", "", fmt.Errorf("kernels: %s: shape %v, subgroup %d: %w", variant, s.Layout, subgroupSize(dev), vk.ErrUnsupported)
		}
		return attnKernel("attn_decode_tx", s.Layout.Type), variant, nil
	}
	return name, variant, nil
}

// txFits reports whether the texel layout serves s on dev: shuffles, a
// subgroup that holds the workgroup, whole 16-byte texels per K/V vector
// and block, and at most txMaxValues query values per KV head. The
// default choice also wants texel views of any storage range
// (texelViewsCover); an explicit variant leaves that to the views' own
// checks when bound.
func txFits(dev *vk.Device, s AttnShape) bool {
	return dev.Features().SubgroupShuffle && subgroupSize(dev) >= txLanes && s.txShape()
}

// txShape reports the shape conditions of txFits.
func (s AttnShape) txShape() bool {
	l := s.Layout
	return l.ValueOffset(0, 1)%vk.TexelSize == 0 && l.BlockBytes()%vk.TexelSize == 0 && s.Group()*l.HeadDim <= txMaxValues
}

// Shape returns the attention shape.
func (k *Decode) Shape() AttnShape { return k.shape }

// Bind makes the descriptor set, in binding order:
//
//	0 q     float32 [rows][QStride]: Heads×HeadDim query values per row
//	1 kPool, 2 vPool: one layer's K and V pools (block b at byte b·BlockBytes)
//	3 meta  int32, as AttnMeta encodes it
//	4 dst   Splits == 1: out float32 [rows][OStride] (Heads×HeadDim used);
//	        Splits > 1: partials of PartialFloats(rows, Splits) floats
func (k *Decode) Bind(q, kPool, vPool, meta, dst vk.Binding) (*vk.DescriptorSet, error) {
	return k.bind(q, kPool, vPool, meta, dst)
}

// PartialFloats returns the float32s of the split-K scratch for rows rows:
// [rows][KVHeads][splits][Group][HeadDim+2].
func (k *Decode) PartialFloats(rows int, splits uint32) int {
	return rows * k.shape.Heads * int(splits) * (k.shape.Layout.HeadDim + 2)
}

// Record dispatches one workgroup (tiled) or invocation (lanes) per item,
// rows × KV heads × splits.
func (k *Decode) Record(c *vk.Commands, set *vk.DescriptorSet, p DecodePush) error {
	width := uint32(k.shape.Heads * k.shape.Layout.HeadDim)
	if p.Rows == 0 || p.Splits == 0 || p.QStride < width || (p.Splits == 1 && p.OStride < width) {
		return fmt.Errorf("kernels: decode: %d rows, %d splits, strides q %d, out %d for %d values",
			p.Rows, p.Splits, p.QStride, p.OStride, width)
	}
	groups := p.Rows * uint32(k.shape.Layout.KVHeads) * p.Splits
	if k.lanes {
		groups = ceilDiv(groups, k.wg)
	}
	x, y := grid(groups, k.dev.Limits().MaxComputeWorkGroupCount[0])
	c.Dispatch(k.first, set, vk.PushBytes(&p), x, y, 1)
	return nil
}

// Split-K policy: enough workgroups to fill a large GPU, but chunks long
// enough that each workgroup streams several tiles. The lanes layout's
// items are single invocations, cheap to loop over tokens and costly to
// merge (the reduce dispatch, a barrier, and partials out and back in),
// so it splits only long contexts. So does the texel layout (CPU
// devices), only to give a CPU's threads enough items: on 2 cores,
// 32/8 heads × 128, one row, the merge cost 200-350 µs at ctx 1024 (one
// chunk: 460-480 µs; 2 or 4: 670-800 µs, f16 and int8) and nothing won
// back at ctx 4096 (1.5-2.0 ms either way; BenchmarkAttention).
const (
	splitTargetGroups = 256
	splitMinTokens    = 64
	maxSplits         = 64
	lanesMinTokens    = 1024
	txTargetItems     = 16
	txMinTokens       = 2048
)

// Splits chooses the split count for rows rows of at most ctx context
// tokens: DecodeSplits for the tiled layout; for the lanes layout chunks
// of at least lanesMinTokens tokens, as many as fill splitTargetGroups
// items; for the texel layout chunks of at least txMinTokens, as many as
// fill txTargetItems.
func (k *Decode) Splits(ctx, rows int) uint32 {
	kvHeads := k.shape.Layout.KVHeads
	switch {
	case k.lanes:
		return fewSplits(ctx, rows, kvHeads, splitTargetGroups, lanesMinTokens)
	case k.tx:
		return fewSplits(ctx, rows, kvHeads, txTargetItems, txMinTokens)
	}
	return DecodeSplits(ctx, rows, kvHeads)
}

// fewSplits cuts chunks of at least minTokens tokens, as many as fill
// target items.
func fewSplits(ctx, rows, kvHeads, target, minTokens int) uint32 {
	items := max(rows*kvHeads, 1)
	s := min((target+items-1)/items, ctx/minTokens, maxSplits)
	return uint32(max(s, 1))
}

// DecodeSplits chooses the tiled layout's split count for rows rows of at
// most ctx context tokens over kvHeads KV heads: 1 when the rows alone
// fill the device or the context is short. Decode.Splits applies the
// policy of the layout in use.
func DecodeSplits(ctx, rows, kvHeads int) uint32 {
	groups := max(rows*kvHeads, 1)
	s := min((splitTargetGroups+groups-1)/groups, (ctx+splitMinTokens-1)/splitMinTokens, maxSplits)
	return uint32(max(s, 1))
}

// Reduce merges Decode's split-K partials into the attention output
// (attn_reduce.comp): one invocation per output value.
type Reduce struct {
	*program
	shape AttnShape
}

// NewReduce builds the merge for shape; variant "" picks the best for dev.
func NewReduce(dev *vk.Device, s AttnShape, variant string) (*Reduce, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	l := s.Layout
	p, err := newProgram(dev, "attn_reduce", variant, uint32(l.HeadDim), uint32(l.KVHeads), uint32(s.Group()))
	if err != nil {
		return nil, err
	}
	return &Reduce{p, s}, nil
}

// Bind makes the descriptor set: 0 partials (Decode's dst), 1 out float32
// [rows][OStride].
func (k *Reduce) Bind(partials, out vk.Binding) (*vk.DescriptorSet, error) {
	return k.bind(partials, out)
}

// Record merges p.Splits partials per (row, query head). It must follow the
// Decode dispatch after a barrier.
func (k *Reduce) Record(c *vk.Commands, set *vk.DescriptorSet, p ReducePush) error {
	width := uint32(k.shape.Heads * k.shape.Layout.HeadDim)
	if p.Rows == 0 || p.Splits == 0 || p.OStride < width {
		return fmt.Errorf("kernels: attn reduce: %d rows, %d splits, out stride %d for %d values", p.Rows, p.Splits, p.OStride, width)
	}
	n := p.Rows * uint32(k.shape.Heads*k.shape.Layout.HeadDim)
	x, y := grid(ceilDiv(n, k.wg), k.dev.Limits().MaxComputeWorkGroupCount[0])
	c.Dispatch(k.first, set, vk.PushBytes(&p), x, y, 1)
	return nil
}
