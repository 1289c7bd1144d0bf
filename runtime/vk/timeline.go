package vk

/*
#include "vkbind.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"time"
	"unsafe"
)

// Timeline is a timeline semaphore (Vulkan 1.2 or VK_KHR_timeline_semaphore).
// When the feature is enabled the device signals its own timeline with the
// submission serial on every Submit, and objects' Close waits on it instead
// of polling fences.
type Timeline struct {
	dev  *Device
	sem  C.VkSemaphore
	once sync.Once
}

// NewTimeline creates a timeline semaphore starting at initial; it fails
// with ErrUnsupported when the TimelineSemaphore feature is not enabled.
func (d *Device) NewTimeline(initial uint64) (*Timeline, error) {
	t, err := d.newTimeline(initial)
	if err != nil {
		return nil, err
	}
	if err := d.track(t); err != nil {
		t.destroy()
		return nil, err
	}
	return t, nil
}

func (d *Device) newTimeline(initial uint64) (*Timeline, error) {
	if !d.features.TimelineSemaphore {
		return nil, fmt.Errorf("vk: timeline semaphore on %s: %w", d.pd.Name, ErrUnsupported)
	}
	var a cArena
	defer a.free()
	tci := newC[C.VkSemaphoreTypeCreateInfo](&a)
	tci.sType = C.VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO
	tci.semaphoreType = C.VK_SEMAPHORE_TYPE_TIMELINE
	tci.initialValue = C.uint64_t(initial)
	ci := newC[C.VkSemaphoreCreateInfo](&a)
	ci.sType = C.VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO
	ci.pNext = unsafe.Pointer(tci)
	t := &Timeline{dev: d}
	if err := check("vkCreateSemaphore", C.vkllm_CreateSemaphore(d.fns, d.dev, ci, &t.sem)); err != nil {
		return nil, err
	}
	return t, nil
}

// Value reads the semaphore's current value.
func (t *Timeline) Value() (uint64, error) {
	var v C.uint64_t
	err := check("vkGetSemaphoreCounterValue", C.vkllm_GetSemaphoreCounterValue(t.dev.fns, t.dev.dev, t.sem, &v))
	return uint64(v), err
}

// Signal sets the value from the host (it must increase).
func (t *Timeline) Signal(v uint64) error {
	return check("vkSignalSemaphore", C.vkllm_signal_semaphore(t.dev.fns, t.dev.dev, t.sem, C.uint64_t(v)))
}

// Wait blocks until the value reaches v, or timeout passes (negative: no
// limit); a timeout is a VK_TIMEOUT Result error.
func (t *Timeline) Wait(v uint64, timeout time.Duration) error {
	ns := C.uint64_t(C.UINT64_MAX)
	if timeout >= 0 {
		ns = C.uint64_t(timeout.Nanoseconds())
	}
	return check("vkWaitSemaphores", C.vkllm_wait_semaphore(t.dev.fns, t.dev.dev, t.sem, C.uint64_t(v), ns))
}

// Close destroys the semaphore after the device finished what was
// submitted so far. Idempotent.
func (t *Timeline) Close() {
	t.once.Do(func() {
		_ = t.dev.WaitIdle()
		t.dev.untrack(t)
		t.destroy()
	})
}

func (t *Timeline) destroy() {
	C.vkllm_DestroySemaphore(t.dev.fns, t.dev.dev, t.sem)
}

// Completed returns the serial of the last finished submission when the
// device has a timeline (ok false otherwise).
func (d *Device) Completed() (serial uint64, ok bool) {
	if d.timeline == nil {
		return 0, false
	}
	v, err := d.timeline.Value()
	return v, err == nil
}

// MemoryHeaps re-reads the heaps; with the MemoryBudget feature their
// Budget and Usage fields are current (VK_EXT_memory_budget).
func (d *Device) MemoryHeaps() []MemoryHeap {
	pd := d.pd
	pd.Heaps = nil
	if !d.features.MemoryBudget {
		pd.chain &^= C.VKLLM_BUDGET
	}
	p := (*C.vkllm_props)(C.calloc(1, C.sizeof_vkllm_props))
	if p == nil {
		panic("vk: out of C memory")
	}
	defer C.free(unsafe.Pointer(p))
	C.vkllm_get_memory(d.inst.fns, pd.handle, C.uint32_t(pd.chain), p)
	pd.readMemory(&p.m2.memoryProperties, &p.budget)
	return pd.Heaps
}
