package engine

import (
	"fmt"
	"math"

	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/runtime/kernels"
	"github.com/vkllm/vkllm/runtime/sample"
	"github.com/vkllm/vkllm/runtime/vk"
)

// gpuSampling holds the top-k selection's buffers and descriptor sets,
// made on the first GPU-sampled step.
type gpuSampling struct {
	partial *vk.Buffer // device: stage-1 candidates
	out     *vk.Buffer // host-visible: [rows][k] (id, logit bits) pairs
	src     *vk.Buffer // the logits buffer the sets bind
	s1, s2  *vk.DescriptorSet
	cands   []sample.Candidate
	ids     []int32
}

func (g *gpuSampling) close() {
	for _, s := range []*vk.DescriptorSet{g.s1, g.s2} {
		if s != nil {
			s.Close()
		}
	}
	for _, b := range []*vk.Buffer{g.partial, g.out} {
		if b != nil {
			b.Close()
		}
	}
	*g = gpuSampling{}
}

// StepSample runs one step and samples a token for each of the batch's
// logit rows, in order, with smp[i] given the sequence's token history
// hist[i] (for the repetition penalty). When every row's sampler
// can take its token from the row's best candidates (greedy or top-k
// sampling, with a repetition penalty of at least 1; see
// sample.Sampler.SortedK), the GPU selects them (kernels.TopK) and only
// those are read back; the samplers finish the chain on the host, so the
// tokens equal what Sample would draw from the full logits. Otherwise the
// logits are read back and sampled on the host. The returned slice is
// reused by the next call.
func (e *Engine) StepSample(b *llama.Batch, smp []*sample.Sampler, hist [][]int32) ([]int32, error) {
	if len(smp) != b.LogitRows() || len(hist) != len(smp) {
		return nil, fmt.Errorf("engine: %d samplers and %d histories for %d logit rows", len(smp), len(hist), b.LogitRows())
	}
	k := gpuTopK(smp, hist)
	if k == 0 {
		return e.sampleOnHost(b, smp, hist)
	}
	if err := e.samp.ensure(e, k); err != nil {
		return nil, err
	}
	e.wantTopK = k
	_, err := llama.Forward(e.model, e, b)
	e.wantTopK = 0
	if err != nil {
		return nil, err
	}
	e.samp.ids = e.samp.ids[:0]
	for i, s := range smp {
		e.samp.ids = append(e.samp.ids, s.SampleSorted(e.samp.cands[i*k:(i+1)*k], hist[i]))
	}
	return e.samp.ids, nil
}

// gpuTopK returns the candidates per row the GPU must select for every
// row's sampler, or 0 when some row needs its whole logits.
func gpuTopK(smp []*sample.Sampler, hist [][]int32) int {
	k := 0
	for i, s := range smp {
		n, ok := s.SortedK(hist[i])
		if !ok || n > kernels.MaxTopK {
			return 0
		}
		k = max(k, n)
	}
	return k
}

// sampleOnHost is the fallback: full logits back, the CPU sampler.
func (e *Engine) sampleOnHost(b *llama.Batch, smp []*sample.Sampler, hist [][]int32) ([]int32, error) {
	logits, err := e.Step(b)
	if err != nil {
		return nil, err
	}
	v := e.model.Config.Vocab
	e.samp.ids = e.samp.ids[:0]
	for i, s := range smp {
		e.samp.ids = append(e.samp.ids, s.Sample(logits[i*v:(i+1)*v], hist[i]))
	}
	return e.samp.ids, nil
}

// ensure builds the selection kernel and its buffers, sized for MaxRows
// rows of MaxTopK candidates, on first use.
func (g *gpuSampling) ensure(e *Engine, k int) error {
	if e.k.topk == nil {
		tk, err := kernels.NewTopK(e.dev, "")
		if err != nil {
			return fmt.Errorf("engine: %w", err)
		}
		e.k.topk = tk
	}
	if g.partial != nil {
		return nil
	}
	plan, err := kernels.PlanTopK(e.opt.MaxRows, e.model.Config.Vocab, kernels.MaxTopK)
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	// Chunks shrink as k grows, so the largest partial is at k = 1.
	small, _ := kernels.PlanTopK(e.opt.MaxRows, e.model.Config.Vocab, 1)
	words := max(plan.PartialWords(), small.PartialWords()*kernels.MaxTopK)
	if g.partial, err = e.dev.NewBuffer(4*uint64(words), vk.DeviceLocal); err != nil {
		return fmt.Errorf("engine: top-k scratch: %w", err)
	}
	if g.out, err = e.dev.NewBuffer(4*uint64(plan.OutWords()), vk.HostVisible); err != nil {
		return fmt.Errorf("engine: top-k readback: %w", err)
	}
	return nil
}

// recordTop records the selection of the step's k best candidates per
// logit row into the readback buffer.
func (e *Engine) recordTop(logits Act) {
	g, tk := &e.samp, e.k.topk
	plan, err := kernels.PlanTopK(logits.rows, logits.cols, e.cur.topK)
	if err != nil {
		e.fail(fmt.Errorf("engine: %w", err))
		return
	}
	if g.src != logits.buf {
		if g.s1 != nil {
			g.s1.Close()
			g.s2.Close()
		}
		g.src = nil
		if g.s1, g.s2, err = tk.Bind(logits.bind(), vk.Bind(g.partial), vk.Bind(g.out)); err != nil {
			e.fail(fmt.Errorf("engine: %w", err))
			return
		}
		g.src = logits.buf
	}
	e.op("topk", []*vk.Buffer{logits.buf}, []*vk.Buffer{g.partial, g.out}, func(c *vk.Commands) error {
		tk.Record(c, g.s1, g.s2, plan)
		return nil
	})
}

// readTop converts the read-back pairs into candidates, k per row.
func (e *Engine) readTop(rows int) error {
	k := e.cur.topK
	words := bytesI32(e.samp.out.Mapped())[:2*rows*k]
	c := e.samp.cands[:0]
	for i := 0; i < len(words); i += 2 {
		c = append(c, sample.Candidate{ID: words[i], Logit: math.Float32frombits(uint32(words[i+1]))})
	}
	e.samp.cands = c
	return nil
}
