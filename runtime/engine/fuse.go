package engine

import (
	"fmt"

	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/runtime/kernels"
	"github.com/vkllm/vkllm/runtime/vk"
)

// pending holds ops recorded lazily so that the op that consumes their
// result can fuse with them: a residual Add with the RMSNorm of its sum
// (add_rmsnorm), and the Rope of Q and K with the KV store of K
// (rope_kvstore). Any other op that touches a pending op's activations
// records it first (flushFor), so results never depend on whether fusion
// happened.
type pending struct {
	add        bool
	addA, addB Act
	addOut     Act
	ropes      [2]pendingRope
	nropes     int
}

type pendingRope struct {
	x    Act
	spec llama.RopeSpec
}

// addTouches reports whether any of acts is an activation of the pending
// add.
func (p *pending) addTouches(acts []Act) bool {
	if !p.add {
		return false
	}
	for _, a := range acts {
		if a.same(p.addA) || a.same(p.addB) || a.same(p.addOut) {
			return true
		}
	}
	return false
}

// flushFor records the pending ops that read or write any of acts. It
// compares activations, not buffers: Q and K are views of one buffer when
// the Q/K/V product is fused, and rotating K must not record Q's rotation.
func (e *Engine) flushFor(acts ...Act) {
	if e.pend.addTouches(acts) {
		e.recordAdd()
	}
	for i := 0; i < e.pend.nropes; {
		if touches(e.pend.ropes[i].x, acts) {
			e.recordRope(i)
			continue
		}
		i++
	}
}

// flushAll records every pending op.
func (e *Engine) flushAll() {
	if e.pend.add {
		e.recordAdd()
	}
	for e.pend.nropes > 0 {
		e.recordRope(0)
	}
}

func touches(a Act, acts []Act) bool {
	for _, x := range acts {
		if x.same(a) {
			return true
		}
	}
	return false
}

// recordAdd records the pending Add on its own.
func (e *Engine) recordAdd() {
	p := &e.pend
	p.add = false
	e.recordBinary("add", e.k.add, p.addA, p.addB, p.addOut)
}

// recordRope records pending rope i on its own and drops it from the list.
func (e *Engine) recordRope(i int) {
	p := &e.pend
	r := p.ropes[i]
	copy(p.ropes[i:], p.ropes[i+1:p.nropes])
	p.nropes--
	x := r.x
	freqs := e.ropeTable(r.spec)
	if freqs == nil {
		return
	}
	set, err := e.arena.set(e.k.rope, bind3(e.k.rope.Bind), x.bind(), vk.Bind(e.in.pos), freqs.Binding())
	e.fail(err)
	push := kernels.RopePush{HeadDim: uint32(r.spec.HeadDim), Heads: uint32(x.cols / r.spec.HeadDim), Tokens: uint32(x.rows),
		Dims: uint32(r.spec.Dims), Stride: uint32(x.stride)}
	e.op("rope", []*vk.Buffer{x.buf}, []*vk.Buffer{x.buf}, func(c *vk.Commands) error {
		e.k.rope.Record(c, set, push)
		return nil
	})
}

// fusedNorm records the pending Add whose sum is x together with the
// RMSNorm of x into out, and reports whether it could.
func (e *Engine) fusedNorm(x Act, w *vk.Buffer, eps float32, out Act) bool {
	p := &e.pend
	k := e.k.addNorm
	if !p.add || !p.addOut.same(x) || k == nil {
		return false
	}
	p.add = false
	a, b := p.addA, p.addB
	set, err := e.arena.set(k, bind5(k.Bind), a.bind(), b.bind(), vk.Bind(w), x.bind(), out.bind())
	e.fail(err)
	push := kernels.RMSNormPush{Cols: uint32(x.cols), Rows: uint32(x.rows), Eps: eps}
	e.op("add_rmsnorm", []*vk.Buffer{a.buf, b.buf}, []*vk.Buffer{x.buf, out.buf}, func(c *vk.Commands) error {
		k.Record(c, set, push)
		return nil
	})
	return true
}

// fusedStore records the pending Rope of k (and of q, the other pending
// rope with the same spec, if any) together with the KV store of k and v,
// and reports whether it could.
func (e *Engine) fusedStore(layer int, k, v Act) bool {
	p := &e.pend
	ks := e.k.ropeStore
	ki, qi := -1, -1
	for i := range p.nropes {
		if p.ropes[i].x.same(k) {
			ki = i
		}
	}
	if ks == nil || ki < 0 || v.same(k) || v.cols != k.cols || v.stride != k.stride {
		return false
	}
	spec := p.ropes[ki].spec
	if spec.NeoX != e.model.Config.RopeNeoX || spec.HeadDim != e.kv.Layout().HeadDim {
		return false // the fused kernel's rotation is fixed at build time
	}
	for i := range p.nropes {
		if i != ki && p.ropes[i].spec == spec && p.ropes[i].x.rows == k.rows && !p.ropes[i].x.same(v) {
			qi = i
		}
	}
	if qi < 0 {
		return false
	}
	q := p.ropes[qi].x
	p.nropes = 0 // both ropes are now recorded by this dispatch
	freqs := e.ropeTable(spec)
	if freqs == nil {
		return true
	}
	kp, vp := e.kv.K(layer), e.kv.V(layer)
	set, err := e.arena.set(ks, bind8(ks.Bind), q.bind(), k.bind(), v.bind(), vk.Bind(e.in.pos), vk.Bind(e.in.slots),
		kp.Binding(), vp.Binding(), freqs.Binding())
	e.fail(err)
	push := kernels.RopeKVStorePush{Rows: uint32(k.rows), QStride: uint32(q.stride), KVStride: uint32(k.stride),
		Dims: uint32(spec.Dims)}
	e.op("rope_kvstore", []*vk.Buffer{q.buf, k.buf, v.buf}, []*vk.Buffer{q.buf, k.buf, kp.Buffer, vp.Buffer},
		func(c *vk.Commands) error { return ks.Record(c, set, push) })
	return true
}

type set8 = func(a, b, c, d, e, f, g, h vk.Binding) (*vk.DescriptorSet, error)

func bind8(f set8) binder {
	return func(bs []vk.Binding) (*vk.DescriptorSet, error) {
		return f(bs[0], bs[1], bs[2], bs[3], bs[4], bs[5], bs[6], bs[7])
	}
}

// ropeTable returns the frequency table of spec's base and rotated dims,
// uploading it on first use (a model has one; the tables live until
// Close). After an error it returns nil and the step fails.
func (e *Engine) ropeTable(spec llama.RopeSpec) *kernels.RopeTable {
	for _, t := range e.k.ropeTables {
		if t.Base() == spec.Base && t.Dims() == spec.Dims {
			return t
		}
	}
	t, err := kernels.NewRopeTable(e.dev, spec.Base, spec.Dims)
	if err != nil {
		e.fail(fmt.Errorf("engine: %w", err))
		return nil
	}
	e.k.ropeTables = append(e.k.ropeTables, t)
	return t
}
