package engine

import (
	"fmt"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/runtime/vk"
)

// stepInputs are the small host-visible buffers a step reads: written by
// the host in Begin and Embed, read by the kernels; and the readback
// buffer Finish copies the logits into.
type stepInputs struct {
	pos    *vk.Buffer // int32 [MaxRows]: each row's position (rope)
	slots  *vk.Buffer // int32 [MaxRows]: flat KV slot block×B + offset of each row (KV store)
	meta   *vk.Buffer // int32: attention rows as kernels.AttnMeta lays them out
	embed  *vk.Buffer // float32 [MaxRows][dim]: the step's embedding rows
	logits *vk.Buffer // float32 [MaxRows][vocab]: readback
}

// alloc sizes the buffers for maxRows rows of m with KV layout l; meta
// headers are placed at multiples of align int32s.
func (in *stepInputs) alloc(dev *vk.Device, maxRows int, m *llama.Model, l cache.Layout, align int) error {
	perSeq := (m.Config.Context + l.BlockSize - 1) / l.BlockSize
	sizes := []struct {
		dst *(*vk.Buffer)
		n   int
	}{
		{&in.pos, maxRows}, {&in.slots, maxRows},
		{&in.meta, metaInts(maxRows, perSeq, align)}, {&in.embed, maxRows * m.Config.Dim},
		{&in.logits, maxRows * m.Config.Vocab},
	}
	for _, s := range sizes {
		b, err := dev.NewBuffer(4*uint64(s.n), vk.HostVisible)
		if err != nil {
			return fmt.Errorf("engine: step buffer of %d values: %w", s.n, err)
		}
		*s.dst = b
	}
	return nil
}

func (in *stepInputs) close() {
	for _, b := range []**vk.Buffer{&in.pos, &in.slots, &in.meta, &in.embed, &in.logits} {
		if *b != nil {
			(*b).Close()
			*b = nil
		}
	}
}

// Begin checks the batch against the engine, writes the step's inputs and
// starts recording its command buffer.
func (e *Engine) Begin(b *llama.Batch) error {
	if err := e.writeInputs(b); err != nil {
		return err
	}
	e.err = nil
	e.arena.reset()
	e.dirty, e.read = e.dirty[:0], e.read[:0]
	e.pend = pending{}
	return e.startRecording()
}

// writeInputs fills positions, slots, the attention meta buffer and the
// logit rows. The meta buffer holds, for each attention range (see
// planAttention), a header of (position, table offset) per row, then each
// sequence's block table once; a row's table offset is relative to its
// range's header, where its dispatch binds the buffer.
func (e *Engine) writeInputs(b *llama.Batch) error {
	l := e.kv.Layout()
	if b.BlockSize != l.BlockSize {
		return fmt.Errorf("engine: batch block size %d, KV pool has %d", b.BlockSize, l.BlockSize)
	}
	rows := b.Rows()
	if rows == 0 || rows > e.opt.MaxRows {
		return fmt.Errorf("engine: step of %d rows outside [1, %d]", rows, e.opt.MaxRows)
	}
	var t int
	e.cur.attn, t = e.planAttention(b, e.cur.attn)
	pos, slots, meta := bytesI32(e.in.pos.Mapped()), bytesI32(e.in.slots.Mapped()), bytesI32(e.in.meta.Mapped())
	nb := cache.BlockID(e.kv.NumBlocks())
	e.cur.logitRows = e.cur.logitRows[:0]
	r, g := 0, 0
	for _, s := range b.Seqs {
		if t+len(s.Blocks) > len(meta) {
			return fmt.Errorf("engine: step block tables exceed %d entries", len(meta)-t)
		}
		off := t
		for _, id := range s.Blocks {
			if id <= cache.NullBlock || id >= nb {
				return fmt.Errorf("engine: block id %d outside the pool [1, %d)", id, nb)
			}
			meta[t] = int32(id)
			t++
		}
		for _, o := range s.Logits {
			e.cur.logitRows = append(e.cur.logitRows, r+o)
		}
		for i := range s.Tokens {
			p := s.Start + i
			g = rangeOf(e.cur.attn, g, r)
			h := e.cur.attn[g].meta + 2*(r-e.cur.attn[g].r0)
			pos[r], meta[h], meta[h+1] = int32(p), int32(p), int32(off-e.cur.attn[g].meta)
			slots[r] = int32(s.Blocks[p/l.BlockSize])*int32(l.BlockSize) + int32(p%l.BlockSize)
			r++
		}
	}
	e.rows, e.batch = rows, b
	e.cur.rows = rows
	e.cur.topK = e.wantTopK
	return nil
}
