package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/vk"
)

// boundAttn: GPU and CPU read the same stored (rounded, quantized) K/V, so
// only float32 accumulation and the device's exp differ from the float64
// reference.
const boundAttn = 1e-9

var kvTypes = []cache.KVType{cache.KVF32, cache.KVF16, cache.KVInt8}

// attnShape is one attention test: query/KV heads, head dim, block size,
// the context lengths of the sequences batched in one dispatch, split-K.
type attnShape struct {
	heads, kvHeads, headDim, block int
	ctxs                           []int
	chunks                         []int // prefill: rows per sequence (its last positions); nil: one row each
	split                          bool
	large                          bool
}

// rows returns each query row's sequence and position: sequence i's rows
// are its last chunks[i] positions.
func (s attnShape) rows() (seqs, pos []int) {
	for i, n := range s.ctxs {
		c := 1
		if s.chunks != nil {
			c = s.chunks[i]
		}
		for p := n - c; p < n; p++ {
			seqs, pos = append(seqs, i), append(pos, p)
		}
	}
	return seqs, pos
}

func (s attnShape) layout(t cache.KVType) cache.Layout {
	return cache.Layout{Type: t, BlockSize: s.block, KVHeads: s.kvHeads, HeadDim: s.headDim}
}

func (s attnShape) String() string {
	ctx := make([]string, len(s.ctxs))
	for i, c := range s.ctxs {
		ctx[i] = fmt.Sprint(c)
	}
	str := fmt.Sprintf("%dq/%dkv·%d B%d ctx%s", s.heads, s.kvHeads, s.headDim, s.block, strings.Join(ctx, ","))
	if s.chunks != nil {
		str += fmt.Sprintf(" chunks%v", s.chunks)
	}
	if s.split {
		str += " split"
	}
	return str
}

// decodeShapes cover GQA (8/4, 32/8), MQA (8/1), MHA (8/8), head dims 8,
// 64 and 128, block sizes 16 and 32, lengths around block edges, several
// sequences of different lengths per dispatch, split-K on and off.
var decodeShapes = []attnShape{
	{heads: 8, kvHeads: 4, headDim: 64, block: 16, ctxs: []int{1, 15, 16, 17}},
	{heads: 8, kvHeads: 4, headDim: 64, block: 16, ctxs: []int{255, 1}, split: true},
	{heads: 8, kvHeads: 4, headDim: 8, block: 32, ctxs: []int{15, 255, 33}, split: true},
	{heads: 8, kvHeads: 1, headDim: 64, block: 16, ctxs: []int{255, 16}},
	{heads: 8, kvHeads: 8, headDim: 128, block: 16, ctxs: []int{17, 1000}},
	{heads: 32, kvHeads: 8, headDim: 128, block: 32, ctxs: []int{1000, 17, 1}, split: true},
	{heads: 32, kvHeads: 8, headDim: 128, block: 16, ctxs: []int{4096}, split: true, large: true},
	{heads: 8, kvHeads: 1, headDim: 128, block: 32, ctxs: []int{4096, 1000}, large: true},
	// Small head dims (the lanes layout): GQA 8/4 and 32/8, MQA, MHA, many
	// sequences, split on and off.
	{heads: 8, kvHeads: 4, headDim: 8, block: 16, ctxs: manyCtxs},
	{heads: 32, kvHeads: 8, headDim: 8, block: 32, ctxs: []int{1000, 17, 1}, split: true},
	{heads: 8, kvHeads: 1, headDim: 16, block: 16, ctxs: manyCtxs[:7], split: true},
	{heads: 8, kvHeads: 8, headDim: 16, block: 16, ctxs: []int{17, 300}},
	{heads: 4, kvHeads: 4, headDim: 4, block: 16, ctxs: []int{1, 2, 3, 4, 5, 64, 65}},
}

// manyCtxs are 17 sequences of unequal lengths (stories260K's decode at
// high concurrency): a lanes workgroup mixes rows, and lanes of one
// subgroup run their loops for different token counts.
var manyCtxs = []int{131, 1, 16, 17, 33, 100, 5, 64, 129, 2, 31, 48, 77, 90, 15, 120, 3}

