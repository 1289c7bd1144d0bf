package vk

/*
#include "vkbind.h"
*/
import "C"

import (
	"errors"
	"fmt"
)

// TexelSize is the size of one texel of a texel binding: an
// R32G32B32A32_UINT texel, a uvec4 to texelFetch(usamplerBuffer).
const TexelSize = 16

// Texels returns a uniform texel buffer binding of b's range, cut to whole
// texels: the descriptor set makes an R32G32B32A32_UINT buffer view of it
// and destroys the view with the set. Shaders read it through a
// usamplerBuffer, which lavapipe fetches with plain vector gathers where a
// storage buffer load costs a branchy scalar loop per lane and component.
// It needs the TexelBuffer feature; the offset must be a multiple of
// Limits.MinTexelBufferOffsetAlignment and the range at most
// MaxTexelViewSize bytes.
func (b Binding) Texels() Binding {
	b.size &^= TexelSize - 1
	b.texels = true
	return b
}

// MaxTexelViewSize is the largest texel binding range the device takes, 0
// when texel buffers are not enabled.
func (d *Device) MaxTexelViewSize() uint64 {
	if !d.features.TexelBuffer {
		return 0
	}
	return uint64(d.pd.Limits.MaxTexelBufferElements) * TexelSize
}

// newTexelView makes the view of a texel binding.
func (d *Device) newTexelView(b Binding) (C.VkBufferView, error) {
	if err := d.checkTexels(b); err != nil {
		return nil, err
	}
	var ci C.VkBufferViewCreateInfo // no pointers inside: may live in Go memory
	ci.sType = C.VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO
	ci.buffer = b.buf.buf
	ci.format = C.VK_FORMAT_R32G32B32A32_UINT
	ci.offset = C.VkDeviceSize(b.off)
	ci._range = C.VkDeviceSize(b.size)
	var v C.VkBufferView
	err := check("vkCreateBufferView", C.vkllm_CreateBufferView(d.fns, d.dev, &ci, &v))
	return v, err
}

func (d *Device) checkTexels(b Binding) error {
	lim := d.pd.Limits
	switch {
	case !d.features.TexelBuffer:
		return fmt.Errorf("texel buffers not enabled: %w", ErrUnsupported)
	case b.buf == nil:
		return errors.New("nil buffer")
	case b.size == 0 || b.off+b.size > b.buf.size:
		return fmt.Errorf("texel range [%d,+%d) not whole texels inside a %d-byte buffer", b.off, b.size, b.buf.size)
	case lim.MinTexelBufferOffsetAlignment > 0 && b.off%lim.MinTexelBufferOffsetAlignment != 0:
		return fmt.Errorf("texel offset %d not a multiple of %d", b.off, lim.MinTexelBufferOffsetAlignment)
	case b.size > d.MaxTexelViewSize():
		return fmt.Errorf("%d texels exceed maxTexelBufferElements %d: %w", b.size/TexelSize, lim.MaxTexelBufferElements, ErrUnsupported)
	}
	return nil
}

// destroyViews destroys views made by newTexelView.
func (d *Device) destroyViews(vs []C.VkBufferView) {
	for _, v := range vs {
		C.vkllm_DestroyBufferView(d.fns, d.dev, v)
	}
}
