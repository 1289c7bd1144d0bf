package vk

/*
#include "wsi.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"unsafe"
)

// External names Vulkan objects an application created, as raw handles, so
// vkllm can run on the application's device instead of opening a second
// one. vkllm never destroys them; see AdoptDevice.
type External struct {
	Instance       uintptr // VkInstance
	PhysicalDevice uintptr // VkPhysicalDevice the device was created from
	Device         uintptr // VkDevice
	QueueFamily    uint32  // a family with compute (and, for presenting, present) support
	QueueIndex     uint32  // queue within the family; it was requested at vkCreateDevice
	// APIVersion is the instance's apiVersion (at least 1.1); 0 means 1.1.
	APIVersion Version
	// Features are the optional features the application enabled at
	// vkCreateDevice; vkllm uses only these (zero: the portable paths).
	Features Features
	// Extensions are the device extensions the application enabled.
	Extensions []string
	// QueueLock serialises use of the queue (Vulkan requires external
	// synchronisation of vkQueueSubmit and vkQueuePresentKHR). When the
	// application also submits to this queue, it must pass the lock it
	// holds around its own submissions; see Device.QueueLock.
	QueueLock sync.Locker
	// Options configure vkllm's own objects on the device (block size,
	// pipeline cache); Disable, Portable and Extensions are ignored.
	Options DeviceOptions
	Logger  *slog.Logger
}

// Handle returns the raw VkInstance, for window-system libraries and for
// External.Instance.
func (in *Instance) Handle() uintptr { return uintptr(C.vkllm_handle_of(unsafe.Pointer(in.inst))) }

// HandlePtr returns the VkInstance as a pointer, for libraries that take
// it as one (glfw's Window.CreateWindowSurface wants a pointer value).
func (in *Instance) HandlePtr() unsafe.Pointer { return unsafe.Pointer(in.inst) }

// Handle returns the raw VkPhysicalDevice.
func (pd *PhysicalDevice) Handle() uintptr {
	return uintptr(C.vkllm_handle_of(unsafe.Pointer(pd.handle)))
}

// Handle returns the raw VkDevice.
func (d *Device) Handle() uintptr { return uintptr(C.vkllm_handle_of(unsafe.Pointer(d.dev))) }

// QueueFamily returns the family of the device's queue.
func (d *Device) QueueFamily() uint32 { return d.family }

// QueueLock returns the lock held around every use of the device's queue;
// an application that shares the device (External.QueueLock) passes it on.
func (d *Device) QueueLock() sync.Locker { return d.qmu }

// Adopted reports whether the device came from AdoptDevice.
func (d *Device) Adopted() bool { return d.adopted }

// External describes d as raw handles for another component to adopt; the
// queue lock is shared so both serialise their submissions.
func (d *Device) External() External {
	return External{Instance: d.inst.Handle(), PhysicalDevice: d.pd.Handle(), Device: d.Handle(),
		QueueFamily: d.family, APIVersion: d.inst.api, Features: d.features,
		Extensions: slices.Clone(d.exts), QueueLock: d.qmu}
}

// AdoptDevice wraps an application's instance and device: it resolves
// their entry points from the handles and creates only vkllm's own objects
// (buffers, pipelines, a timeline semaphore, a pipeline cache) on them.
// Closing the returned Device destroys those objects and nothing else;
// close it before the application destroys its device. The returned
// Device's Instance is a wrapper that is closed with it.
func AdoptDevice(x External) (*Device, error) {
	if x.Instance == 0 || x.PhysicalDevice == 0 || x.Device == 0 {
		return nil, errors.New("vk: AdoptDevice: instance, physical device and device handles are required")
	}
	in, err := adoptInstance(x)
	if err != nil {
		return nil, err
	}
	d, err := in.adoptDevice(x)
	if err != nil {
		in.Close()
		return nil, err
	}
	return d, nil
}

func adoptInstance(x External) (*Instance, error) {
	if err := load(); err != nil {
		return nil, err
	}
	api := x.APIVersion
	if api == 0 {
		api = Version11
	}
	if api < Version11 {
		return nil, fmt.Errorf("%w: adopted instance is Vulkan %v, need 1.1", ErrUnsupported, api)
	}
	in := &Instance{api: min(api, Version13), log: x.Logger, adopted: true}
	if in.log == nil {
		in.log = slog.Default()
	}
	in.inst = C.vkllm_instance_from(C.uintptr_t(x.Instance))
	in.fns = C.vkllm_load_instance(in.inst)
	if in.fns == nil {
		panic("vk: out of C memory")
	}
	return in, nil
}

// adoptDevice finds the physical device among in's and wraps the device.
func (in *Instance) adoptDevice(x External) (*Device, error) {
	pds, err := in.PhysicalDevices()
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(pds, func(pd PhysicalDevice) bool { return pd.Handle() == x.PhysicalDevice })
	if i < 0 {
		return nil, errors.New("vk: AdoptDevice: the physical device is not one of the instance's")
	}
	pd := pds[i]
	if err := checkQueue(&pd, x); err != nil {
		return nil, err
	}
	opts := x.Options
	opts.Disable, opts.Portable, opts.Extensions = Features{}, false, nil
	d := &Device{inst: in, pd: pd, family: x.QueueFamily, opts: opts, adopted: true, qmu: x.QueueLock,
		pools: map[uint32]*memPool{}, live: map[closer]uint64{}, exts: slices.Clone(x.Extensions)}
	if d.qmu == nil {
		d.qmu = new(sync.Mutex)
	}
	d.features = enabledFeatures(pd.Features, DeviceOptions{Disable: missing(pd.Features, x.Features)})
	d.dev = C.vkllm_device_from(C.uintptr_t(x.Device))
	khrTimeline := min(pd.APIVersion, in.api) < Version12
	d.fns = C.vkllm_load_device(in.fns, d.dev, boolInt(khrTimeline))
	if d.fns == nil {
		panic("vk: out of C memory")
	}
	C.vkllm_get_queue(d.fns, d.dev, C.uint32_t(x.QueueFamily), C.uint32_t(x.QueueIndex), &d.queue)
	return d, d.finishOpen()
}

// finishOpen creates the device's own objects after vkCreateDevice or
// adoption; on error it closes d.
func (d *Device) finishOpen() error {
	d.memTypes = chooseMemory(&d.pd, d.opts.NoUnifiedMemory)
	if d.features.TimelineSemaphore {
		var err error
		if d.timeline, err = d.newTimeline(0); err != nil {
			d.Close()
			return err
		}
	}
	if err := d.openCache(); err != nil {
		d.Close()
		return err
	}
	return nil
}

// checkQueue verifies the adopted queue can run compute work.
func checkQueue(pd *PhysicalDevice, x External) error {
	fams := queueFamilies(pd)
	if int(x.QueueFamily) >= len(fams) {
		return fmt.Errorf("vk: AdoptDevice: queue family %d of %d", x.QueueFamily, len(fams))
	}
	f := fams[x.QueueFamily]
	if f.flags&C.VK_QUEUE_COMPUTE_BIT == 0 {
		return fmt.Errorf("%w: queue family %d has no compute", ErrUnsupported, x.QueueFamily)
	}
	if x.QueueIndex >= f.count {
		return fmt.Errorf("vk: AdoptDevice: queue index %d, family %d has %d queues", x.QueueIndex, x.QueueFamily, f.count)
	}
	return nil
}

type queueFamily struct {
	flags C.VkQueueFlags
	count uint32
}

func queueFamilies(pd *PhysicalDevice) []queueFamily {
	f := pd.inst.fns
	var n C.uint32_t
	C.vkllm_GetPhysicalDeviceQueueFamilyProperties(f, pd.handle, &n, nil)
	if n == 0 {
		return nil
	}
	var a cArena
	defer a.free()
	props := unsafe.Slice((*C.VkQueueFamilyProperties)(a.alloc(uintptr(n)*C.sizeof_VkQueueFamilyProperties)), n)
	C.vkllm_GetPhysicalDeviceQueueFamilyProperties(f, pd.handle, &n, &props[0])
	out := make([]queueFamily, n)
	for i, p := range props[:n] {
		out[i] = queueFamily{p.queueFlags, uint32(p.queueCount)}
	}
	return out
}

// missing returns the features in have that are not in enabled, so
// enabledFeatures(have, Disable: missing) is their intersection. Subgroup
// operations and texel buffers are properties, not enabled features, and
// stay on.
func missing(have, enabled Features) Features {
	m := have.minus(enabled)
	m.SubgroupBasic, m.SubgroupArithmetic, m.SubgroupShuffle = false, false, false
	m.TexelBuffer = false
	return m
}
