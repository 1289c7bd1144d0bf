package engine

import (
	"fmt"
	"slices"
)

// shape is what a step's recorded command buffer depends on besides the
// contents of the step input buffers: steps of equal shape record the same
// commands (same dispatches, push constants, copies and descriptor sets),
// so the engine records once and resubmits. Positions, slots, block tables
// and embedding rows live in host-visible buffers the kernels read, so
// they may differ between replayed steps.
type shape struct {
	rows      int         // token rows
	attn      []attnRange // attention dispatches: kernel, rows, split-K chunks (grow with the context)
	logitRows []int       // rows Gather keeps, in order
	topK      int         // candidates the GPU selects per logit row; 0 reads back logits
	arenaGen  int         // activation buffers the recording names
}

// recorded is the shape of the command buffer in e.cmd, when it holds a
// complete, successfully submitted recording.
type recorded struct {
	valid bool
	shape
}

func (r *recorded) matches(s *shape) bool {
	return r.valid && r.rows == s.rows && r.topK == s.topK && r.arenaGen == s.arenaGen &&
		slices.Equal(r.attn, s.attn) && slices.Equal(r.logitRows, s.logitRows)
}

// keep remembers s as the recorded shape, reusing its slice.
func (r *recorded) keep(s *shape) {
	r.valid = true
	r.rows, r.topK, r.arenaGen = s.rows, s.topK, s.arenaGen
	r.attn = append(r.attn[:0], s.attn...)
	r.logitRows = append(r.logitRows[:0], s.logitRows...)
}

// startRecording decides whether this step replays the recorded command
// buffer; if not, it begins a new, reusable recording.
func (e *Engine) startRecording() error {
	e.cur.arenaGen = e.arena.gen
	e.replay = !e.opt.NoReuse && e.rec.matches(&e.cur)
	if e.replay {
		e.replays++
		return nil
	}
	e.rec.valid = false
	if err := e.cmd.BeginReusable(); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	e.records++
	if e.prof != nil {
		e.prof.begin(e.cmd)
	}
	return nil
}

// submit ends the recording (unless replaying), submits and waits.
func (e *Engine) submit() error {
	if e.replay && e.arena.gen != e.rec.arenaGen {
		// A replayed step made the same requests as the recorded one, so
		// it cannot have grown the arena: a broken invariant.
		panic("engine: replayed step allocated activation buffers")
	}
	if !e.replay {
		if e.prof != nil {
			e.prof.end(e.cmd)
		}
		endErr := e.cmd.End()
		if e.err != nil {
			return e.err
		}
		if endErr != nil {
			return fmt.Errorf("engine: %w", endErr)
		}
	}
	if err := e.dev.SubmitWait(e.cmd); err != nil {
		e.rec.valid = false
		return fmt.Errorf("engine: step: %w", err)
	}
	if !e.replay {
		e.cur.arenaGen = e.arena.gen
		e.rec.keep(&e.cur)
	}
	if e.prof != nil {
		return e.prof.collect()
	}
	return nil
}

// Recordings reports how many steps recorded their command buffer and how
// many replayed a recorded one, since New.
func (e *Engine) Recordings() (recorded, replayed int) { return e.records, e.replays }

// recording reports whether ops should record commands: not after an
// error and not when the step replays a recorded command buffer.
func (e *Engine) recording() bool { return e.err == nil && !e.replay }
