package kernels

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/vk"
)

// fusedCases check the fused kernels against the CPU composition of the
// ops they replace, and the top-k selection against a sort.
func fusedCases() []Case {
	var cs []Case
	for _, s := range rowShapes {
		cs = append(cs, Case{Kernel: "add_rmsnorm", Shape: fmt.Sprintf("%dx%d", s[0], s[1]), Bound: boundFunc,
			run: addRMSNormCase(s[0], s[1])})
	}
	for _, t := range []cache.KVType{cache.KVF32, cache.KVF16, cache.KVInt8} {
		for _, s := range []struct {
			heads, rows int
			neox        bool
			l           cache.Layout
			maxPos      int
		}{
			{4, 5, false, cache.Layout{Type: t, BlockSize: 4, KVHeads: 2, HeadDim: 8}, 0},
			{8, 9, true, cache.Layout{Type: t, BlockSize: 16, KVHeads: 2, HeadDim: 64}, 0},
			{3, 3, false, cache.Layout{Type: t, BlockSize: 16, KVHeads: 3, HeadDim: 128}, 0},
			{4, 6, false, cache.Layout{Type: t, BlockSize: 16, KVHeads: 2, HeadDim: 64}, ropeFarPos},
		} {
			shape := fmt.Sprintf("%d rows %d heads neox=%v %v", s.rows, s.heads, s.neox, s.l)
			if s.maxPos > 0 {
				shape += fmt.Sprintf(" pos<%d", s.maxPos)
			}
			cs = append(cs, Case{Kernel: ropeKVStoreKernels[t], Shape: shape,
				Bound: boundRope, run: ropeKVStoreCase(s.l, s.heads, s.rows, s.neox, s.maxPos)})
		}
	}
	for _, s := range [][3]int{{1, 7, 1}, {3, 1000, 1}, {2, 1000, 40}, {3, 32000, 40}, {1, 4097, 256}, {2, 50, 64}} {
		cs = append(cs, Case{Kernel: "topk", Shape: fmt.Sprintf("%dx%d k=%d", s[0], s[1], s[2]), Bound: 0, run: topKCase(s[0], s[1], s[2])})
	}
	return cs
}

func addRMSNormCase(rows, cols int) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		k, err := NewAddRMSNorm(e.dev, variant)
		if err != nil {
			return outcome{}, err
		}
		e.own(k)
		const eps = 1e-5
		a, b, w := randFloats(rng, rows*cols, 3), randFloats(rng, rows*cols, 3), randFloats(rng, cols, 1)
		want := make([]float32, 2*rows*cols)
		cpu.Add(want[:rows*cols], a, b)
		cpu.RMSNorm(want[rows*cols:], want[:rows*cols], w, eps)
		hb, db := e.zeros(rows*cols), e.zeros(rows*cols)
		set := e.set(k.program, e.floats(a), e.floats(b), e.floats(w), hb, db)
		gd := e.exec(db, rows*cols, func(c *vk.Commands) error {
			k.Record(c, set, RMSNormPush{Cols: uint32(cols), Rows: uint32(rows), Eps: eps})
			return nil
		})
		if e.err != nil {
			return outcome{}, e.err
		}
		gh, err := e.read(hb, rows*cols)
		got := slices.Concat(gh, gd)
		return outcome{got: got, want: want}, err
	}
}

