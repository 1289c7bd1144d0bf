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

// setsPerPool is how many descriptor sets one VkDescriptorPool holds.
const setsPerPool = 64

// Binding is one descriptor: a storage-buffer range, or a texel view of
// one (Texels).
type Binding struct {
	buf       *Buffer
	off, size uint64
	texels    bool
}

// Bind binds the whole buffer.
func Bind(b *Buffer) Binding { return Binding{buf: b, size: b.size} }

// BindRange binds size bytes of b at off; off must be a multiple of
// Limits.MinStorageBufferOffsetAlignment.
func BindRange(b *Buffer, off, size uint64) Binding { return Binding{buf: b, off: off, size: size} }

// DescriptorSet binds storage buffers to a pipeline's bindings 0..n-1,
// and owns the buffer views of its texel bindings.
type DescriptorSet struct {
	pipe  *Pipeline
	pool  C.VkDescriptorPool
	set   C.VkDescriptorSet
	bufs  []*Buffer
	views []C.VkBufferView
	use   useMark
	once  sync.Once
}

// markUse stamps the set and the buffers it binds; called under dev.qmu.
func (s *DescriptorSet) markUse(m useMark) {
	s.use = m
	for _, b := range s.bufs {
		b.use = m
	}
}

// NewDescriptorSet allocates a set for p and binds one buffer range per
// storage binding, then one texel range (Binding.Texels) per texel
// binding, in binding order.
func (p *Pipeline) NewDescriptorSet(bs ...Binding) (*DescriptorSet, error) {
	s := &DescriptorSet{pipe: p}
	if err := p.allocSet(s); err != nil {
		return nil, fmt.Errorf("pipeline %s: %w", p.name, err)
	}
	if err := s.write(bs); err != nil {
		s.free()
		return nil, err
	}
	if err := p.dev.track(s); err != nil {
		s.free()
		return nil, err
	}
	p.mu.Lock()
	p.sets[s] = struct{}{}
	p.mu.Unlock()
	return s, nil
}

func (p *Pipeline) allocSet(s *DescriptorSet) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.pools); n > 0 {
		err := p.allocFrom(p.pools[n-1], s)
		if !errors.Is(err, errPoolFull) {
			return err
		}
	}
	pool, err := p.newPool()
	if err != nil {
		return err
	}
	p.pools = append(p.pools, pool)
	return p.allocFrom(pool, s)
}

func (p *Pipeline) newPool() (C.VkDescriptorPool, error) {
	d := p.dev
	var a cArena
	defer a.free()
	sizes := unsafe.Slice((*C.VkDescriptorPoolSize)(a.alloc(2*C.sizeof_VkDescriptorPoolSize)), 2)
	sizes[0]._type = C.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
	sizes[0].descriptorCount = C.uint32_t(max(1, p.bindings) * setsPerPool)
	sizes[1]._type = C.VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
	sizes[1].descriptorCount = C.uint32_t(p.texels * setsPerPool)
	ci := newC[C.VkDescriptorPoolCreateInfo](&a)
	ci.sType = C.VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO
	ci.flags = C.VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT
	ci.maxSets = setsPerPool
	ci.poolSizeCount = 1
	if p.texels > 0 { // a pool size of count 0 is invalid
		ci.poolSizeCount = 2
	}
	ci.pPoolSizes = &sizes[0]
	var pool C.VkDescriptorPool
	err := check("vkCreateDescriptorPool", C.vkllm_CreateDescriptorPool(d.fns, d.dev, ci, &pool))
	return pool, err
}

func (p *Pipeline) allocFrom(pool C.VkDescriptorPool, s *DescriptorSet) error {
	d := p.dev
	var a cArena
	defer a.free()
	ai := newC[C.VkDescriptorSetAllocateInfo](&a)
	ai.sType = C.VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO
	ai.descriptorPool = pool
	ai.descriptorSetCount = 1
	l := newC[C.VkDescriptorSetLayout](&a)
	*l = p.setLayout
	ai.pSetLayouts = l
	r := C.vkllm_AllocateDescriptorSets(d.fns, d.dev, ai, &s.set)
	if r == C.VK_ERROR_OUT_OF_POOL_MEMORY || r == C.VK_ERROR_FRAGMENTED_POOL {
		return errPoolFull
	}
	if err := check("vkAllocateDescriptorSets", r); err != nil {
		return err
	}
	s.pool = pool
	return nil
}

