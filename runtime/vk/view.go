package vk

/*
#include "vkbind.h"
*/
import "C"

import (
	"fmt"
	"sync"
)

// TexelSize is the size of one texel of a TexelView: an R32G32B32A32_UINT
// texel, a uvec4 to texelFetch(usamplerBuffer).
const TexelSize = 16

// TexelView is a uniform texel buffer view of a buffer range with format
// R32G32B32A32_UINT. Shaders read it through a usamplerBuffer, which
// lavapipe fetches with plain vector gathers where a storage buffer load
// costs a branchy scalar loop per lane and component.
type TexelView struct {
	dev  *Device
	buf  *Buffer
	view C.VkBufferView
	use  useMark
	once sync.Once
}

func (v *TexelView) markUse(m useMark) {
	v.use = m
	v.buf.use = m
}

// NewTexelView creates a view of size bytes of b at off. It needs the
// TexelBuffer feature; off must be a multiple of
// Limits.MinTexelBufferOffsetAlignment, size a multiple of TexelSize of at
// most Limits.MaxTexelBufferElements texels.
func (d *Device) NewTexelView(b *Buffer, off, size uint64) (*TexelView, error) {
	if err := d.checkTexelView(b, off, size); err != nil {
		return nil, err
	}
	var ci C.VkBufferViewCreateInfo // no pointers inside: may live in Go memory
	ci.sType = C.VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO
	ci.buffer = b.buf
	ci.format = C.VK_FORMAT_R32G32B32A32_UINT
	ci.offset = C.VkDeviceSize(off)
	ci._range = C.VkDeviceSize(size)
	v := &TexelView{dev: d, buf: b}
	if err := check("vkCreateBufferView", C.vkllm_CreateBufferView(d.fns, d.dev, &ci, &v.view)); err != nil {
		return nil, err
	}
	if err := d.track(v); err != nil {
		C.vkllm_DestroyBufferView(d.fns, d.dev, v.view)
		return nil, err
	}
	return v, nil
}

func (d *Device) checkTexelView(b *Buffer, off, size uint64) error {
	lim := d.pd.Limits
	switch {
	case !d.features.TexelBuffer:
		return fmt.Errorf("vk: NewTexelView: texel buffers not enabled: %w", ErrUnsupported)
	case b == nil:
		return fmt.Errorf("vk: NewTexelView: nil buffer")
	case size == 0 || size%TexelSize != 0 || off+size > b.size:
		return fmt.Errorf("vk: NewTexelView: range [%d,+%d) of a %d-byte buffer is not whole texels inside it", off, size, b.size)
	case lim.MinTexelBufferOffsetAlignment > 0 && off%lim.MinTexelBufferOffsetAlignment != 0:
		return fmt.Errorf("vk: NewTexelView: offset %d not a multiple of %d", off, lim.MinTexelBufferOffsetAlignment)
	case size/TexelSize > uint64(lim.MaxTexelBufferElements):
		return fmt.Errorf("vk: NewTexelView: %d texels exceed maxTexelBufferElements %d: %w",
			size/TexelSize, lim.MaxTexelBufferElements, ErrUnsupported)
	}
	return nil
}

// MaxTexelViewSize is the largest range NewTexelView accepts, 0 when the
// device has no texel buffers enabled.
func (d *Device) MaxTexelViewSize() uint64 {
	if !d.features.TexelBuffer {
		return 0
	}
	return uint64(d.pd.Limits.MaxTexelBufferElements) * TexelSize
}

// Buffer is the viewed buffer.
func (v *TexelView) Buffer() *Buffer { return v.buf }

// Close waits for the view's last submission and destroys it (not the
// buffer). Idempotent.
func (v *TexelView) Close() {
	v.once.Do(func() {
		_ = v.dev.waitMark(&v.use)
		v.dev.untrack(v)
		C.vkllm_DestroyBufferView(v.dev.fns, v.dev.dev, v.view)
	})
}
