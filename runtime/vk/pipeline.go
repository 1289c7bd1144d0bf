package vk

/*
#include "vkbind.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"
)

// PipelineSpec describes a compute pipeline: one SPIR-V module whose entry
// point reads Bindings storage buffers at set 0, bindings 0..Bindings-1,
// and Texels uniform texel buffers after them.
type PipelineSpec struct {
	Name     string // for errors and logs
	SPIRV    []byte // SPIR-V module (length a multiple of 4)
	Entry    string // entry point; default "main"
	Bindings int    // storage buffers at set 0, bindings 0..Bindings-1
	// Texels are uniform texel buffers (TexelView) at bindings
	// Bindings..Bindings+Texels-1; they need the TexelBuffer feature.
	Texels   int
	PushSize uint32   // push-constant bytes (0..MaxPushConstantsSize)
	Spec     []uint32 // specialization constants: Spec[i] is constant_id i
	// SubgroupSize requests a required subgroup size (needs the
	// SubgroupSizeControl feature); 0 leaves it to the driver.
	SubgroupSize uint32
	// FullSubgroups requires full subgroups (ComputeFullSubgroups feature).
	FullSubgroups bool
}

// Pipeline is a compute pipeline with its descriptor-set and pipeline
// layouts and the descriptor pools its sets come from.
type Pipeline struct {
	dev       *Device
	name      string
	bindings  int
	texels    int
	pushSize  uint32
	layoutKey string // pipelines with equal keys accept each other's sets
	setLayout C.VkDescriptorSetLayout
	layout    C.VkPipelineLayout
	pipe      C.VkPipeline
	use       useMark

	mu    sync.Mutex // pools, sets
	pools []C.VkDescriptorPool
	sets  map[*DescriptorSet]struct{}
	once  sync.Once
}

func (p *Pipeline) markUse(m useMark) { p.use = m }

// Name is the spec's name.
func (p *Pipeline) Name() string { return p.name }

// PushSize is the push-constant size Dispatch expects.
func (p *Pipeline) PushSize() uint32 { return p.pushSize }

// NewPipeline builds a compute pipeline through the device's pipeline cache.
func (d *Device) NewPipeline(spec PipelineSpec) (*Pipeline, error) {
	if err := d.checkSpec(&spec); err != nil {
		return nil, err
	}
	p := &Pipeline{dev: d, name: spec.Name, bindings: spec.Bindings, texels: spec.Texels, pushSize: spec.PushSize,
		layoutKey: fmt.Sprintf("b%d/t%d/p%d", spec.Bindings, spec.Texels, spec.PushSize), sets: map[*DescriptorSet]struct{}{}}
	if err := p.createLayouts(); err != nil {
		p.destroy()
		return nil, fmt.Errorf("pipeline %s: %w", spec.Name, err)
	}
	if err := p.createPipeline(&spec); err != nil {
		p.destroy()
		return nil, fmt.Errorf("pipeline %s: %w", spec.Name, err)
	}
	if err := d.track(p); err != nil {
		p.destroy()
		return nil, err
	}
	return p, nil
}

func (d *Device) checkSpec(s *PipelineSpec) error {
	switch {
	case len(s.SPIRV) == 0 || len(s.SPIRV)%4 != 0:
		return fmt.Errorf("vk: pipeline %s: SPIR-V of %d bytes is not a whole number of words", s.Name, len(s.SPIRV))
	case s.PushSize%4 != 0 || s.PushSize > d.pd.Limits.MaxPushConstantsSize:
		return fmt.Errorf("vk: pipeline %s: push size %d (limit %d, multiple of 4): %w",
			s.Name, s.PushSize, d.pd.Limits.MaxPushConstantsSize, ErrUnsupported)
	case s.Bindings < 0 || uint32(s.Bindings) > d.pd.Limits.MaxPerStageStorageBuffers:
		return fmt.Errorf("vk: pipeline %s: %d bindings: %w", s.Name, s.Bindings, ErrUnsupported)
	case s.Texels < 0 || (s.Texels > 0 && !d.features.TexelBuffer):
		return fmt.Errorf("vk: pipeline %s: %d texel buffers (feature enabled: %v): %w",
			s.Name, s.Texels, d.features.TexelBuffer, ErrUnsupported)
	case s.SubgroupSize != 0 && !d.features.SubgroupSizeControl:
		return fmt.Errorf("vk: pipeline %s: required subgroup size without subgroupSizeControl: %w", s.Name, ErrUnsupported)
	case s.FullSubgroups && !d.features.ComputeFullSubgroups:
		return fmt.Errorf("vk: pipeline %s: full subgroups without computeFullSubgroups: %w", s.Name, ErrUnsupported)
	}
	if s.Entry == "" {
		s.Entry = "main"
	}
	return nil
}

func (p *Pipeline) createLayouts() error {
	d := p.dev
	var a cArena
	defer a.free()
	ci := newC[C.VkDescriptorSetLayoutCreateInfo](&a)
	ci.sType = C.VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO
	if n := p.bindings + p.texels; n > 0 {
		bs := unsafe.Slice((*C.VkDescriptorSetLayoutBinding)(a.alloc(uintptr(n)*C.sizeof_VkDescriptorSetLayoutBinding)), n)
		for i := range bs {
			bs[i].binding = C.uint32_t(i)
			bs[i].descriptorType = p.descriptorType(i)
			bs[i].descriptorCount = 1
			bs[i].stageFlags = C.VK_SHADER_STAGE_COMPUTE_BIT
		}
		ci.bindingCount = C.uint32_t(n)
		ci.pBindings = &bs[0]
	}
	if err := check("vkCreateDescriptorSetLayout", C.vkllm_CreateDescriptorSetLayout(d.fns, d.dev, ci, &p.setLayout)); err != nil {
		return err
	}
	pl := newC[C.VkPipelineLayoutCreateInfo](&a)
	pl.sType = C.VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO
	pl.setLayoutCount = 1
	sl := newC[C.VkDescriptorSetLayout](&a)
	*sl = p.setLayout
	pl.pSetLayouts = sl
	if p.pushSize > 0 {
		pr := newC[C.VkPushConstantRange](&a)
		pr.stageFlags = C.VK_SHADER_STAGE_COMPUTE_BIT
		pr.size = C.uint32_t(p.pushSize)
		pl.pushConstantRangeCount = 1
		pl.pPushConstantRanges = pr
	}
	return check("vkCreatePipelineLayout", C.vkllm_CreatePipelineLayout(d.fns, d.dev, pl, &p.layout))
}

// descriptorType is the type of binding i: storage buffers first, then
// uniform texel buffers.
func (p *Pipeline) descriptorType(i int) C.VkDescriptorType {
	if i < p.bindings {
		return C.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
	}
	return C.VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
}

func (p *Pipeline) createPipeline(spec *PipelineSpec) error {
	d := p.dev
	var a cArena
	defer a.free()
	mci := newC[C.VkShaderModuleCreateInfo](&a)
	mci.sType = C.VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO
	mci.codeSize = C.size_t(len(spec.SPIRV))
	mci.pCode = (*C.uint32_t)(a.bytes(spec.SPIRV))
	var mod C.VkShaderModule
	if err := check("vkCreateShaderModule", C.vkllm_CreateShaderModule(d.fns, d.dev, mci, &mod)); err != nil {
		return err
	}
	defer C.vkllm_DestroyShaderModule(d.fns, d.dev, mod)
	ci := newC[C.VkComputePipelineCreateInfo](&a)
	ci.sType = C.VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO
	ci.layout = p.layout
	st := &ci.stage
	st.sType = C.VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
	st.stage = C.VK_SHADER_STAGE_COMPUTE_BIT
	st.module = mod
	st.pName = a.str(spec.Entry)
	st.pSpecializationInfo = specInfo(&a, spec.Spec)
	if spec.FullSubgroups {
		st.flags |= C.VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT
	}
	if spec.SubgroupSize != 0 {
		rs := newC[C.VkPipelineShaderStageRequiredSubgroupSizeCreateInfo](&a)
		rs.sType = C.VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO
		rs.requiredSubgroupSize = C.uint32_t(spec.SubgroupSize)
		st.pNext = unsafe.Pointer(rs)
	}
	return check("vkCreateComputePipelines", C.vkllm_CreateComputePipelines(d.fns, d.dev, d.cache.cache, ci, &p.pipe))
}

// specInfo builds a VkSpecializationInfo in C memory: values[i] is
// constant_id i, 4 bytes each.
func specInfo(a *cArena, values []uint32) *C.VkSpecializationInfo {
	if len(values) == 0 {
		return nil
	}
	n := len(values)
	entries := unsafe.Slice((*C.VkSpecializationMapEntry)(a.alloc(uintptr(n)*C.sizeof_VkSpecializationMapEntry)), n)
	data := unsafe.Slice((*uint32)(a.alloc(uintptr(n)*4)), n)
	for i, v := range values {
		entries[i] = C.VkSpecializationMapEntry{constantID: C.uint32_t(i), offset: C.uint32_t(4 * i), size: 4}
		data[i] = v
	}
	si := newC[C.VkSpecializationInfo](a)
	si.mapEntryCount = C.uint32_t(n)
	si.pMapEntries = &entries[0]
	si.dataSize = C.size_t(4 * n)
	si.pData = unsafe.Pointer(&data[0])
	return si
}

// Close waits for the pipeline's last submission, closes its descriptor
// sets and destroys it. Idempotent.
func (p *Pipeline) Close() {
	p.once.Do(func() {
		_ = p.dev.waitMark(&p.use)
		p.mu.Lock()
		sets := make([]*DescriptorSet, 0, len(p.sets))
		for s := range p.sets {
			sets = append(sets, s)
		}
		p.mu.Unlock()
		for _, s := range sets {
			s.Close()
		}
		p.dev.untrack(p)
		p.destroy()
	})
}

func (p *Pipeline) destroy() {
	d := p.dev
	for _, pool := range p.pools {
		C.vkllm_DestroyDescriptorPool(d.fns, d.dev, pool)
	}
	p.pools = nil
	if p.pipe != nil {
		C.vkllm_DestroyPipeline(d.fns, d.dev, p.pipe)
	}
	if p.layout != nil {
		C.vkllm_DestroyPipelineLayout(d.fns, d.dev, p.layout)
	}
	if p.setLayout != nil {
		C.vkllm_DestroyDescriptorSetLayout(d.fns, d.dev, p.setLayout)
	}
}

var errPoolFull = errors.New("descriptor pool full")
