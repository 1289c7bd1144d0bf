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

// MemoryKind says where a buffer lives.
type MemoryKind int

const (
	// DeviceLocal is fast device memory: weights, activations, KV blocks.
	// On unified-memory devices it is also mapped (Upload copies directly).
	DeviceLocal MemoryKind = iota
	// HostVisible is mapped, coherent memory for staging, readback and
	// small per-step inputs.
	HostVisible
)

// memoryChoice ranks memory types for each kind.
type memoryChoice struct {
	types   []MemoryType
	unified bool // device-local memory may be host visible and is mapped
}

func chooseMemory(pd *PhysicalDevice, noUnified bool) memoryChoice {
	uma := pd.Type == TypeIntegrated || pd.Type == TypeCPU || pd.Type == TypeVirtual
	if !uma { // a discrete card whose every device-local type is host visible is also unified
		uma = true
		for _, t := range pd.MemoryTypes {
			if t.DeviceLocal && !t.HostVisible {
				uma = false
			}
		}
	}
	return memoryChoice{types: pd.MemoryTypes, unified: uma && !noUnified}
}

// pick returns the best type index allowed by bits, and whether buffers of
// that kind are mapped.
func (m memoryChoice) pick(bits uint32, kind MemoryKind) (int, bool) {
	coherent := func(t MemoryType) bool { return t.HostVisible && t.HostCoherent }
	var prefs []func(MemoryType) bool
	if kind == HostVisible {
		prefs = []func(MemoryType) bool{
			func(t MemoryType) bool { return coherent(t) && t.HostCached },
			coherent,
		}
	} else if m.unified {
		prefs = []func(MemoryType) bool{
			func(t MemoryType) bool { return t.DeviceLocal && coherent(t) },
			func(t MemoryType) bool { return t.DeviceLocal },
		}
	} else {
		prefs = []func(MemoryType) bool{
			func(t MemoryType) bool { return t.DeviceLocal && !t.HostVisible },
			func(t MemoryType) bool { return t.DeviceLocal },
			func(t MemoryType) bool { return true },
		}
	}
	for _, pref := range prefs {
		for i, t := range m.types {
			if bits&(1<<i) != 0 && pref(t) {
				mapped := kind == HostVisible || (m.unified && coherent(t))
				return i, mapped
			}
		}
	}
	return -1, false
}

// Buffer is a storage buffer (also a transfer source and destination)
// bound to a sub-range of a pooled VkDeviceMemory block.
type Buffer struct {
	dev      *Device
	buf      C.VkBuffer
	size     uint64
	kind     MemoryKind
	pool     *memPool
	mem      allocation
	internal bool
	use      useMark
	once     sync.Once
}

// NewBuffer creates a buffer of size bytes (at most MaxBufferSize).
func (d *Device) NewBuffer(size uint64, kind MemoryKind) (*Buffer, error) {
	b, err := d.newBuffer(size, kind, false)
	if err != nil {
		return nil, err
	}
	if err := d.track(b); err != nil {
		b.destroy()
		return nil, err
	}
	return b, nil
}

func (d *Device) newBuffer(size uint64, kind MemoryKind, internal bool) (*Buffer, error) {
	if size == 0 {
		return nil, errors.New("vk: NewBuffer: zero size")
	}
	if size > d.MaxBufferSize() {
		return nil, fmt.Errorf("vk: NewBuffer: %d bytes exceeds the %d-byte limit: %w", size, d.MaxBufferSize(), ErrUnsupported)
	}
	b := &Buffer{dev: d, size: size, kind: kind, internal: internal}
	var ci C.VkBufferCreateInfo // no pointers inside: may live in Go memory
	ci.sType = C.VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
	ci.size = C.VkDeviceSize(size)
	ci.usage = C.VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | C.VK_BUFFER_USAGE_TRANSFER_SRC_BIT | C.VK_BUFFER_USAGE_TRANSFER_DST_BIT
	if d.features.TexelBuffer { // any buffer may get a texel view (NewTexelView)
		ci.usage |= C.VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT
	}
	ci.sharingMode = C.VK_SHARING_MODE_EXCLUSIVE
	if err := check("vkCreateBuffer", C.vkllm_CreateBuffer(d.fns, d.dev, &ci, &b.buf)); err != nil {
		return nil, err
	}
	var req C.VkMemoryRequirements
	C.vkllm_GetBufferMemoryRequirements(d.fns, d.dev, b.buf, &req)
	if err := d.bindMemory(b, &req); err != nil {
		C.vkllm_DestroyBuffer(d.fns, d.dev, b.buf)
		return nil, err
	}
	return b, nil
}

