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
	if e.err != nil || x.rows == 0 { // a step without logit rows stops after Gather
		return out
	}
	wb := e.weights[w.ID].parts[0].buf
	set, err := e.arena.set(e.k.rmsnorm, bind3(e.k.rmsnorm.Bind), x.bind(), vk.Bind(wb), out.bind())
	e.fail(err)
	e.op("rmsnorm", []*vk.Buffer{x.buf}, []*vk.Buffer{out.buf}, func(c *vk.Commands) error {
		e.k.rmsnorm.Record(c, set, kernels.RMSNormPush{Cols: uint32(x.cols), Rows: uint32(x.rows), Eps: eps})
		return nil
	})
	return out
}

// MatMul returns x · wᵀ, one dispatch per row part of w.
func (e *Engine) MatMul(x Act, w *llama.Tensor) Act {
	out := e.alloc(x.rows, w.Rows)
	if e.err != nil || x.rows == 0 {
		return out
	}
	wt := e.weights[w.ID]
	for _, p := range wt.parts {
		y := vk.BindRange(out.buf, uint64(4*p.row0), out.buf.Size()-uint64(4*p.row0))
		set, err := e.arena.set(wt.matvec, bind3(wt.matvec.Bind), vk.Bind(p.buf), x.bind(), y)
		e.fail(err)
		push := kernels.MatVecPush{Rows: uint32(p.rows), Cols: uint32(w.Cols), XStride: uint32(x.cols),
			YStride: uint32(w.Rows), N: uint32(x.rows)}
		e.op(wt.op, []*vk.Buffer{x.buf}, []*vk.Buffer{out.buf}, func(c *vk.Commands) error {
			return wt.matvec.Record(c, set, push)
		})
	}
	return out
}

// Rope rotates every head of x in place by its row's position.
func (e *Engine) Rope(x Act, r llama.RopeSpec) Act {
	if e.err != nil {
		return x
	}
	set, err := e.arena.set(e.k.rope, bind2(e.k.rope.Bind), x.bind(), vk.Bind(e.in.pos))
	e.fail(err)
	push := kernels.RopePush{HeadDim: uint32(r.HeadDim), Heads: uint32(x.cols / r.HeadDim), Tokens: uint32(x.rows),
		Dims: uint32(r.Dims), Base: r.Base}
	e.op("rope", []*vk.Buffer{x.buf}, []*vk.Buffer{x.buf}, func(c *vk.Commands) error {
		e.k.rope.Record(c, set, push)
		return nil
	})
	return x
}

// SwiGLU returns silu(gate) * up.
func (e *Engine) SwiGLU(gate, up Act) Act { return e.binary("swiglu", e.k.swiglu, gate, up) }

// Add returns a + b.
func (e *Engine) Add(a, b Act) Act { return e.binary("add", e.k.add, a, b) }

func (e *Engine) binary(name string, k *kernels.Binary, a, b Act) Act {
	out := e.alloc(a.rows, a.cols)
	if e.err != nil {
		return out
	}
	set, err := e.arena.set(k, bind3(k.Bind), a.bind(), b.bind(), out.bind())
	e.fail(err)
	e.op(name, []*vk.Buffer{a.buf, b.buf}, []*vk.Buffer{out.buf}, func(c *vk.Commands) error {
		k.Record(c, set, kernels.ElementwisePush{N: uint32(a.rows * a.cols)})
		return nil
	})
	return out
}

// Gather copies the rows that need logits, in batch order, one copy per
// run of consecutive rows.
func (e *Engine) Gather(x Act) Act {
	out := e.alloc(len(e.logitRows), x.cols)
	if e.err != nil || out.rows == 0 {
		return out
	}
	rowBytes := uint64(4 * x.cols)
	e.op("gather", []*vk.Buffer{x.buf}, []*vk.Buffer{out.buf}, func(c *vk.Commands) error {
		rows := e.logitRows
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
// command buffer, waits, and returns a copy of the logits. After an error
// in any op nothing is submitted and that error is returned.
func (e *Engine) Finish(logits Act) ([]float32, error) {
	e.batch = nil
	n := logits.rows * logits.cols
	if n > 0 {
		e.op("readback", []*vk.Buffer{logits.buf}, nil, func(c *vk.Commands) error {
			c.Copy(logits.buf, 0, e.in.logits, 0, uint64(4*n))
			return nil
		})
	}
	if e.prof != nil {
		e.prof.end(e.cmd)
	}
	endErr := e.cmd.End()
	if e.err != nil {
		return nil, e.err
	}
	if endErr != nil {
		return nil, fmt.Errorf("engine: %w", endErr)
	}
	if err := e.dev.SubmitWait(e.cmd); err != nil {
		return nil, fmt.Errorf("engine: step: %w", err)
	}
	if e.prof != nil {
		if err := e.prof.collect(); err != nil {
			return nil, err
		}
	}
	return append([]float32(nil), bytesF32(e.in.logits.Mapped())[:n]...), nil
}
