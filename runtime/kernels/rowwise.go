package kernels

import (
	"github.com/vkllm/vkllm/runtime/vk"
)

// recordRows dispatches one workgroup per row.
func (p *program) recordRows(c *vk.Commands, set *vk.DescriptorSet, push []byte, rows uint32) {
	x, y := grid(rows, p.dev.Limits().MaxComputeWorkGroupCount[0])
	c.Dispatch(p.first, set, push, x, y, 1)
}

// RMSNorm normalises rows by their root mean square and scales them by a
// weight vector (rmsnorm.comp).
type RMSNorm struct{ *program }

// NewRMSNorm builds rmsnorm; variant "" picks the best for dev.
func NewRMSNorm(dev *vk.Device, variant string) (*RMSNorm, error) {
	p, err := newProgram(dev, "rmsnorm", variant)
	if err != nil {
		return nil, err
	}
	return &RMSNorm{p}, nil
}

// Bind makes the descriptor set for x, w → dst (dst may be x).
func (k *RMSNorm) Bind(x, w, dst vk.Binding) (*vk.DescriptorSet, error) { return k.bind(x, w, dst) }

// Record normalises p.Rows rows of p.Cols values.
func (k *RMSNorm) Record(c *vk.Commands, set *vk.DescriptorSet, p RMSNormPush) {
	k.recordRows(c, set, vk.PushBytes(&p), p.Rows)
}

// Softmax replaces rows by their softmax, in place (softmax.comp).
type Softmax struct{ *program }

// NewSoftmax builds softmax; variant "" picks the best for dev.
func NewSoftmax(dev *vk.Device, variant string) (*Softmax, error) {
	p, err := newProgram(dev, "softmax", variant)
	if err != nil {
		return nil, err
	}
	return &Softmax{p}, nil
}

// Bind makes the descriptor set for the rows x.
func (k *Softmax) Bind(x vk.Binding) (*vk.DescriptorSet, error) { return k.bind(x) }

// Record applies softmax to p.Rows rows of p.Cols values.
func (k *Softmax) Record(c *vk.Commands, set *vk.DescriptorSet, p SoftmaxPush) {
	k.recordRows(c, set, vk.PushBytes(&p), p.Rows)
}

// Rope applies rotary position embeddings in place, reading each token's
// position from a buffer so a batch of tokens at any positions works
// (rope.comp). The layout (normal or NeoX) is fixed at construction.
type Rope struct {
	*program
	neox bool
}

// NewRope builds rope for the normal (pairs 2i, 2i+1) or NeoX (pairs i,
// i+dims/2) layout; variant "" picks the best for dev.
func NewRope(dev *vk.Device, variant string, neox bool) (*Rope, error) {
	p, err := newProgram(dev, "rope", variant, boolSpec(neox))
	if err != nil {
		return nil, err
	}
	return &Rope{p, neox}, nil
}

// Bind makes the descriptor set for x (tokens × heads × headDim floats),
// pos (tokens int32 positions) and freqs (a RopeTable's frequencies).
func (k *Rope) Bind(x, pos, freqs vk.Binding) (*vk.DescriptorSet, error) {
	return k.bind(x, pos, freqs)
}

// Record rotates every head of p.Tokens tokens.
func (k *Rope) Record(c *vk.Commands, set *vk.DescriptorSet, p RopePush) {
	pairs := p.Tokens * p.Heads * (p.Dims / 2)
	x, y := grid(ceilDiv(pairs, k.wg), k.dev.Limits().MaxComputeWorkGroupCount[0])
	c.Dispatch(k.first, set, vk.PushBytes(&p), x, y, 1)
}

func boolSpec(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
