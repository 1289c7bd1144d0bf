package runner

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/models/tokenizer"
	"github.com/vkllm/vkllm/runtime/sample"
	"github.com/vkllm/vkllm/runtime/sched"
)

// request is a submitted request's loop-side state. After Submit only the
// loop goroutine touches it (stream excepted, which has its own lock).
type request struct {
	id        sched.SeqID // 0 until the loop adds it to the scheduler
	stream    *Stream
	smp       *sample.Sampler
	dec       *tokenizer.Decoder // nil without a tokenizer
	stop      *stopper
	history   []int32 // prompt, then generated tokens: the sampler's history
	prompt    int
	maxTokens int
	submitted time.Time
	ttft      time.Duration
	res       Result // usage so far
	ended     bool
	stopWatch func() bool // stops the ctx.AfterFunc
}

// loop is the serving loop; it exits after Close once every request ended.
func (r *Runner) loop() {
	defer close(r.exited)
	for {
		if closing := r.intake(); closing {
			r.shutdown()
			return
		}
		plan := r.sched.Schedule()
		if len(plan.Seqs) == 0 {
			r.publishStats(0, 0)
			<-r.wake
			continue
		}
		for _, id := range plan.Preempted {
			r.live[id].res.Preemptions++
		}
		t0 := time.Now()
		sampled, errs := r.run(plan)
		r.failSeqs(plan, errs)
		outs := r.sched.Update(plan, sampled)
		// Publish before delivering: a caller that has received its last
		// token must find its sequence finished in Stats. Deliveries can
		// still end sequences (stop strings), so publish once more after.
		r.publishStats(len(outs), time.Since(t0))
		for _, o := range outs {
			r.deliver(o)
		}
		r.publishStats(0, 0)
	}
}

// intake moves the inbox into the scheduler: new requests, cancellations,
// then calls. It reports whether the runner is closing.
func (r *Runner) intake() bool {
	r.mu.Lock()
	in, closing := r.inbox, r.closing
	r.inbox = inbox{}
	r.mu.Unlock()
	for _, rq := range in.submitted {
		if rq.ended {
			continue
		}
		id, err := r.sched.Add(rq.history, rq.maxTokens)
		if err != nil { // Submit checked Fits; this is a broken invariant
			r.end(rq, FinishError, err)
			continue
		}
		rq.id = id
		r.live[id] = rq
	}
	for _, rq := range in.cancelled {
		if !rq.ended {
			r.sched.Abort(rq.id)
			r.end(rq, FinishCancelled, nil)
		}
	}
	for _, f := range in.calls {
		f()
	}
	return closing
}

// shutdown ends every live request and runs calls that raced with Close.
func (r *Runner) shutdown() {
	for _, rq := range r.live {
		r.sched.Abort(rq.id)
		r.end(rq, FinishCancelled, nil)
	}
	r.publishStats(0, 0)
	r.mu.Lock()
	calls := r.inbox.calls
	r.inbox = inbox{}
	r.mu.Unlock()
	for _, f := range calls {
		f()
	}
}

// run computes the plan's step and samples a token for each sequence that
// needs one; sampled[i] belongs to plan.Seqs[i]. When the step fails it
// retries each sequence alone (rewriting the same cache slots), so one bad
// sequence fails alone: errs[i] is set for the sequences that failed.
func (r *Runner) run(plan *sched.Plan) (sampled []int32, errs []error) {
	b := r.toBatch(plan)
	sampled, errs = make([]int32, len(plan.Seqs)), make([]error, len(plan.Seqs))
	err := r.stepSampled(b, plan.Seqs, sampled)
	if err == nil {
		return sampled, errs
	}
	if len(b.Seqs) == 1 {
		errs[0] = err
		return sampled, errs
	}
	for i := range b.Seqs {
		one := llama.Batch{Seqs: b.Seqs[i : i+1], BlockSize: b.BlockSize}
		errs[i] = r.stepSampled(&one, plan.Seqs[i:i+1], sampled[i:i+1])
	}
	return sampled, errs
}