func attnCases() []Case {
	var cs []Case
	for _, t := range kvTypes {
		for _, n := range []int{1, 7, 40} {
			l := cache.Layout{Type: t, BlockSize: 16, KVHeads: 4, HeadDim: 64}
			cs = append(cs, Case{Kernel: kvStoreKernels[t], Shape: fmt.Sprintf("%d rows %v", n, l), Bound: 0, run: kvStoreCase(l, n)})
		}
		l := cache.Layout{Type: t, BlockSize: 32, KVHeads: 4, HeadDim: 8}
		cs = append(cs, Case{Kernel: kvStoreKernels[t], Shape: fmt.Sprintf("9 rows %v", l), Bound: 0, run: kvStoreCase(l, 9)})
		for _, s := range decodeShapes {
			cs = append(cs, Case{Kernel: attnKernel("attn_decode", t), Shape: s.String(), Bound: boundAttn,
				Large: s.large, run: decodeCase(t, s, false)})
			if s.headDim <= lanesMaxHeadDim {
				cs = append(cs, Case{Kernel: attnKernel("attn_decode_lanes", t), Shape: s.String(), Bound: boundAttn,
					Large: s.large, run: decodeCase(t, s, false)})
			}
			if (AttnShape{Layout: s.layout(t), Heads: s.heads}).txShape() {
				cs = append(cs, Case{Kernel: attnKernel("attn_decode_tx", t), Shape: s.String(), Bound: boundAttn,
					Large: s.large, run: decodeCase(t, s, false)})
			}
		}
		for _, s := range prefillShapes {
			cs = append(cs, Case{Kernel: attnKernel("attn_prefill", t), Shape: s.String(), Bound: boundAttn,
				Large: s.large, run: prefillCase(t, s)})
		}
	}
	for _, s := range []attnShape{decodeShapes[1], decodeShapes[2]} {
		cs = append(cs, Case{Kernel: "attn_reduce", Shape: s.String() + " int8", Bound: boundAttn, run: decodeCase(cache.KVInt8, s, true)})
	}
	return cs
}

// pagedKV is a random paged K/V cache on the host: pools of one layer with
// shuffled block tables, every stored vector written through Layout.Store
// and every other byte random (garbage a kernel must never read).
type pagedKV struct {
	layout cache.Layout
	k, v   []byte
	tables [][]cache.BlockID
}

func newPagedKV(rng *rand.Rand, l cache.Layout, ctxs []int) pagedKV {
	blocks := 1
	for _, n := range ctxs {
		blocks += (n + l.BlockSize - 1) / l.BlockSize
	}
	bb := l.BlockBytes()
	kv := pagedKV{layout: l, k: randBytes(rng, blocks*bb), v: randBytes(rng, blocks*bb)}
	ids := rng.Perm(blocks - 1)
	for _, n := range ctxs {
		nb := (n + l.BlockSize - 1) / l.BlockSize
		table := make([]cache.BlockID, nb)
		for i := range table {
			table[i] = cache.BlockID(ids[0] + 1)
			ids = ids[1:]
		}
		kv.tables = append(kv.tables, table)
		for t := range n {
			id, slot := int(table[t/l.BlockSize]), t%l.BlockSize
			for h := range l.KVHeads {
				l.Store(kv.k[id*bb:(id+1)*bb], h, slot, randFloats(rng, l.HeadDim, 2))
				l.Store(kv.v[id*bb:(id+1)*bb], h, slot, randFloats(rng, l.HeadDim, 1))
			}
		}
	}
	return kv
}

func (kv pagedKV) cpu() cpu.PagedKV {
	bb := kv.layout.BlockBytes()
	return cpu.PagedKV{
		Layout: kv.layout,
		K:      func(id cache.BlockID) []byte { return kv.k[int(id)*bb : int(id+1)*bb] },
		V:      func(id cache.BlockID) []byte { return kv.v[int(id)*bb : int(id+1)*bb] },
	}
}

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// attnReference computes cpu.PagedAttention for every row of s, rows
// spread over the cores: the long prefill shapes cost the selftest tens of
// seconds each on one core. Rows are independent, so the result does not
// depend on the split.
func attnReference(kv pagedKV, s attnShape, q []float32) []float32 {
	width := s.heads * s.headDim
	seqs, pos := s.rows()
	want := make([]float32, len(pos)*width)
	pkv := kv.cpu()
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), len(pos))
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(pos); i += workers {
				cpu.PagedAttention(want[i*width:(i+1)*width], q[i*width:(i+1)*width], pkv, kv.tables[seqs[i]], pos[i],
					1/math.Sqrt(float64(s.headDim)))
			}
		})
	}
	wg.Wait()
	return want
}

func attnRows(kv pagedKV, s attnShape) []AttnRow {
	seqs, pos := s.rows()
	rows := make([]AttnRow, len(pos))
	for i := range pos {
		rows[i] = AttnRow{Pos: pos[i], Table: kv.tables[seqs[i]]}
	}
	return rows
}

