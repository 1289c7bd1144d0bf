package engine

import (
	"fmt"

	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/runtime/kernels"
	"github.com/vkllm/vkllm/runtime/vk"
)

// op records one operation: a barrier first if it reads or writes a buffer
// written since the last one, or writes one read since then (always, when
// profiling); then rec; then it notes the buffers it read and wrote. name labels the op in the profile.
func (e *Engine) op(name string, reads, writes []*vk.Buffer, rec func(c *vk.Commands) error) {
	if e.err != nil {
		return
	}
	if e.prof != nil || hazard(e.dirty, reads) || hazard(e.dirty, writes) || hazard(e.read, writes) {
		e.cmd.Barrier()
		e.dirty, e.read = e.dirty[:0], e.read[:0]
	}
	if err := rec(e.cmd); err != nil {
		e.fail(fmt.Errorf("engine: %s: %w", name, err))
		return
	}
	e.dirty = append(e.dirty, writes...)
	e.read = append(e.read, reads...)
	if e.prof != nil {
		e.prof.mark(e.cmd, name)
	}
}

// needDense reports whether every one of acts is dense; otherwise it
// fails the step: op sees its input as one vector, which a strided view
// (Q, K or V of a fused product, rows > 1) is not.
func (e *Engine) needDense(op string, acts ...Act) bool {
	for _, a := range acts {
		if !a.dense() {
			e.fail(fmt.Errorf("engine: %s of a %d-row view with stride %d: %w", op, a.rows, a.stride, ErrUnsupported))
			return false
		}
	}
	return true
}

// hazard reports whether any of bufs is in since (the buffers written, or
// read, since the last barrier).
func hazard(since, bufs []*vk.Buffer) bool {
	for _, b := range bufs {
		for _, d := range since {
			if b == d {
				return true
			}
		}
	}
	return false
}

// Embed dequantizes the step's token rows of w on the host into the
// embedding input buffer and copies them into an activation.
func (e *Engine) Embed(w *llama.Tensor) Act {
	out := e.alloc(e.rows, w.Cols)
	if e.err != nil {
		return out
	}
	dst := bytesF32(e.in.embed.Mapped())
	rb, _ := w.Type.RowBytes(w.Cols)
	r := 0
	for _, s := range e.batch.Seqs {
		for _, tok := range s.Tokens {
			row := w.Data[int(tok)*rb : (int(tok)+1)*rb]
			if err := quant.Dequantize(w.Type, row, dst[r*w.Cols:(r+1)*w.Cols]); err != nil {
				e.fail(fmt.Errorf("engine: embedding %s: %w", w.Name, err))
				return out
			}
			r++
		}
	}
	if !e.recording() {
		return out
	}
	size := uint64(4 * e.rows * w.Cols)
	e.op("embed", nil, []*vk.Buffer{out.buf}, func(c *vk.Commands) error {
		c.Copy(e.in.embed, 0, out.buf, 0, size)
		return nil
	})
	return out
}

// RMSNorm normalises each row of x and scales it by w.
func (e *Engine) RMSNorm(x Act, w *llama.Tensor, eps float32) Act {
	out := e.alloc(x.rows, x.cols)
	if !e.recording() || x.rows == 0 || !e.needDense("rmsnorm", x) { // a step without logit rows stops after Gather
		return out
	}
	wb := e.weights[w.ID].parts[0].buf
	if e.fusedNorm(x, wb, eps, out) {
		return out
	}
	e.flushFor(x)
	set, err := e.arena.set(e.k.rmsnorm, bind3(e.k.rmsnorm.Bind), x.bind(), vk.Bind(wb), out.bind())
	e.fail(err)
	e.op("rmsnorm", []*vk.Buffer{x.buf}, []*vk.Buffer{out.buf}, func(c *vk.Commands) error {
		e.k.rmsnorm.Record(c, set, kernels.RMSNormPush{Cols: uint32(x.cols), Rows: uint32(x.rows), Eps: eps})
		return nil
	})
	return out
}

// MatMul returns x · wᵀ.
func (e *Engine) MatMul(x Act, w *llama.Tensor) Act {
	out := e.alloc(x.rows, w.Rows)
	e.product(x, e.weights[w.ID], out)
	return out
}

// product records x · wtᵀ into out, one dispatch per row part of wt.
func (e *Engine) product(x Act, wt *weight, out Act) {
	if !e.recording() || x.rows == 0 {
		return
	}
	e.flushFor(x)
	for _, p := range wt.parts {
		y := out.bindAt(p.row0 / wt.rowsPerValue())
		set, err := e.arena.set(wt.matvec, bind3(wt.matvec.Bind), vk.BindRange(p.buf, p.off, p.buf.Size()-p.off), x.bind(), y)
		e.fail(err)
		push := kernels.MatVecPush{Rows: uint32(p.rows), Cols: uint32(wt.t.Cols), XStride: uint32(x.stride),
			YStride: uint32(out.stride), N: uint32(x.rows)}
		e.op(wt.op, []*vk.Buffer{x.buf}, []*vk.Buffer{out.buf}, func(c *vk.Commands) error {
			return wt.matvec.RecordGLU(c, set, push, wt.out)
		})
	}
}