// Update rebinds the set's buffers; it first waits for the set's last
// submission, since a set in use must not change.
func (s *DescriptorSet) Update(bs ...Binding) error {
	if err := s.pipe.dev.waitMark(&s.use); err != nil {
		return err
	}
	return s.write(bs)
}

func (s *DescriptorSet) write(bs []Binding) error {
	p := s.pipe
	n := p.bindings + p.texels
	if len(bs) != n {
		return fmt.Errorf("vk: descriptor set for %s: %d buffers, pipeline has %d bindings", p.name, len(bs), n)
	}
	if n == 0 {
		return nil
	}
	var a cArena
	defer a.free()
	ws := unsafe.Slice((*C.VkWriteDescriptorSet)(a.alloc(uintptr(n)*C.sizeof_VkWriteDescriptorSet)), n)
	bufs := make([]*Buffer, n)
	var views []C.VkBufferView
	for i, b := range bs {
		v, err := s.describe(&a, &ws[i], i, b)
		if err != nil {
			p.dev.destroyViews(views)
			return fmt.Errorf("vk: descriptor set for %s, binding %d: %w", p.name, i, err)
		}
		if v != nil {
			views = append(views, v)
		}
		bufs[i] = b.buf
	}
	C.vkllm_UpdateDescriptorSets(p.dev.fns, p.dev.dev, C.uint32_t(n), &ws[0])
	p.dev.destroyViews(s.views) // the set is idle (Update waited), so its old views are unused
	s.bufs, s.views = bufs, views
	return nil
}

// describe fills the write of binding i from b in arena memory, making the
// view of a texel binding (returned; nil for a storage binding).
func (s *DescriptorSet) describe(a *cArena, w *C.VkWriteDescriptorSet, i int, b Binding) (C.VkBufferView, error) {
	p := s.pipe
	w.sType = C.VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET
	w.dstSet = s.set
	w.dstBinding = C.uint32_t(i)
	w.descriptorCount = 1
	w.descriptorType = p.descriptorType(i)
	switch texel := i >= p.bindings; {
	case texel && !b.texels:
		return nil, errors.New("texel buffer binding needs a texel range (Binding.Texels)")
	case !texel && b.texels:
		return nil, errors.New("storage buffer binding given a texel range")
	}
	if b.texels {
		v, err := p.dev.newTexelView(b)
		if err != nil {
			return nil, err
		}
		pv := newC[C.VkBufferView](a)
		*pv = v
		w.pTexelBufferView = pv
		return v, nil
	}
	if err := checkBinding(b, p.dev.pd.Limits); err != nil {
		return nil, err
	}
	info := newC[C.VkDescriptorBufferInfo](a)
	*info = C.VkDescriptorBufferInfo{buffer: b.buf.buf, offset: C.VkDeviceSize(b.off), _range: C.VkDeviceSize(b.size)}
	w.pBufferInfo = info
	return nil, nil
}

func checkBinding(b Binding, lim Limits) error {
	switch {
	case b.buf == nil:
		return errors.New("nil buffer")
	case b.size == 0 || b.off+b.size > b.buf.size:
		return fmt.Errorf("range [%d,+%d) outside a %d-byte buffer", b.off, b.size, b.buf.size)
	case lim.MinStorageBufferOffsetAlignment > 0 && b.off%lim.MinStorageBufferOffsetAlignment != 0:
		return fmt.Errorf("offset %d not a multiple of %d", b.off, lim.MinStorageBufferOffsetAlignment)
	case b.size > uint64(lim.MaxStorageBufferRange):
		return fmt.Errorf("range of %d bytes exceeds maxStorageBufferRange %d (bind smaller ranges): %w",
			b.size, lim.MaxStorageBufferRange, ErrUnsupported)
	}
	return nil
}

// Close waits for the set's last submission and frees it. Idempotent.
func (s *DescriptorSet) Close() {
	s.once.Do(func() {
		_ = s.pipe.dev.waitMark(&s.use)
		s.pipe.dev.untrack(s)
		s.pipe.mu.Lock()
		delete(s.pipe.sets, s)
		s.pipe.mu.Unlock()
		s.free()
	})
}

func (s *DescriptorSet) free() {
	d := s.pipe.dev
	s.pipe.mu.Lock()
	defer s.pipe.mu.Unlock()
	_ = C.vkllm_FreeDescriptorSet(d.fns, d.dev, s.pool, s.set)
	d.destroyViews(s.views)
	s.views = nil
}
