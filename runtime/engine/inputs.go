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
	pos      *vk.Buffer // int32 [MaxRows]: each row's position
	slots    *vk.Buffer // int32 [MaxRows]: flat KV slot block×B + offset of each row
	rowTable *vk.Buffer // int32 [MaxRows]: offset of each row's block table in tables
	tables   *vk.Buffer // int32 [MaxRows × blocks per sequence]: block tables, concatenated
	embed    *vk.Buffer // float32 [MaxRows][dim]: the step's embedding rows
	logits   *vk.Buffer // float32 [MaxRows][vocab]: readback
}

// alloc sizes the buffers for maxRows rows of m with KV layout l.
func (in *stepInputs) alloc(dev *vk.Device, maxRows int, m *llama.Model, l cache.Layout) error {
	perSeq := (m.Config.Context + l.BlockSize - 1) / l.BlockSize
	sizes := []struct {
		dst *(*vk.Buffer)
		n   int
	}{
		{&in.pos, maxRows}, {&in.slots, maxRows}, {&in.rowTable, maxRows},
		{&in.tables, maxRows * perSeq}, {&in.embed, maxRows * m.Config.Dim},
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
	for _, b := range []**vk.Buffer{&in.pos, &in.slots, &in.rowTable, &in.tables, &in.embed, &in.logits} {
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
	e.dirty = e.dirty[:0]
	if err := e.cmd.Begin(); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	if e.prof != nil {
		e.prof.begin(e.cmd)
	}
	return nil
}

// writeInputs fills positions, slots, block tables and the logit rows.
func (e *Engine) writeInputs(b *llama.Batch) error {
	l := e.kv.Layout()
	if b.BlockSize != l.BlockSize {
		return fmt.Errorf("engine: batch block size %d, KV pool has %d", b.BlockSize, l.BlockSize)
	}
	rows := b.Rows()
	if rows == 0 || rows > e.opt.MaxRows {
		return fmt.Errorf("engine: step of %d rows outside [1, %d]", rows, e.opt.MaxRows)
	}
	pos, slots := bytesI32(e.in.pos.Mapped()), bytesI32(e.in.slots.Mapped())
	rowTable, tables := bytesI32(e.in.rowTable.Mapped()), bytesI32(e.in.tables.Mapped())
	nb := cache.BlockID(e.kv.NumBlocks())
	e.logitRows = e.logitRows[:0]
	r, t := 0, 0
	for _, s := range b.Seqs {
		if t+len(s.Blocks) > len(tables) {
			return fmt.Errorf("engine: step block tables of over %d entries", len(tables))
		}
		for _, id := range s.Blocks {
			if id <= cache.NullBlock || id >= nb {
				return fmt.Errorf("engine: block id %d outside the pool [1, %d)", id, nb)
			}
			tables[t] = int32(id)
			t++
		}
		for _, o := range s.Logits {
			e.logitRows = append(e.logitRows, r+o)
		}
		for i := range s.Tokens {
			p := s.Start + i
			pos[r], rowTable[r] = int32(p), int32(t-len(s.Blocks))
			slots[r] = int32(s.Blocks[p/l.BlockSize])*int32(l.BlockSize) + int32(p%l.BlockSize)
			r++
		}
	}
	e.rows, e.batch = rows, b
	return nil
}