// stepChecked runs one step and checks the size of its result.
func (r *Runner) stepChecked(b *llama.Batch) ([]float32, error) {
	logits, err := r.step.Step(b)
	if err == nil && len(logits) != b.LogitRows()*r.model.Config.Vocab {
		err = fmt.Errorf("runner: step returned %d logits for %d rows of %d", len(logits), b.LogitRows(), r.model.Config.Vocab)
	}
	return logits, err
}

// sampleRows samples each sampling sequence from its logit row, in order.
func (r *Runner) sampleRows(seqs []sched.Scheduled, logits []float32, sampled []int32) {
	vocab, row := r.model.Config.Vocab, 0
	for i, e := range seqs {
		if e.Sample {
			rq := r.live[e.ID]
			sampled[i] = rq.smp.Sample(logits[row*vocab:(row+1)*vocab], rq.history)
			row++
		}
	}
}

// toBatch converts a plan to the forward pass's batch, reusing its slices.
func (r *Runner) toBatch(plan *sched.Plan) *llama.Batch {
	b := &r.batch
	b.BlockSize = plan.BlockSize
	b.Seqs = b.Seqs[:0]
	// One slab for every sequence's logit row; sized first so the
	// sub-slices handed out never move.
	r.rows = slices.Grow(r.rows[:0], len(plan.Seqs))
	for _, e := range plan.Seqs {
		s := llama.Seq{Tokens: e.Tokens, Start: e.Start, Blocks: e.Blocks}
		if e.Sample {
			r.rows = append(r.rows, len(e.Tokens)-1)
			s.Logits = r.rows[len(r.rows)-1:]
		}
		b.Seqs = append(b.Seqs, s)
	}
	return b
}

// failSeqs ends the requests whose step failed; the others keep going.
func (r *Runner) failSeqs(plan *sched.Plan, errs []error) {
	for i, e := range plan.Seqs {
		if rq := r.live[e.ID]; rq != nil && errs[i] != nil {
			r.sched.Abort(e.ID)
			r.end(rq, FinishError, fmt.Errorf("runner: step %d: %w", plan.Step, errs[i]))
		}
	}
}

// deliver streams one sampled token and ends the request when the
// scheduler finished it or a stop string matched.
func (r *Runner) deliver(o sched.Output) {
	rq := r.live[o.ID]
	if rq.ttft == 0 {
		rq.ttft = time.Since(rq.submitted)
	}
	rq.res.CachedPromptTokens, rq.res.GeneratedTokens = o.CachedPromptTokens, o.Generated
	if o.Finish == sched.FinishError {
		r.end(rq, FinishError, errors.New("runner: sampler found no usable logit"))
		return
	}
	rq.history = append(rq.history, o.Token)
	eog := o.Finish == sched.FinishStop
	if !eog {
		text, stopped := r.text(rq, o.Token)
		rq.stream.push(Event{Token: o.Token, Text: text})
		if stopped {
			r.sched.Abort(o.ID)
			r.end(rq, FinishStop, nil)
			return
		}
	}
	if o.Finish != "" {
		r.end(rq, string(o.Finish), nil)
	}
}

// text decodes a token and passes it through the stop-string filter.
func (r *Runner) text(rq *request, tok int32) (string, bool) {
	if rq.dec == nil {
		return "", false
	}
	return rq.stop.feed(rq.dec.Next(tok))
}

// end finishes a request once: releases held-back text, records usage and
// ends its stream. The caller has already freed its sequence.
func (r *Runner) end(rq *request, finish string, err error) {
	if rq.ended {
		return
	}
	rq.ended = true
	delete(r.live, rq.id)
	if rq.stopWatch != nil {
		rq.stopWatch()
	}
	if finish != FinishStop || !rq.stop.matched {
		if tail := r.tail(rq); tail != "" {
			rq.stream.push(Event{Token: -1, Text: tail})
		}
	}
	res := rq.res
	res.Finish, res.Err = finish, err
	res.PromptTokens, res.TTFT, res.Duration = rq.prompt, rq.ttft, time.Since(rq.submitted)
	r.recordEnd(res)
	rq.stream.end(res)
}

// tail returns the text still held by the decoder and the stop filter.
func (r *Runner) tail(rq *request) string {
	if rq.dec == nil {
		return ""
	}
	text, _ := rq.stop.feed(rq.dec.Flush())
	return text + rq.stop.flush()
}
