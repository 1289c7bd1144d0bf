package vk

/*
#include "wsi.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// NewSwapchain creates a swapchain of about width×height pixels (the
// surface's current extent wins when it has one) presenting in FIFO mode.
// old, if not nil, is the swapchain being replaced after ErrOutOfDate; the
// caller closes it afterwards. The device's queue family must be able to
// present to the surface.
func (d *Device) NewSwapchain(surf *Surface, width, height int, old *Swapchain) (*Swapchain, error) {
	w, err := d.wsiFns()
	if err != nil {
		return nil, err
	}
	if surf.in.inst != d.inst.inst {
		return nil, fmt.Errorf("vk: NewSwapchain: surface of another instance")
	}
	caps, err := d.surfaceCaps(surf)
	if err != nil {
		return nil, err
	}
	format, err := d.surfaceFormat(surf)
	if err != nil {
		return nil, err
	}
	s := &Swapchain{dev: d, surf: surf, format: format.format}
	s.width, s.height = extent(caps, width, height)
	usage := C.VkImageUsageFlags(C.VK_IMAGE_USAGE_TRANSFER_DST_BIT)
	if caps.supportedUsageFlags&usage == 0 {
		return nil, fmt.Errorf("%w: surface images cannot be transfer destinations", ErrUnsupported)
	}
	if caps.supportedUsageFlags&C.VK_IMAGE_USAGE_TRANSFER_SRC_BIT != 0 {
		usage |= C.VK_IMAGE_USAGE_TRANSFER_SRC_BIT
		s.canRead = true
	}
	var oldSC C.VkSwapchainKHR
	if old != nil {
		oldSC = old.sc
	}
	ext := C.VkExtent2D{width: C.uint32_t(s.width), height: C.uint32_t(s.height)}
	r := C.vkllm_create_swapchain(w, d.dev, surf.s, &caps, format, ext, usage, oldSC, &s.sc)
	if err := check("vkCreateSwapchainKHR", r); err != nil {
		return nil, err
	}
	if err := s.readImages(); err != nil {
		C.vkllm_wsi_destroy_swapchain(w, d.dev, s.sc)
		return nil, err
	}
	if err := d.track(s); err != nil {
		C.vkllm_wsi_destroy_swapchain(w, d.dev, s.sc)
		return nil, err
	}
	return s, nil
}

// surfaceCaps checks present support of the device's queue family and
// returns the surface capabilities.
func (d *Device) surfaceCaps(surf *Surface) (C.VkSurfaceCapabilitiesKHR, error) {
	var caps C.VkSurfaceCapabilitiesKHR // no pointers: may live in Go memory
	iw := d.inst.wsi.fns
	var ok C.VkBool32
	if err := check("vkGetPhysicalDeviceSurfaceSupportKHR",
		C.vkllm_surface_support(iw, d.pd.handle, C.uint32_t(d.family), surf.s, &ok)); err != nil {
		return caps, err
	}
	if ok == C.VK_FALSE {
		return caps, fmt.Errorf("%w: queue family %d of %s cannot present to the surface", ErrUnsupported, d.family, d.pd.Name)
	}
	err := check("vkGetPhysicalDeviceSurfaceCapabilitiesKHR", C.vkllm_surface_caps(iw, d.pd.handle, surf.s, &caps))
	return caps, err
}

// surfaceFormat picks an 8-bit RGBA or BGRA format, UNORM first: frames are
// copied byte for byte, so the bytes are what the display shows.
func (d *Device) surfaceFormat(surf *Surface) (C.VkSurfaceFormatKHR, error) {
	const call = "vkGetPhysicalDeviceSurfaceFormatsKHR"
	iw := d.inst.wsi.fns
	var n C.uint32_t
	if err := check(call, C.vkllm_surface_formats(iw, d.pd.handle, surf.s, &n, nil)); err != nil {
		return C.VkSurfaceFormatKHR{}, err
	}
	if n == 0 {
		return C.VkSurfaceFormatKHR{}, fmt.Errorf("%w: surface has no formats", ErrUnsupported)
	}
	var a cArena
	defer a.free()
	fs := unsafe.Slice((*C.VkSurfaceFormatKHR)(a.alloc(uintptr(n)*C.sizeof_VkSurfaceFormatKHR)), n)
	if err := check(call, C.vkllm_surface_formats(iw, d.pd.handle, surf.s, &n, &fs[0])); err != nil {
		return C.VkSurfaceFormatKHR{}, err
	}
	for _, want := range []C.VkFormat{C.VK_FORMAT_B8G8R8A8_UNORM, C.VK_FORMAT_R8G8B8A8_UNORM,
		C.VK_FORMAT_B8G8R8A8_SRGB, C.VK_FORMAT_R8G8B8A8_SRGB} {
		for _, f := range fs[:n] {
			if f.format == want {
				return f, nil
			}
		}
	}
	return C.VkSurfaceFormatKHR{}, fmt.Errorf("%w: surface offers no 8-bit RGBA/BGRA format", ErrUnsupported)
}

// extent is the surface's fixed extent, or the request clamped to its range.
func extent(caps C.VkSurfaceCapabilitiesKHR, width, height int) (int, int) {
	cur := caps.currentExtent
	if cur.width != C.UINT32_MAX {
		return int(cur.width), int(cur.height)
	}
	lo, hi := caps.minImageExtent, caps.maxImageExtent
	return min(max(width, int(lo.width)), int(hi.width)), min(max(height, int(lo.height)), int(hi.height))
}

func (s *Swapchain) readImages() error {
	const call = "vkGetSwapchainImagesKHR"
	w := s.dev.wsi.fns
	var n C.uint32_t
	if err := check(call, C.vkllm_swapchain_images(w, s.dev.dev, s.sc, &n, nil)); err != nil {
		return err
	}
	var a cArena
	defer a.free()
	imgs := unsafe.Slice((*C.VkImage)(a.alloc(uintptr(n)*unsafe.Sizeof(C.VkImage(nil)))), n)
	if err := check(call, C.vkllm_swapchain_images(w, s.dev.dev, s.sc, &n, &imgs[0])); err != nil {
		return err
	}
	s.images = append([]C.VkImage(nil), imgs[:n]...)
	return nil
}

// FrameBytes is the size of one tightly packed 4-byte-per-pixel frame.
func (s *Swapchain) FrameBytes() uint64 { return uint64(s.width) * uint64(s.height) * 4 }

// CopyToImage records the copy of a frame (FrameBytes bytes at src[off:],
// rows tightly packed, in the BGRA or RGBA order of the swapchain) into
// image index. The image's old contents are discarded. Follow it with
// CopyFromImage (optional) and PresentBarrier.
func (c *Commands) CopyToImage(src *Buffer, off uint64, s *Swapchain, index int) {
	if !c.checkImage(s, index, src, off) {
		return
	}
	img := s.images[index]
	C.vkllm_image_barrier(c.dev.fns, c.cb, img, C.VK_IMAGE_LAYOUT_UNDEFINED, C.VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
		stTransfer, stTransfer, 0, C.VK_ACCESS_TRANSFER_WRITE_BIT)
	C.vkllm_copy_to_image(s.dev.wsi.fns, c.cb, src.buf, C.VkDeviceSize(off), img,
		C.uint32_t(s.width), C.uint32_t(s.height))
	c.used = append(c.used, src)
}

// CopyFromImage records the read-back of image index (just written by
// CopyToImage) into dst[off:], so a test or a screenshot sees exactly what
// is presented. It needs CanRead.
func (c *Commands) CopyFromImage(s *Swapchain, index int, dst *Buffer, off uint64) {
	if !s.canRead {
		c.fail(fmt.Errorf("vk: CopyFromImage: %w: swapchain images are not transfer sources", ErrUnsupported))
		return
	}
	if !c.checkImage(s, index, dst, off) {
		return
	}
	img := s.images[index]
	C.vkllm_image_barrier(c.dev.fns, c.cb, img, C.VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, C.VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
		stTransfer, stTransfer, C.VK_ACCESS_TRANSFER_WRITE_BIT, C.VK_ACCESS_TRANSFER_READ_BIT)
	C.vkllm_copy_from_image(s.dev.wsi.fns, c.cb, img, C.uint32_t(s.width), C.uint32_t(s.height),
		dst.buf, C.VkDeviceSize(off))
	c.used = append(c.used, dst)
	c.readBack = true
}

// PresentBarrier records the transition of image index to the present
// layout; it is the last command on the image before Present.
func (c *Commands) PresentBarrier(s *Swapchain, index int) {
	if index < 0 || index >= len(s.images) {
		c.fail(fmt.Errorf("vk: PresentBarrier: image %d of %d", index, len(s.images)))
		return
	}
	from := C.VkImageLayout(C.VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL)
	if c.readBack {
		from = C.VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL
	}
	c.readBack = false
	// Presentation needs no access mask: the present semaphore orders it.
	C.vkllm_image_barrier(c.dev.fns, c.cb, s.images[index], from, C.VK_IMAGE_LAYOUT_PRESENT_SRC_KHR,
		stTransfer, C.VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, C.VK_ACCESS_TRANSFER_WRITE_BIT, 0)
}

func (c *Commands) checkImage(s *Swapchain, index int, b *Buffer, off uint64) bool {
	switch {
	case s.dev != c.dev:
		c.fail(fmt.Errorf("vk: swapchain copy: swapchain of another device"))
	case index < 0 || index >= len(s.images):
		c.fail(fmt.Errorf("vk: swapchain copy: image %d of %d", index, len(s.images)))
	case off%4 != 0 || off+s.FrameBytes() > b.size:
		c.fail(fmt.Errorf("vk: swapchain copy: %d bytes at %d of a %d-byte buffer", s.FrameBytes(), off, b.size))
	default:
		return true
	}
	return false
}

// SubmitFrame submits c, which waits at the transfer stage for wait (the
// acquire semaphore) and signals signal (the present semaphore). It is
// Submit otherwise: c.Wait or the next Begin waits for it.
func (d *Device) SubmitFrame(c *Commands, wait, signal *Semaphore) error {
	return d.submit(c, "SubmitFrame", wait, signal)
}