// decodeCase runs decode (and with s.split, reduce) on random paged K/V.
// variant applies to reduce when forReduce, else to decode.
func decodeCase(t cache.KVType, s attnShape, forReduce bool) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		sh := AttnShape{Layout: s.layout(t), Heads: s.heads}
		dv, rv := variant, ""
		if forReduce {
			dv, rv = "", variant
		}
		dec, err := NewDecode(e.dev, sh, dv)
		if err != nil {
			return outcome{}, err
		}
		e.own(dec)
		kv := newPagedKV(rng, sh.Layout, s.ctxs)
		rows, width := len(s.ctxs), s.heads*s.headDim
		q := randFloats(rng, rows*width, 1)
		want := attnReference(kv, s, q)
		out := e.zeros(rows * width)
		qb, kb, vb, mb := e.floats(q), e.buffer(kv.k), e.buffer(kv.v), e.buffer(i32Bytes(AttnMeta(attnRows(kv, s))))
		p := DecodePush{Rows: uint32(rows), QStride: uint32(width), OStride: uint32(width), Splits: 1,
			Scale: float32(1 / math.Sqrt(float64(s.headDim)))}
		if !s.split {
			set := e.set(dec.program, qb, kb, vb, mb, out)
			got := e.exec(out, rows*width, func(c *vk.Commands) error { return dec.Record(c, set, p) })
			return outcome{got: got, want: want}, e.err
		}
		red, err := NewReduce(e.dev, sh, rv)
		if err != nil {
			return outcome{}, err
		}
		e.own(red)
		p.Splits = max(DecodeSplits(max(s.ctxs[0], 1), rows, s.kvHeads), 3)
		part := e.zeros(dec.PartialFloats(rows, p.Splits))
		dset, rset := e.set(dec.program, qb, kb, vb, mb, part), e.set(red.program, part, out)
		got := e.exec(out, rows*width, func(c *vk.Commands) error {
			if err := dec.Record(c, dset, p); err != nil {
				return err
			}
			c.Barrier()
			return red.Record(c, rset, ReducePush{Rows: p.Rows, OStride: p.OStride, Splits: p.Splits})
		})
		return outcome{got: got, want: want}, e.err
	}
}

// kvSpecials are values at the edges of the conversions: NaN, ±Inf, ±0,
// float32 and f16 subnormals, f16 overflow and its rounding boundary.
var kvSpecials = []float32{
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)),
	1e-40, -3e-39, 6e-8, 2.9802322e-8, 65519, 65520, -70000, 1.0009766, 0.33333334,
}

// kvStoreRow returns row r's K or V values (n = KVHeads×HeadDim): random
// rows, rows whose int8 quotients tie at .5 (max 127 makes the scale
// exactly 1), rows with special values, tiny rows (subnormal scale) and
// huge ones.
func kvStoreRow(rng *rand.Rand, r, n, headDim int) []float32 {
	switch r % 5 {
	case 1:
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.IntN(254)-127) + 0.5
			if i%headDim == 0 {
				x[i] = 127
			}
		}
		return x
	case 2:
		x := randFloats(rng, n, 100)
		for i := range x {
			if rng.IntN(3) == 0 {
				x[i] = kvSpecials[rng.IntN(len(kvSpecials))]
			}
		}
		return x
	case 3:
		return randFloats(rng, n, 1e-36)
	case 4:
		return randFloats(rng, n, 3e38)
	}
	return randFloats(rng, n, 3)
}

// kvStoreCase stores rows rows into shuffled slots of random pools and
// compares every byte of both pools with Layout.Store's (as small floats,
// so any difference fails a zero bound).
func kvStoreCase(l cache.Layout, rows int) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		k, err := NewKVStore(e.dev, l, variant)
		if err != nil {
			return outcome{}, err
		}
		e.own(k)
		width := l.KVHeads * l.HeadDim
		blocks := 2 + (rows+l.BlockSize-1)/l.BlockSize
		bb := l.BlockBytes()
		kp, vp := randBytes(rng, blocks*bb), randBytes(rng, blocks*bb)
		kgpu, vgpu := e.buffer(kp), e.buffer(vp)
		// One fused source [rows][K | V | pad]; a skipped row (slot -1) too.
		stride := 2*width + 4
		src := make([]float32, rows*stride)
		slots := make([]int32, rows)
		perm := rng.Perm((blocks - 1) * l.BlockSize)
		for r := range rows {
			copy(src[r*stride:], kvStoreRow(rng, r, width, l.HeadDim))
			copy(src[r*stride+width:], kvStoreRow(rng, r+1, width, l.HeadDim))
			slots[r] = int32(l.BlockSize + perm[r]) // never the null block
			if r == 3 {
				slots[r] = -1
				continue
			}
			id, slot := int(slots[r])/l.BlockSize, int(slots[r])%l.BlockSize
			for h := range l.KVHeads {
				l.Store(kp[id*bb:(id+1)*bb], h, slot, src[r*stride+h*l.HeadDim:][:l.HeadDim])
				l.Store(vp[id*bb:(id+1)*bb], h, slot, src[r*stride+width+h*l.HeadDim:][:l.HeadDim])
			}
		}
		sb := e.floats(src)
		set := e.set(k.program, sb, sb, e.buffer(i32Bytes(slots)), kgpu, vgpu)
		p := KVStorePush{Rows: uint32(rows), SrcStride: uint32(stride), KOffset: 0, VOffset: uint32(width)}
		got := e.execBytes([]*vk.Buffer{kgpu, vgpu}, func(c *vk.Commands) error { return k.Record(c, set, p) })
		return outcome{got: got, want: bytesAsFloats(append(kp, vp...))}, e.err
	}
}

