package kernels

import (
	"github.com/vkllm/vkllm/runtime/vk"
)

// Each elementwise invocation handles four values (one vec4).
const valuesPerInvocation = 4

// elementwise records a dispatch covering n values for p's default pipeline.
func (p *program) recordElementwise(c *vk.Commands, set *vk.DescriptorSet, push []byte, n uint32) {
	groups := ceilDiv(ceilDiv(n, valuesPerInvocation), p.wg)
	x, y := grid(groups, p.dev.Limits().MaxComputeWorkGroupCount[0])
	c.Dispatch(p.first, set, push, x, y, 1)
}

// Fill sets a float buffer to one value (fill.comp).
type Fill struct{ *program }

// NewFill builds fill; variant "" picks the best for dev.
func NewFill(dev *vk.Device, variant string) (*Fill, error) {
	p, err := newProgram(dev, "fill", variant)
	if err != nil {
		return nil, err
	}
	return &Fill{p}, nil
}

// Bind makes the descriptor set for dst.
func (k *Fill) Bind(dst vk.Binding) (*vk.DescriptorSet, error) { return k.bind(dst) }

// Record fills p.N floats of the bound buffer with p.Value.
func (k *Fill) Record(c *vk.Commands, set *vk.DescriptorSet, p FillPush) {
	k.recordElementwise(c, set, vk.PushBytes(&p), p.N)
}

// Copy copies floats between buffers (copy.comp).
type Copy struct{ *program }

// NewCopy builds copy; variant "" picks the best for dev.
func NewCopy(dev *vk.Device, variant string) (*Copy, error) {
	p, err := newProgram(dev, "copy", variant)
	if err != nil {
		return nil, err
	}
	return &Copy{p}, nil
}

// Bind makes the descriptor set for src → dst.
func (k *Copy) Bind(src, dst vk.Binding) (*vk.DescriptorSet, error) { return k.bind(src, dst) }

// Record copies p.N floats.
func (k *Copy) Record(c *vk.Commands, set *vk.DescriptorSet, p ElementwisePush) {
	k.recordElementwise(c, set, vk.PushBytes(&p), p.N)
}

// Binary is an elementwise operation of two float buffers (binary.comp):
// add, mul or swiglu (dst = silu(a) · b).
type Binary struct{ *program }

// NewAdd builds dst = a + b.
func NewAdd(dev *vk.Device, variant string) (*Binary, error) { return newBinary(dev, "add", variant) }

// NewMul builds dst = a · b.
func NewMul(dev *vk.Device, variant string) (*Binary, error) { return newBinary(dev, "mul", variant) }

// NewSwiGLU builds dst = silu(gate) · up.
func NewSwiGLU(dev *vk.Device, variant string) (*Binary, error) {
	return newBinary(dev, "swiglu", variant)
}

func newBinary(dev *vk.Device, kernel, variant string) (*Binary, error) {
	p, err := newProgram(dev, kernel, variant)
	if err != nil {
		return nil, err
	}
	return &Binary{p}, nil
}

// Bind makes the descriptor set for a, b → dst; dst may bind the same
// range as a or b.
func (k *Binary) Bind(a, b, dst vk.Binding) (*vk.DescriptorSet, error) { return k.bind(a, b, dst) }

// Record computes p.N values.
func (k *Binary) Record(c *vk.Commands, set *vk.DescriptorSet, p ElementwisePush) {
	k.recordElementwise(c, set, vk.PushBytes(&p), p.N)
}
