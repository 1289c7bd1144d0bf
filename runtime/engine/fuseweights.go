package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/runtime/kernels"
	"github.com/vkllm/vkllm/runtime/vk"
)

// fusedMatrix is one device matrix holding the rows of several tensors of
// a layer: Q, K and V back to back (one product, its output viewed as the
// three), or gate and up interleaved by row (one pair product that applies
// SwiGLU before storing). Each decode step then records four dispatches
// fewer per layer, which on lavapipe cost 20-100 µs each.
type fusedMatrix struct {
	w       *weight
	members []*llama.Tensor
}

// uploadFused uploads each layer's Q, K and V as one matrix, and its gate
// and up as one pair matrix, where the members share a type and width and
// the whole fits one part, and makes the members' weights views of it (so
// MatMul of one member still works and nothing is uploaded twice). Other
// layers' tensors are left to the plain upload. Options.NoFuse fuses none.
func (e *Engine) uploadFused() error {
	if e.opt.NoFuse {
		return nil
	}
	e.fused = map[*llama.Tensor]*fusedMatrix{}
	for l := range e.model.Weights.Layers {
		w := &e.model.Weights.Layers[l]
		if err := e.fuseQKV(l, w.Q, w.K, w.V); err != nil {
			return err
		}
		if err := e.fusePair(l, w.Gate, w.Up); err != nil {
			return err
		}
	}
	return nil
}

// fusable reports whether ts are matrices of one type and width whose
// rows the product kernels read, and returns their row bytes.
func fusable(ts ...*llama.Tensor) (int, bool) {
	t0 := ts[0]
	for _, t := range ts {
		if t == nil || t.Rows < 2 || t.Type != t0.Type || t.Cols != t0.Cols {
			return 0, false
		}
	}
	if t0.Cols%int(kernels.ColAlign(t0.Type)) != 0 {
		return 0, false // the plain upload reports it
	}
	rb, err := t0.Type.RowBytes(t0.Cols)
	return rb, err == nil
}

// fuseQKV uploads q, k and v as one matrix when fusable and each member
// can be bound on its own (aligned).
func (e *Engine) fuseQKV(l int, q, k, v *llama.Tensor) error {
	rb, ok := fusable(q, k, v)
	rows := q.Rows + k.Rows + v.Rows
	if !ok || rows > e.partRows(rb) || !e.aligned(q.Rows, rb) || !e.aligned(q.Rows+k.Rows, rb) {
		return nil
	}
	t := &llama.Tensor{Name: fmt.Sprintf("blk.%d.attn_qkv", l), Type: q.Type, Rows: rows, Cols: q.Cols,
		Data: slices.Concat(q.Data[:q.Rows*rb], k.Data[:k.Rows*rb], v.Data[:v.Rows*rb])}
	w, err := e.upload(t)
	if err != nil {
		return err
	}
	op := w.op
	w.op = strings.Replace(op, "matvec_", "matvec_qkv_", 1)
	e.fused[q] = &fusedMatrix{w: w, members: []*llama.Tensor{q, k, v}}
	r0 := 0
	for _, m := range []*llama.Tensor{q, k, v} {
		p := weightPart{buf: w.parts[0].buf, off: uint64(r0 * rb), rows: m.Rows}
		e.weights[m.ID] = &weight{t: m, matvec: w.matvec, op: op, parts: []weightPart{p}, shared: true}
		r0 += m.Rows
	}
	return nil
}

// aligned reports whether a member starting at row r of rb bytes can be
// bound on its own: its byte offset in the weights and, as a column offset
// of the product, in the output are multiples of the storage-buffer offset
// alignment.
func (e *Engine) aligned(r, rb int) bool {
	a := e.dev.Limits().MinStorageBufferOffsetAlignment
	return uint64(r*rb)%a == 0 && uint64(4*r)%a == 0
}

// fusePair uploads gate and up interleaved by row (g0, u0, g1, u1, ...)
// for the pair product when fusable and the device runs it.
func (e *Engine) fusePair(l int, gate, up *llama.Tensor) error {
	rb, ok := fusable(gate, up)
	if !ok || gate.Rows != up.Rows || 2*gate.Rows > e.partRows(rb) {
		return nil
	}
	mv, err := e.gluFor(gate)
	if errors.Is(err, vk.ErrUnsupported) {
		return nil // e.g. subgroups too narrow for pairs: separate products
	}
	if err != nil {
		return err
	}
	t := &llama.Tensor{Name: fmt.Sprintf("blk.%d.ffn_gate_up", l), Type: gate.Type, Rows: 2 * gate.Rows, Cols: gate.Cols,
		Data: kernels.InterleaveRows(gate.Data[:gate.Rows*rb], up.Data[:up.Rows*rb], rb)}
	w := &weight{t: t, matvec: mv, op: "matvec_glu_" + strings.ToLower(t.Type.String()), pair: true}
	if err := e.uploadParts(w); err != nil {
		w.close()
		return err
	}
	e.fused[gate] = &fusedMatrix{w: w, members: []*llama.Tensor{gate, up}}
	for m, out := range map[*llama.Tensor]kernels.GLUOut{gate: kernels.GLUGate, up: kernels.GLUUp} {
		e.weights[m.ID] = &weight{t: m, matvec: mv, op: w.op, parts: w.parts, shared: true, pair: true, out: out}
	}
	return nil
}

// gluFor returns the pair product kernel for t's type, building it on
// first use.
func (e *Engine) gluFor(t *llama.Tensor) (*kernels.MatVec, error) {
	key := t.Type.String()
	if mv, ok := e.k.glu[key]; ok {
		return mv, nil
	}
	mv, err := kernels.NewMatVecGLU(e.dev, t.Type, "")
	if err != nil {
		return nil, fmt.Errorf("engine: tensor %s (%v) pairs: %w", t.Name, t.Type, err)
	}
	e.k.glu[key] = mv
	if err := mv.Prepare(kernels.MaxBatch); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	return mv, nil
}

// fusedWith returns the fused matrix whose members are exactly ts, if any.
func (e *Engine) fusedWith(ts ...*llama.Tensor) *fusedMatrix {
	f := e.fused[ts[0]]
	if f == nil || !slices.Equal(f.members, ts) {
		return nil
	}
	return f
}

// MatMulQKV returns x·qᵀ, x·kᵀ and x·vᵀ: with Q, K and V fused, one
// product into a [n][q+k+v] activation and three views of it (for n > 1
// their rows are strided, which the ops that consume them take), else
// three products.
func (e *Engine) MatMulQKV(x Act, q, k, v *llama.Tensor) (Act, Act, Act) {
	f := e.fusedWith(q, k, v)
	if f == nil {
		return e.MatMul(x, q), e.MatMul(x, k), e.MatMul(x, v)
	}
	out := e.alloc(x.rows, f.w.t.Rows)
	e.product(x, f.w, out)
	return out.view(0, q.Rows), out.view(q.Rows, k.Rows), out.view(q.Rows+k.Rows, v.Rows)
}

// MatMulSwiGLU returns silu(x·gateᵀ) ⊙ (x·upᵀ): with gate and up fused,
// one pair product, else two products and the SwiGLU kernel.
func (e *Engine) MatMulSwiGLU(x Act, gate, up *llama.Tensor) Act {
	f := e.fusedWith(gate, up)
	if f == nil {
		return e.swiglu(e.MatMul(x, gate), e.MatMul(x, up))
	}
	out := e.alloc(x.rows, gate.Rows)
	e.product(x, f.w, out)
	return out
}
