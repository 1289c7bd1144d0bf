package kernels

import (
	"fmt"
	"slices"
	"sync"

	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/shaders"
)

// FeaturesOf maps the features a device enabled to the shader feature set.
func FeaturesOf(f vk.Features) shaders.Feature {
	var s shaders.Feature
	if f.SubgroupArithmetic {
		s |= shaders.SubgroupArithmetic
	}
	if f.Storage16Bit {
		s |= shaders.Storage16
	}
	if f.Storage8Bit {
		s |= shaders.Storage8
	}
	if f.SubgroupShuffle {
		s |= shaders.SubgroupShuffle
	}
	if f.TexelBuffer {
		s |= shaders.TexelBuffer
	}
	return s
}

// program is one kernel's chosen variant on one device: its SPIR-V and
// the pipelines built from it, one per set of specialization constants.
// All pipelines share a layout, so a descriptor set made for any of them
// binds to all.
type program struct {
	dev     *vk.Device
	spec    spec
	variant shaders.Variant
	code    []byte
	texels  int    // uniform texel buffers in the layout, after the storage buffers
	wg      uint32 // workgroup size (specialization constant 0): the spec's unless newProgramWG

	mu    sync.Mutex
	pipes map[string]*vk.Pipeline
	first *vk.Pipeline // the pipeline sets are allocated from
}

// newProgram picks the variant (want, or the best the device enabled) and
// builds its default pipeline with specialization constants 1.. set to def
// (constant 0 is always the spec's workgroup size).
func newProgram(dev *vk.Device, kernel, want string, def ...uint32) (*program, error) {
	return newProgramWG(dev, kernel, want, 0, def...)
}

// newProgramWG is newProgram with workgroup size wg (0: the spec's), for a
// variant whose layout wants its own.
func newProgramWG(dev *vk.Device, kernel, want string, wg uint32, def ...uint32) (*program, error) {
	p, err := selectProgram(dev, kernel, want)
	if err != nil {
		return nil, err
	}
	if wg != 0 {
		p.wg = wg
	}
	return p, p.build(def...)
}

// selectProgram picks the variant as newProgram does and loads its code;
// build makes the program usable.
func selectProgram(dev *vk.Device, kernel, want string) (*program, error) {
	s, err := lookupSpec(kernel)
	if err != nil {
		return nil, err
	}
	v, err := chooseVariant(s, want, FeaturesOf(dev.Features()))
	if err != nil {
		return nil, err
	}
	code, err := shaders.Code(v.Name)
	if err != nil {
		return nil, err
	}
	return &program{dev: dev, spec: s, variant: v, code: code, texels: v.Texels, wg: s.wg, pipes: map[string]*vk.Pipeline{}}, nil
}

// build makes the default pipeline, the one sets are allocated from.
func (p *program) build(def ...uint32) error {
	first, err := p.pipeline(def...)
	if err != nil {
		return err
	}
	p.first = first
	return nil
}

// pipeline returns the pipeline for specialization constants 1.. = rest
// (constant 0 is p.wg), building it on first use.
func (p *program) pipeline(rest ...uint32) (*vk.Pipeline, error) {
	sc := append([]uint32{p.wg}, rest...)
	key := fmt.Sprint(sc)
	p.mu.Lock()
	defer p.mu.Unlock()
	if pl, ok := p.pipes[key]; ok {
		return pl, nil
	}
	pl, err := p.dev.NewPipeline(vk.PipelineSpec{
		Name:     fmt.Sprintf("%s%v", p.variant.Name, sc),
		SPIRV:    p.code,
		Bindings: p.spec.bindings,
		Texels:   p.texels,
		PushSize: p.spec.push,
		Spec:     sc,
	})
	if err != nil {
		return nil, fmt.Errorf("kernels: %s: %w", p.spec.name, err)
	}
	p.pipes[key] = pl
	return pl, nil
}

// bind allocates a descriptor set for the kernel's storage bindings, in
// order; a variant's texel bindings get texel ranges of the first storage
// bindings (shaders.Variant.Texels).
func (p *program) bind(bs ...vk.Binding) (*vk.DescriptorSet, error) {
	if len(bs) != p.spec.bindings {
		return nil, fmt.Errorf("kernels: %s: %d buffers, want %d", p.spec.name, len(bs), p.spec.bindings)
	}
	all := slices.Clip(bs)
	for i := range p.texels {
		all = append(all, bs[i].Texels())
	}
	set, err := p.first.NewDescriptorSet(all...)
	if err != nil {
		return nil, fmt.Errorf("kernels: %s: %w", p.spec.name, err)
	}
	return set, nil
}

// Variant names the shader variant in use.
func (p *program) Variant() string { return p.variant.Name }

// Close destroys the pipelines (each waits for its last use). Idempotent.
func (p *program) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, pl := range p.pipes {
		pl.Close()
		delete(p.pipes, k)
	}
}

// grid splits n workgroups over x and y so neither exceeds the device's
// limit; shaders linearise gl_WorkGroupID and skip the excess.
func grid(n, maxX uint32) (x, y uint32) {
	if n <= maxX {
		return max(n, 1), 1
	}
	y = (n + maxX - 1) / maxX
	return (n + y - 1) / y, y
}

func ceilDiv(a, b uint32) uint32 { return (a + b - 1) / b }
