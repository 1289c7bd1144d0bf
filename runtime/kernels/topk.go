package kernels

import (
	"fmt"

	"github.com/vkllm/vkllm/runtime/vk"
)

// MaxTopK is the most candidates per row TopK selects.
const MaxTopK = 256

// topKMaxChunks bounds the stage-1 workgroups per row, and so the partial
// buffer and the merge's input.
const topKMaxChunks = 32

// TopK selects each row's k best logits, best first in runtime/sample's
// total order (logit descending, then id ascending), as (id, logit bits)
// pairs (topk.comp): a chunked stage and a merge, two dispatches.
type TopK struct {
	chunked *program // stage 1 (logits)
	merge   *vk.Pipeline
}

// NewTopK builds the selection; variant "" picks the best for dev.
func NewTopK(dev *vk.Device, variant string) (*TopK, error) {
	p, err := newProgram(dev, "topk", variant, 0)
	if err != nil {
		return nil, err
	}
	merge, err := p.pipeline(1)
	if err != nil {
		p.Close()
		return nil, err
	}
	return &TopK{chunked: p, merge: merge}, nil
}

// Close destroys the pipelines. Idempotent.
func (k *TopK) Close() { k.chunked.Close() }

// Variant names the shader variant in use.
func (k *TopK) Variant() string { return k.chunked.Variant() }

// TopKPlan is the shape of one selection: the stage-1 chunking.
type TopKPlan struct {
	Rows, Vocab, K int
	Chunks, Chunk  int
}

// PlanTopK splits rows of vocab logits into chunks for k candidates: about
// 64 entries per invocation per round at most, and never more than
// topKMaxChunks chunks.
func PlanTopK(rows, vocab, k int) (TopKPlan, error) {
	if rows <= 0 || vocab <= 0 || k <= 0 || k > MaxTopK {
		return TopKPlan{}, fmt.Errorf("kernels: topk: %d rows of %d logits, k %d outside [1, %d]", rows, vocab, k, MaxTopK)
	}
	chunks := min(topKMaxChunks, max(1, vocab/(64*max(k, 8))))
	chunk := (vocab + chunks - 1) / chunks
	return TopKPlan{Rows: rows, Vocab: vocab, K: k, Chunks: chunks, Chunk: chunk}, nil
}

// PartialWords is the size, in 32-bit words, of the stage-1 buffer.
func (p TopKPlan) PartialWords() int { return 2 * p.Rows * p.Chunks * p.K }

// OutWords is the size, in 32-bit words, of the result: [Rows][K] pairs.
func (p TopKPlan) OutWords() int { return 2 * p.Rows * p.K }

// Bind makes the two stages' descriptor sets: logits → partial, and
// partial → out.
func (k *TopK) Bind(logits, partial, out vk.Binding) (stage1, stage2 *vk.DescriptorSet, err error) {
	if stage1, err = k.chunked.bind(logits, partial); err != nil {
		return nil, nil, err
	}
	if stage2, err = k.chunked.bind(partial, out); err != nil {
		stage1.Close()
		return nil, nil, err
	}
	return stage1, stage2, nil
}

// Record selects per plan; logits rows are Vocab floats apart. The merge
// waits for the chunks behind a compute barrier.
func (k *TopK) Record(c *vk.Commands, stage1, stage2 *vk.DescriptorSet, p TopKPlan) {
	maxX := k.chunked.dev.Limits().MaxComputeWorkGroupCount[0]
	one := TopKPush{N: uint32(p.Vocab), SrcStride: uint32(p.Vocab), K: uint32(p.K), Chunk: uint32(p.Chunk),
		Chunks: uint32(p.Chunks), Rows: uint32(p.Rows)}
	x, y := grid(uint32(p.Rows*p.Chunks), maxX)
	c.Dispatch(k.chunked.first, stage1, vk.PushBytes(&one), x, y, 1)
	c.ComputeBarrier()
	n := uint32(p.Chunks * p.K)
	two := TopKPush{N: n, SrcStride: n, K: uint32(p.K), Chunk: n, Chunks: 1, Rows: uint32(p.Rows)}
	x, y = grid(uint32(p.Rows), maxX)
	c.Dispatch(k.merge, stage2, vk.PushBytes(&two), x, y, 1)
}