// ropeKVStoreCase rotates q and k rows on the CPU (cpu.Rope) and stores k
// and v with Layout.Store; the fused kernel must match both. The pools are
// filled from the kernel's own rotated k, so they are compared exactly and
// the rotation's ulp-level differences are bounded by the rope bound alone.
func ropeKVStoreCase(l cache.Layout, heads, rows int, neox bool, maxPos int) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		k, err := NewRopeKVStore(e.dev, l, heads, neox, variant)
		if err != nil {
			return outcome{}, err
		}
		e.own(k)
		width, qw := l.KVHeads*l.HeadDim, heads*l.HeadDim
		dims := l.HeadDim
		if neox {
			dims = l.HeadDim / 2
		}
		blocks := 2 + (rows+l.BlockSize-1)/l.BlockSize
		bb := l.BlockBytes()
		kp, vp := randBytes(rng, blocks*bb), randBytes(rng, blocks*bb)
		q, kk, v := randFloats(rng, rows*qw, 2), randFloats(rng, rows*width, 2), randFloats(rng, rows*width, 2)
		pos, slots := ropePositions(rng, rows, maxPos), make([]int32, rows)
		perm := rng.Perm((blocks - 1) * l.BlockSize)
		for r := range rows {
			slots[r] = int32(l.BlockSize + perm[r])
			if r == 2 {
				slots[r] = -1
			}
		}
		qb, kb, kpg, vpg := e.floats(q), e.floats(kk), e.buffer(kp), e.buffer(vp)
		set := e.set(k.program, qb, kb, e.floats(v), e.buffer(i32Bytes(pos)), e.buffer(i32Bytes(slots)), kpg, vpg,
			e.floats(RopeFreqs(10000, dims)))
		p := RopeKVStorePush{Rows: uint32(rows), QStride: uint32(qw), KVStride: uint32(width), Dims: uint32(dims)}
		pools := e.execBytes([]*vk.Buffer{kpg, vpg}, func(c *vk.Commands) error { return k.Record(c, set, p) })
		gq, err := e.read(qb, rows*qw)
		if err != nil || e.err != nil {
			return outcome{}, cmp.Or(e.err, err)
		}
		gk, err := e.read(kb, rows*width)
		if err != nil {
			return outcome{}, err
		}
		rope := cpu.Rope{Base: 10000, Dims: dims, NeoX: neox}
		for r := range rows {
			rope.Apply(q[r*qw:(r+1)*qw], l.HeadDim, int(pos[r]))
			rope.Apply(kk[r*width:(r+1)*width], l.HeadDim, int(pos[r]))
			if slots[r] < 0 {
				continue
			}
			id, slot := int(slots[r])/l.BlockSize, int(slots[r])%l.BlockSize
			for h := range l.KVHeads {
				l.Store(kp[id*bb:(id+1)*bb], h, slot, gk[r*width+h*l.HeadDim:][:l.HeadDim])
				l.Store(vp[id*bb:(id+1)*bb], h, slot, v[r*width+h*l.HeadDim:][:l.HeadDim])
			}
		}
		got := slices.Concat(gq, gk, pools)
		want := slices.Concat(q, kk, bytesAsFloats(append(kp, vp...)))
		return outcome{got: got, want: want}, nil
	}
}

// topKLogits are random logits with many exact ties and a few NaN, ±Inf.
func topKLogits(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.IntN(64)) / 4 // ties
		switch rng.IntN(50) {
		case 0:
			x[i] = float32(math.NaN())
		case 1:
			x[i] = float32(math.Inf(-1))
		case 2:
			x[i] = float32(math.Inf(1))
		}
	}
	return x
}

// topKCase compares the selection with a stable sort of the finite-or-+Inf
// logits (logit descending, id ascending), ids and logits as floats.
func topKCase(rows, vocab, k int) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		tk, err := NewTopK(e.dev, variant)
		if err != nil {
			return outcome{}, err
		}
		e.own(tk)
		plan, err := PlanTopK(rows, vocab, k)
		if err != nil {
			return outcome{}, err
		}
		logits := topKLogits(rng, rows*vocab)
		partial, out := e.zeros(plan.PartialWords()), e.zeros(plan.OutWords())
		s1, s2, err := tk.Bind(vk.Bind(e.floats(logits)), vk.Bind(partial), vk.Bind(out))
		if err != nil {
			return outcome{}, err
		}
		e.own(s1)
		e.own(s2)
		raw := e.exec(out, plan.OutWords(), func(c *vk.Commands) error { tk.Record(c, s1, s2, plan); return nil })
		if e.err != nil {
			return outcome{}, e.err
		}
		got := make([]float32, len(raw))
		for i := 0; i < len(raw); i += 2 {
			got[i], got[i+1] = float32(int32(math.Float32bits(raw[i]))), raw[i+1]
		}
		return outcome{got: got, want: topKReference(logits, rows, vocab, k)}, nil
	}
}

func topKReference(logits []float32, rows, vocab, k int) []float32 {
	want := make([]float32, 0, 2*rows*k)
	for r := range rows {
		var ids []int
		row := logits[r*vocab : (r+1)*vocab]
		for i, v := range row {
			if v >= -math.MaxFloat32 {
				ids = append(ids, i)
			}
		}
		key := func(i int) float32 { return min(row[i], math.MaxFloat32) }
		slices.SortStableFunc(ids, func(a, b int) int { return cmp.Compare(key(b), key(a)) })
		for j := range k {
			if j < len(ids) {
				want = append(want, float32(ids[j]), key(ids[j]))
			} else {
				want = append(want, -1, 0)
			}
		}
	}
	return want
}
