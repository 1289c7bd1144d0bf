package vk

/*
#include "wsi.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
	"unsafe"
)

// Window-system extensions. A window library names the platform surface
// extension (glfw.GetRequiredInstanceExtensions); pass those in
// InstanceOptions.Extensions and ExtSwapchain in DeviceOptions.Extensions.
const (
	ExtSurface   = "VK_KHR_surface"
	ExtSwapchain = "VK_KHR_swapchain"
)

// ErrOutOfDate is returned by Acquire and Present when the surface changed
// (a resize) and the swapchain must be recreated.
var ErrOutOfDate = errors.New("vk: swapchain out of date")

// wsiInstance holds the surface entry points, loaded on first use.
type wsiInstance struct {
	once sync.Once
	fns  *C.vkllm_wsi_ifns
	err  error
}

func (w *wsiInstance) free() {
	if w.fns != nil {
		C.free(unsafe.Pointer(w.fns))
		w.fns = nil
	}
}

func (in *Instance) wsiFns() (*C.vkllm_wsi_ifns, error) {
	in.wsi.once.Do(func() {
		if !in.adopted && !slices.Contains(in.exts, ExtSurface) {
			in.wsi.err = fmt.Errorf("%w: instance created without %s", ErrUnsupported, ExtSurface)
			return
		}
		in.wsi.fns = C.vkllm_load_wsi_instance(in.inst)
		if in.wsi.fns == nil {
			panic("vk: out of C memory")
		}
		if C.vkllm_wsi_instance_complete(in.wsi.fns) == 0 {
			in.wsi.err = fmt.Errorf("%w: %s entry points missing", ErrUnsupported, ExtSurface)
		}
	})
	return in.wsi.fns, in.wsi.err
}

// wsiDevice holds the swapchain entry points, loaded on first use.
type wsiDevice struct {
	once sync.Once
	fns  *C.vkllm_wsi_dfns
	err  error
}

func (w *wsiDevice) free() {
	if w.fns != nil {
		C.free(unsafe.Pointer(w.fns))
		w.fns = nil
	}
}

func (d *Device) wsiFns() (*C.vkllm_wsi_dfns, error) {
	d.wsi.once.Do(func() {
		if !slices.Contains(d.exts, ExtSwapchain) {
			d.wsi.err = fmt.Errorf("%w: device opened without %s", ErrUnsupported, ExtSwapchain)
			return
		}
		d.wsi.fns = C.vkllm_load_wsi_device(d.inst.fns, d.dev)
		if d.wsi.fns == nil {
			panic("vk: out of C memory")
		}
		if C.vkllm_wsi_device_complete(d.wsi.fns) == 0 {
			d.wsi.err = fmt.Errorf("%w: %s entry points missing", ErrUnsupported, ExtSwapchain)
		}
	})
	return d.wsi.fns, d.wsi.err
}

// Surface is a VkSurfaceKHR a window library created on this instance.
type Surface struct {
	in   *Instance
	s    C.VkSurfaceKHR
	once sync.Once
}

// TakeSurface wraps a raw VkSurfaceKHR (glfw's Window.CreateWindowSurface
// returns one) and takes ownership: Surface.Close destroys it. Close it
// after every swapchain on it and before the instance.
func (in *Instance) TakeSurface(handle uintptr) (*Surface, error) {
	if handle == 0 {
		return nil, errors.New("vk: TakeSurface: null surface")
	}
	if _, err := in.wsiFns(); err != nil {
		return nil, err
	}
	return &Surface{in: in, s: C.vkllm_surface_from(C.uintptr_t(handle))}, nil
}

// Close destroys the surface. Idempotent.
func (s *Surface) Close() {
	s.once.Do(func() {
		C.vkllm_wsi_destroy_surface(s.in.wsi.fns, s.in.inst, s.s)
	})
}

// Semaphore is a binary semaphore ordering acquire, copy and present.
type Semaphore struct {
	dev  *Device
	sem  C.VkSemaphore
	once sync.Once
}

// NewSemaphore creates a binary semaphore.
func (d *Device) NewSemaphore() (*Semaphore, error) {
	var ci C.VkSemaphoreCreateInfo // no pointers: may live in Go memory
	ci.sType = C.VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO
	s := &Semaphore{dev: d}
	if err := check("vkCreateSemaphore", C.vkllm_CreateSemaphore(d.fns, d.dev, &ci, &s.sem)); err != nil {
		return nil, err
	}
	if err := d.track(s); err != nil {
		C.vkllm_DestroySemaphore(d.fns, d.dev, s.sem)
		return nil, err
	}
	return s, nil
}

// Close destroys the semaphore once the device is idle. Idempotent.
func (s *Semaphore) Close() {
	s.once.Do(func() {
		_ = s.dev.WaitIdle()
		s.dev.untrack(s)
		C.vkllm_DestroySemaphore(s.dev.fns, s.dev.dev, s.sem)
	})
}

// Swapchain is a VkSwapchainKHR on a Surface with images the host fills by
// copies (CopyToImage): its images are transfer destinations, and transfer
// sources where the surface allows (CanRead), so frames can be read back.
type Swapchain struct {
	dev     *Device
	surf    *Surface
	sc      C.VkSwapchainKHR
	images  []C.VkImage
	format  C.VkFormat
	width   int
	height  int
	canRead bool
	once    sync.Once
}

// Size returns the images' extent in pixels.
func (s *Swapchain) Size() (width, height int) { return s.width, s.height }

// Images returns the number of swapchain images.
func (s *Swapchain) Images() int { return len(s.images) }

// BGRA reports whether the images are B8G8R8A8 (else R8G8B8A8): the byte
// order CopyToImage's source must have.
func (s *Swapchain) BGRA() bool {
	return s.format == C.VK_FORMAT_B8G8R8A8_UNORM || s.format == C.VK_FORMAT_B8G8R8A8_SRGB
}

// CanRead reports whether CopyFromImage works on this swapchain.
func (s *Swapchain) CanRead() bool { return s.canRead }

// Acquire gets the next image to draw, signalling sem when it is ready.
// It waits up to timeout (negative: no limit).
func (s *Swapchain) Acquire(sem *Semaphore, timeout time.Duration) (int, error) {
	ns := C.uint64_t(C.UINT64_MAX)
	if timeout >= 0 {
		ns = C.uint64_t(timeout.Nanoseconds())
	}
	var idx C.uint32_t
	r := C.vkllm_acquire(s.dev.wsi.fns, s.dev.dev, s.sc, ns, sem.sem, &idx)
	return int(idx), presentResult("vkAcquireNextImageKHR", r)
}

// Present queues image index for display once wait is signalled.
func (s *Swapchain) Present(index int, wait *Semaphore) error {
	if index < 0 || index >= len(s.images) {
		return fmt.Errorf("vk: Present: image %d of %d", index, len(s.images))
	}
	s.dev.qmu.Lock()
	defer s.dev.qmu.Unlock()
	r := C.vkllm_present(s.dev.wsi.fns, s.dev.queue, s.sc, C.uint32_t(index), wait.sem)
	return presentResult("vkQueuePresentKHR", r)
}

// presentResult maps suboptimal to success (the frame was shown) and
// out-of-date to ErrOutOfDate.
func presentResult(call string, r C.VkResult) error {
	switch r {
	case C.VK_SUCCESS, C.VK_SUBOPTIMAL_KHR:
		return nil
	case C.VK_ERROR_OUT_OF_DATE_KHR:
		return fmt.Errorf("vk: %s: %w", call, ErrOutOfDate)
	}
	return check(call, r)
}

// Close destroys the swapchain after the device is idle. Idempotent.
func (s *Swapchain) Close() {
	s.once.Do(func() {
		_ = s.dev.WaitIdle()
		s.dev.untrack(s)
		C.vkllm_wsi_destroy_swapchain(s.dev.wsi.fns, s.dev.dev, s.sc)
	})
}