// Rope rotates every head of x in place by its row's position. The
// rotation is deferred: StoreKV fuses the rotations of Q and K with the
// store; any other use of x records it on its own first.
func (e *Engine) Rope(x Act, r llama.RopeSpec) Act {
	if !e.recording() {
		return x
	}
	e.flushFor(x)
	if e.opt.NoFuse {
		e.pend.ropes[0], e.pend.nropes = pendingRope{x: x, spec: r}, 1
		e.recordRope(0)
		return x
	}
	if e.pend.nropes == len(e.pend.ropes) {
		e.recordRope(0)
	}
	e.pend.ropes[e.pend.nropes] = pendingRope{x: x, spec: r}
	e.pend.nropes++
	return x
}

// swiglu returns silu(gate) * up.
func (e *Engine) swiglu(gate, up Act) Act {
	out := e.alloc(gate.rows, gate.cols)
	if e.recording() {
		e.flushFor(gate, up)
		e.recordBinary("swiglu", e.k.swiglu, gate, up, out)
	}
	return out
}

// Add returns a + b. The add is deferred so that the RMSNorm of its sum
// (the next block's pre-norm) fuses with it.
func (e *Engine) Add(a, b Act) Act {
	out := e.alloc(a.rows, a.cols)
	if !e.recording() || !e.needDense("add", a, b) {
		return out
	}
	e.flushFor(a, b)
	e.pend.add, e.pend.addA, e.pend.addB, e.pend.addOut = true, a, b, out
	if e.opt.NoFuse {
		e.recordAdd()
	}
	return out
}

func (e *Engine) recordBinary(name string, k *kernels.Binary, a, b, out Act) {
	if !e.needDense(name, a, b) {
		return
	}
	set, err := e.arena.set(k, bind3(k.Bind), a.bind(), b.bind(), out.bind())
	e.fail(err)
	e.op(name, []*vk.Buffer{a.buf, b.buf}, []*vk.Buffer{out.buf}, func(c *vk.Commands) error {
		k.Record(c, set, kernels.ElementwisePush{N: uint32(a.rows * a.cols)})
		return nil
	})
}

// Gather copies the rows that need logits, in batch order, one copy per
// run of consecutive rows.
func (e *Engine) Gather(x Act) Act {
	out := e.alloc(len(e.cur.logitRows), x.cols)
	if !e.recording() || !e.needDense("gather", x) {
		return out
	}
	e.flushAll() // the last block's residual add
	if out.rows == 0 {
		return out
	}
	rowBytes := uint64(4 * x.cols)
	e.op("gather", []*vk.Buffer{x.buf}, []*vk.Buffer{out.buf}, func(c *vk.Commands) error {
		rows := e.cur.logitRows
		for i := 0; i < len(rows); {
			j := i + 1
			for j < len(rows) && rows[j] == rows[j-1]+1 {
				j++
			}
			c.Copy(x.buf, uint64(rows[i])*rowBytes, out.buf, uint64(i)*rowBytes, uint64(j-i)*rowBytes)
			i = j
		}
		return nil
	})
	return out
}

// Finish copies the logits to the readback buffer, submits the step's
// command buffer (or resubmits the recorded one), waits, and returns a
// copy of the logits. After an error in any op nothing is submitted and
// that error is returned.
func (e *Engine) Finish(logits Act) ([]float32, error) {
	e.batch = nil
	n := logits.rows * logits.cols
	if e.recording() {
		e.flushAll()
		e.recordResult(logits)
	}
	if err := e.submit(); err != nil {
		return nil, err
	}
	if e.cur.topK > 0 {
		return nil, e.readTop(logits.rows)
	}
	return append([]float32(nil), bytesF32(e.in.logits.Mapped())[:n]...), nil
}

// recordResult records the logits' way back: the top-k selection when the
// step samples on the GPU, else a copy into the readback buffer.
func (e *Engine) recordResult(logits Act) {
	n := logits.rows * logits.cols
	if n == 0 {
		return
	}
	if e.cur.topK > 0 {
		e.recordTop(logits)
		return
	}
	e.op("readback", []*vk.Buffer{logits.buf}, nil, func(c *vk.Commands) error {
		c.Copy(logits.buf, 0, e.in.logits, 0, uint64(4*n))
		return nil
	})
}
