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
	a.ctx = m.Config.Context
	floats := 1
	for r := 1; r <= maxRows; r++ {
		floats = max(floats, a.decode.PartialFloats(r, kernels.DecodeSplits(a.ctx, r, l.KVHeads)))
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
	e.flushFor(k.buf, v.buf)
	st := e.k.attn.store
	kp, vp := e.kv.K(layer), e.kv.V(layer)
	set, err := e.arena.set(st, bind5(st.Bind), k.bind(), v.bind(), vk.Bind(e.in.slots), kp.Binding(), vp.Binding())
	e.fail(err)
	push := kernels.KVStorePush{Rows: uint32(k.rows), SrcStride: uint32(k.cols)}
	e.op("kvstore", []*vk.Buffer{k.buf, v.buf}, []*vk.Buffer{kp.Buffer, vp.Buffer}, func(c *vk.Commands) error {
		return st.Record(c, set, push)
	})
}

// Attention runs paged grouped-query attention of each row's query heads
// over its sequence's positions 0..pos, with split-K and a reduce when the
// rows alone are too few to fill the device.
func (e *Engine) Attention(layer int, q Act, s llama.AttnSpec) Act {
	out := e.alloc(q.rows, s.Heads*s.HeadDim)
	if !e.recording() {
		return out
	}
	e.flushFor(q.buf)
	a := &e.k.attn
	kp, vp := e.kv.K(layer), e.kv.V(layer)
	splits := e.cur.splits
	dst := out.buf
	if splits > 1 {
		dst = a.partials
	}
	set, err := e.arena.set(a.decode, bind5(a.decode.Bind), q.bind(), kp.Binding(), vp.Binding(), vk.Bind(e.in.meta), vk.Bind(dst))
	e.fail(err)
	push := kernels.DecodePush{Rows: uint32(q.rows), QStride: uint32(q.cols), OStride: uint32(out.cols), Splits: splits,
		Scale: float32(1 / math.Sqrt(float64(s.HeadDim)))}
	e.op("attn_decode", []*vk.Buffer{q.buf, kp.Buffer, vp.Buffer}, []*vk.Buffer{dst}, func(c *vk.Commands) error {
		return a.decode.Record(c, set, push)
	})
	if splits == 1 {
		return out
	}
	rset, err := e.arena.set(a.reduce, bind2(a.reduce.Bind), vk.Bind(a.partials), out.bind())
	e.fail(err)
	rpush := kernels.ReducePush{Rows: uint32(q.rows), OStride: uint32(out.cols), Splits: splits}
	e.op("attn_reduce", []*vk.Buffer{a.partials}, []*vk.Buffer{out.buf}, func(c *vk.Commands) error {
		return a.reduce.Record(c, rset, rpush)
	})
	return out
}