func (d *Device) bindMemory(b *Buffer, req *C.VkMemoryRequirements) error {
	ti, mapped := d.memTypes.pick(uint32(req.memoryTypeBits), b.kind)
	if ti < 0 {
		return fmt.Errorf("vk: NewBuffer: no memory type for kind %d: %w", b.kind, ErrUnsupported)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errors.New("vk: device is closed")
	}
	b.pool = d.pool(uint32(ti), mapped)
	a, err := b.pool.alloc(uint64(req.size), uint64(req.alignment))
	if err != nil {
		return fmt.Errorf("vk: NewBuffer(%d bytes): %w", b.size, err)
	}
	if err := check("vkBindBufferMemory", C.vkllm_BindBufferMemory(d.fns, d.dev, b.buf, a.block.mem, C.VkDeviceSize(a.off))); err != nil {
		b.pool.free(a)
		return err
	}
	b.mem = a
	if b.internal {
		d.internal += a.size
	}
	return nil
}

// pool returns the pool of one memory type (mapped or not); d.mu is held.
func (d *Device) pool(typeIndex uint32, mapped bool) *memPool {
	key := typeIndex<<1 | uint32(boolInt(mapped))
	if p, ok := d.pools[key]; ok {
		return p
	}
	limit := d.MaxBufferSize()
	bs := d.opts.BlockSize
	if bs == 0 {
		bs = 64 << 20
	}
	p := &memPool{blockSize: min(bs, limit), limit: limit}
	p.newBlock = func(size uint64) (*memBlock, error) { return d.allocBlock(typeIndex, size, mapped) }
	p.freeBlock = d.freeBlock
	d.pools[key] = p
	return p
}

func (d *Device) allocBlock(typeIndex uint32, size uint64, mapped bool) (*memBlock, error) {
	var ai C.VkMemoryAllocateInfo
	ai.sType = C.VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO
	ai.allocationSize = C.VkDeviceSize(size)
	ai.memoryTypeIndex = C.uint32_t(typeIndex)
	b := &memBlock{sub: newSubAllocator(size)}
	if err := check("vkAllocateMemory", C.vkllm_AllocateMemory(d.fns, d.dev, &ai, &b.mem)); err != nil {
		return nil, err
	}
	if mapped {
		if err := check("vkMapMemory", C.vkllm_MapMemory(d.fns, d.dev, b.mem, &b.mapped)); err != nil {
			C.vkllm_FreeMemory(d.fns, d.dev, b.mem)
			return nil, err
		}
	}
	return b, nil
}

func (d *Device) freeBlock(b *memBlock) {
	if b.mapped != nil {
		C.vkllm_UnmapMemory(d.fns, d.dev, b.mem)
	}
	C.vkllm_FreeMemory(d.fns, d.dev, b.mem)
}

// Size is the buffer's size in bytes.
func (b *Buffer) Size() uint64 { return b.size }

// Kind is the memory kind the buffer was created with.
func (b *Buffer) Kind() MemoryKind { return b.kind }

// Mapped returns the buffer's bytes when it is host visible and mapped
// (always for HostVisible, on unified memory also for DeviceLocal), else
// nil. The memory is coherent; the caller must not touch it while a
// submission that uses the buffer runs.
func (b *Buffer) Mapped() []byte {
	if b.mem.block == nil || b.mem.block.mapped == nil {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Add(b.mem.block.mapped, b.mem.off)), b.size)
}

// Close waits for the last submission using the buffer and frees it.
// Idempotent.
func (b *Buffer) Close() {
	b.once.Do(func() {
		_ = b.dev.waitMark(&b.use)
		b.dev.untrack(b)
		b.destroy()
	})
}

func (b *Buffer) destroy() {
	d := b.dev
	C.vkllm_DestroyBuffer(d.fns, d.dev, b.buf)
	d.mu.Lock()
	b.pool.free(b.mem)
	if b.internal {
		d.internal -= b.mem.size
	}
	d.mu.Unlock()
	b.mem = allocation{}
}
