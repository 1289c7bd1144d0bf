package runner

import (
	"fmt"

	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/runtime/sample"
	"github.com/vkllm/vkllm/runtime/sched"
)

// SampleStepper is a Stepper that can also sample the batch's logit rows
// itself and return token ids instead of logits: runtime/engine's
// Engine.StepSample, which selects candidates on the GPU when the samplers
// allow and samples the full logits on the host otherwise, with the same
// tokens either way. The runner uses it when its Stepper has it.
type SampleStepper interface {
	StepSample(b *llama.Batch, smp []*sample.Sampler, hist [][]int32) ([]int32, error)
}

// stepSampled runs one step and puts the token of each sampling sequence
// of seqs into sampled, through the Stepper's own sampling when it has
// it, else from the logits on the host.
func (r *Runner) stepSampled(b *llama.Batch, seqs []sched.Scheduled, sampled []int32) error {
	ss, ok := r.step.(SampleStepper)
	if !ok {
		logits, err := r.stepChecked(b)
		if err == nil {
			r.sampleRows(seqs, logits, sampled)
		}
		return err
	}
	r.smps, r.hists = r.smps[:0], r.hists[:0]
	for _, e := range seqs {
		if e.Sample {
			rq := r.live[e.ID]
			r.smps, r.hists = append(r.smps, rq.smp), append(r.hists, rq.history)
		}
	}
	ids, err := ss.StepSample(b, r.smps, r.hists)
	if err == nil && len(ids) != len(r.smps) {
		err = fmt.Errorf("runner: step sampled %d tokens for %d rows", len(ids), len(r.smps))
	}
	if err != nil {
		return err
	}
	j := 0
	for i, e := range seqs {
		if e.Sample {
			sampled[i] = ids[j]
			j++
		}
	}
	return nil
}
