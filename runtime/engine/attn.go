package engine

import (
	"fmt"
	"math"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/runtime/kernels"
	"github.com/vkllm/vkllm/runtime/vk"
)

// attnKernels are the KV-store and paged attention kernels for the model's
// one attention shape, and the split-K scratch buffer.
type attnKernels struct {
	store    *kernels.KVStore
	decode   *kernels.Decode
	reduce   *kernels.Reduce
	prefill  *kernels.Prefill
	partials *vk.Buffer
	ctx      int // longest context a row may attend (the model's)
}

func (a *attnKernels) build(dev *vk.Device, m *llama.Model, l cache.Layout, maxRows int) error {
	var err error
	if a.store, err = kernels.NewKVStore(dev, l, ""); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	s := kernels.AttnShape{Layout: l, Heads: m.Config.Heads}
	if a.decode, err = kernels.NewDecode(dev, s, ""); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	if a.reduce, err = kernels.NewReduce(dev, s, ""); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	if a.prefill, err = kernels.NewPrefill(dev, s, ""); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	a.ctx = m.Config.Context
	floats := 1
	for r := 1; r <= maxRows; r++ {
		floats = max(floats, a.decode.PartialFloats(r, a.decode.Splits(a.ctx, r)))
	}
	if a.partials, err = dev.NewBuffer(4*uint64(floats), vk.DeviceLocal); err != nil {
		return fmt.Errorf("engine: split-K scratch: %w", err)
	}
	return nil
}

func (a *attnKernels) close() {
	if a.store != nil {
		a.store.Close()
	}
	if a.decode != nil {
		a.decode.Close()
	}
	if a.reduce != nil {
		a.reduce.Close()
	}
	if a.prefill != nil {
		a.prefill.Close()
	}
	if a.partials != nil {
		a.partials.Close()
	}
	*a = attnKernels{}
}

// StoreKV writes the step's K and V rows into their slots of the layer's
// pools (converting or quantizing to the pool's type).
func (e *Engine) StoreKV(layer int, k, v Act) {
	if !e.recording() || e.fusedStore(layer, k, v) {
		return
	}
	e.flushFor(k, v)
	if k.stride != v.stride { // the kernel reads both with one stride
		e.fail(fmt.Errorf("engine: kvstore: K stride %d, V stride %d: %w", k.stride, v.stride, ErrUnsupported))
		return
	}
	st := e.k.attn.store
	kp, vp := e.kv.K(layer), e.kv.V(layer)
	set, err := e.arena.set(st, bind5(st.Bind), k.bind(), v.bind(), vk.Bind(e.in.slots), kp.Binding(), vp.Binding())
	e.fail(err)
	push := kernels.KVStorePush{Rows: uint32(k.rows), SrcStride: uint32(k.stride)}
	e.op("kvstore", []*vk.Buffer{k.buf, v.buf}, []*vk.Buffer{kp.Buffer, vp.Buffer}, func(c *vk.Commands) error {
		return st.Record(c, set, push)
	})
}

// Attention runs paged grouped-query attention of each row's query heads
// over its sequence's positions 0..pos: one dispatch per range of the
// step's attention plan, the prefill kernel for ranges of long
// chunks, the decode kernel (with split-K and a reduce when the rows alone
// are too few to fill the device) for the others.
func (e *Engine) Attention(layer int, q Act, s llama.AttnSpec) Act {
	out := e.alloc(q.rows, s.Heads*s.HeadDim)
	if !e.recording() {
		return out
	}
	e.flushFor(q)
	scale := float32(1 / math.Sqrt(float64(s.HeadDim)))
	for _, g := range e.cur.attn {
		qb := vk.BindRange(q.buf, uint64(4*(q.off+g.r0*q.stride)), uint64(4*((g.r1-g.r0-1)*q.stride+q.cols)))
		ob := vk.BindRange(out.buf, uint64(4*g.r0*out.cols), uint64(4*(g.r1-g.r0)*out.cols))
		mb := vk.BindRange(e.in.meta, uint64(4*g.meta), e.in.meta.Size()-uint64(4*g.meta))
		if g.prefill {
			e.attnPrefill(layer, qb, mb, ob, kernels.PrefillPush{Rows: uint32(g.r1 - g.r0), QStride: uint32(q.stride),
				OStride: uint32(out.cols), Scale: scale}, q.buf, out.buf)
			continue
		}
		e.attnDecode(layer, qb, mb, ob, kernels.DecodePush{Rows: uint32(g.r1 - g.r0), QStride: uint32(q.stride),
			OStride: uint32(out.cols), Splits: g.splits, Scale: scale}, q.buf, out.buf)
	}
	return out
}

// attnPrefill records the prefill kernel over one range's rows (qb, ob
// bind the range's rows of q and out, mb its meta header).
func (e *Engine) attnPrefill(layer int, qb, mb, ob vk.Binding, push kernels.PrefillPush, q, out *vk.Buffer) {
	k := e.k.attn.prefill
	kp, vp := e.kv.K(layer), e.kv.V(layer)
	set, err := e.arena.set(k, bind5(k.Bind), qb, kp.Binding(), vp.Binding(), mb, ob)
	e.fail(err)
	e.op("attn_prefill", []*vk.Buffer{q, kp.Buffer, vp.Buffer}, []*vk.Buffer{out}, func(c *vk.Commands) error {
		return k.Record(c, set, push)
	})
}

// attnDecode records the decode kernel over one range's rows, into out
// directly or, split, into the scratch and then the reduce into out.
func (e *Engine) attnDecode(layer int, qb, mb, ob vk.Binding, push kernels.DecodePush, q, out *vk.Buffer) {
	a := &e.k.attn
	kp, vp := e.kv.K(layer), e.kv.V(layer)
	dst, db := out, ob
	if push.Splits > 1 {
		dst, db = a.partials, vk.Bind(a.partials)
	}
	set, err := e.arena.set(a.decode, bind5(a.decode.Bind), qb, kp.Binding(), vp.Binding(), mb, db)
	e.fail(err)
	e.op("attn_decode", []*vk.Buffer{q, kp.Buffer, vp.Buffer}, []*vk.Buffer{dst}, func(c *vk.Commands) error {
		return a.decode.Record(c, set, push)
	})
	if push.Splits == 1 {
		return
	}
	rset, err := e.arena.set(a.reduce, bind2(a.reduce.Bind), vk.Bind(a.partials), ob)
	e.fail(err)
	rpush := kernels.ReducePush{Rows: push.Rows, OStride: push.OStride, Splits: push.Splits}
	e.op("attn_reduce", []*vk.Buffer{a.partials}, []*vk.Buffer{out}, func(c *vk.Commands) error {
		return a.reduce.Record(c, rset, rpush)
	})
}