// bytesAsFloats widens bytes to floats so that NMSE compares them.
func bytesAsFloats(b []byte) []float32 {
	f := make([]float32, len(b))
	for i, x := range b {
		f[i] = float32(x) + 1 // +1: a zero byte still weighs in the denominator
	}
	return f
}

// prefillShapes: a chunk after earlier context beside a whole prompt, the
// head dims and GQA/MQA/MHA shapes of decodeShapes, rows of different
// sequences mixed one per sequence, and long prompts.
var prefillShapes = []attnShape{
	{heads: 8, kvHeads: 4, headDim: 64, block: 16, ctxs: []int{40, 17}, chunks: []int{24, 17}},
	{heads: 8, kvHeads: 4, headDim: 8, block: 32, ctxs: []int{255, 33}, chunks: []int{255, 5}},
	{heads: 8, kvHeads: 1, headDim: 64, block: 16, ctxs: []int{100}, chunks: []int{100}},
	{heads: 8, kvHeads: 8, headDim: 128, block: 32, ctxs: []int{70}, chunks: []int{70}},
	{heads: 32, kvHeads: 8, headDim: 128, block: 16, ctxs: []int{300, 20, 1}, chunks: []int{45, 20, 1}},
	{heads: 8, kvHeads: 4, headDim: 64, block: 16, ctxs: []int{15, 16, 17, 1}, chunks: []int{1, 1, 1, 1}},
	{heads: 32, kvHeads: 8, headDim: 128, block: 16, ctxs: []int{1000}, chunks: []int{1000}, large: true},
	{heads: 8, kvHeads: 4, headDim: 64, block: 32, ctxs: []int{4096}, chunks: []int{128}, large: true},
}

// prefillLanesShapes cover what the lanes layout adds (a subgroup's rows,
// QH query heads per lane, tiles of 8 tokens), in cases after every other
// (Cases): group 3 with every query head in a lane (the 85M model) and
// with one (head dim 128); group 4 over block size 5, so tiles span
// blocks and int8 vectors are not whole texels; MHA with a sequence
// shorter than a tile; runs of several sequences within a subgroup.
var prefillLanesShapes = []attnShape{
	{heads: 12, kvHeads: 4, headDim: 64, block: 16, ctxs: []int{128}, chunks: []int{64}},
	{heads: 12, kvHeads: 4, headDim: 128, block: 16, ctxs: []int{40, 90, 9}, chunks: []int{33, 20, 9}},
	{heads: 4, kvHeads: 1, headDim: 64, block: 5, ctxs: []int{37, 12}, chunks: []int{30, 12}},
	{heads: 4, kvHeads: 4, headDim: 64, block: 16, ctxs: []int{3, 50}, chunks: []int{3, 21}},
}

func prefillLanesCases() []Case {
	var cs []Case
	for _, t := range kvTypes {
		for _, s := range prefillLanesShapes {
			cs = append(cs, Case{Kernel: attnKernel("attn_prefill", t), Shape: s.String(), Bound: boundAttn,
				run: prefillCase(t, s)})
		}
	}
	return cs
}

// prefillCase runs prefill on random paged K/V for the rows of s.
func prefillCase(t cache.KVType, s attnShape) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		sh := AttnShape{Layout: s.layout(t), Heads: s.heads}
		k, err := NewPrefill(e.dev, sh, variant)
		if err != nil {
			return outcome{}, err
		}
		e.own(k)
		kv := newPagedKV(rng, sh.Layout, s.ctxs)
		_, pos := s.rows()
		rows, width := len(pos), s.heads*s.headDim
		q := randFloats(rng, rows*width, 1)
		want := attnReference(kv, s, q)
		out := e.zeros(rows * width)
		set := e.set(k.program, e.floats(q), e.buffer(kv.k), e.buffer(kv.v),
			e.buffer(i32Bytes(AttnMeta(attnRows(kv, s)))), out)
		p := PrefillPush{Rows: uint32(rows), QStride: uint32(width), OStride: uint32(width),
			Scale: float32(1 / math.Sqrt(float64(s.headDim)))}
		got := e.exec(out, rows*width, func(c *vk.Commands) error { return k.Record(c, set, p) })
		return outcome{got: got, want: want}, e.err
	}
}
