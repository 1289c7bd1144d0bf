package vk

/*
#include "vkbind.h"
*/
import "C"

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"
	"unsafe"
)

// DeviceOptions configure Instance.NewDevice. This is the one place that
// switches optional features off to exercise the portable kernel paths.
type DeviceOptions struct {
	// Disable lists features not to enable even when supported.
	Disable Features
	// Portable disables every optional feature (Vulkan 1.1 core only).
	Portable bool
	// NoUnifiedMemory keeps device-local buffers out of host-visible memory,
	// so uploads and downloads go through staging as on a discrete GPU.
	NoUnifiedMemory bool
	// BlockSize is the VkDeviceMemory block size (default 64 MiB), capped at
	// min(maxMemoryAllocationSize, 1 GiB).
	BlockSize uint64
	// PipelineCacheDir holds the pipeline cache file; "" means
	// os.UserCacheDir()/vkllm. NoPipelineCache disables the file.
	PipelineCacheDir string
	NoPipelineCache  bool
	// Extensions are further device extensions to enable, such as
	// VK_KHR_swapchain for presentation (see Swapchain).
	Extensions []string
}

// maxBlock caps every VkDeviceMemory allocation (see DESIGN: pools split
// over buffers no larger than the device's max allocation and 1 GiB).
const maxBlock = 1 << 30

// closer is a device child destroyed, in reverse creation order, by
// Device.Close if its owner did not close it.
type closer interface{ Close() }

// Device is a logical device with one compute queue. Creating and closing
// objects and submitting are safe for concurrent use; a Commands is used by
// one goroutine at a time.
type Device struct {
	inst     *Instance
	pd       PhysicalDevice
	dev      C.VkDevice
	fns      *C.vkllm_dfns
	queue    C.VkQueue
	family   uint32
	features Features
	opts     DeviceOptions

	qmu    sync.Locker // queue, submission serials; shared with the application when adopted
	serial uint64

	mu       sync.Mutex // pools, live objects, closed
	pools    map[uint32]*memPool
	internal uint64 // bytes of internal (staging) buffers
	live     map[closer]uint64
	seq      uint64
	closed   bool
	memTypes memoryChoice

	xmu     sync.Mutex // transfer commands and staging buffer
	xfer    *Commands
	staging *Buffer

	cache    pipelineCache
	timeline *Timeline // signalled with each submission serial, if enabled

	adopted bool // created by the application: Close never destroys it
	exts    []string
	wsi     wsiDevice
}

// NewDevice opens pd (from this instance's PhysicalDevices) with one
// compute queue and every useful supported feature not disabled by opts.
func (in *Instance) NewDevice(pd PhysicalDevice, opts DeviceOptions) (*Device, error) {
	if pd.inst != in || pd.handle == nil {
		return nil, fmt.Errorf("vk: NewDevice: %q is not a device of this instance", pd.Name)
	}
	if pd.QueueFamily < 0 {
		return nil, fmt.Errorf("%w: %s has no compute queue", ErrUnsupported, pd.Name)
	}
	d := &Device{inst: in, pd: pd, family: uint32(pd.QueueFamily), opts: opts,
		pools: map[uint32]*memPool{}, live: map[closer]uint64{}, qmu: new(sync.Mutex)}
	d.features = enabledFeatures(pd.Features, opts)
	if err := d.create(); err != nil {
		return nil, err
	}
	if err := d.finishOpen(); err != nil {
		return nil, err
	}
	return d, nil
}

// enabledFeatures is the supported set minus what opts switches off.
func enabledFeatures(have Features, opts DeviceOptions) Features {
	if opts.Portable {
		return Features{}
	}
	return have.minus(opts.Disable)
}

// minus returns the features in f that are not in off.
func (f Features) minus(off Features) Features {
	return Features{
		Float16:              f.Float16 && !off.Float16,
		Int8:                 f.Int8 && !off.Int8,
		Storage8Bit:          f.Storage8Bit && !off.Storage8Bit,
		Storage16Bit:         f.Storage16Bit && !off.Storage16Bit,
		SubgroupSizeControl:  f.SubgroupSizeControl && !off.SubgroupSizeControl,
		ComputeFullSubgroups: f.ComputeFullSubgroups && !off.ComputeFullSubgroups,
		IntegerDotProduct:    f.IntegerDotProduct && !off.IntegerDotProduct,
		TimelineSemaphore:    f.TimelineSemaphore && !off.TimelineSemaphore,
		MemoryBudget:         f.MemoryBudget && !off.MemoryBudget,
		SubgroupBasic:        f.SubgroupBasic && !off.SubgroupBasic,
		SubgroupArithmetic:   f.SubgroupArithmetic && !off.SubgroupArithmetic,
		SubgroupShuffle:      f.SubgroupShuffle && !off.SubgroupShuffle,
		TexelBuffer:          f.TexelBuffer && !off.TexelBuffer,
	}
}

func (d *Device) create() error {
	c := C.vkllm_new_features(C.uint32_t(d.pd.chain))
	if c == nil {
		return fmt.Errorf("vk: feature chain: %w", ErrOutOfDeviceMemory)
	}
	defer C.free(unsafe.Pointer(c))
	C.vkllm_clear_features(c)
	f := d.features
	c.s16.storageBuffer16BitAccess = vkBool(f.Storage16Bit)
	c.f16i8.shaderFloat16 = vkBool(f.Float16)
	c.f16i8.shaderInt8 = vkBool(f.Int8)
	c.s8.storageBuffer8BitAccess = vkBool(f.Storage8Bit)
	c.timeline.timelineSemaphore = vkBool(f.TimelineSemaphore)
	c.sgsc.subgroupSizeControl = vkBool(f.SubgroupSizeControl)
	c.sgsc.computeFullSubgroups = vkBool(f.ComputeFullSubgroups)
	c.dot.shaderIntegerDotProduct = vkBool(f.IntegerDotProduct)
	exts := d.deviceExtensions()
	for _, e := range d.opts.Extensions {
		if !slices.Contains(exts, e) {
			exts = append(exts, e)
		}
	}
	d.exts = exts
	var a cArena
	defer a.free()
	r := C.vkllm_create_device(d.inst.fns, d.pd.handle, C.uint32_t(d.family), c,
		a.strs(exts), C.uint32_t(len(exts)), &d.dev)
	if err := check("vkCreateDevice", r); err != nil {
		return err
	}
	khrTimeline := min(d.pd.APIVersion, d.inst.api) < Version12
	d.fns = C.vkllm_load_device(d.inst.fns, d.dev, boolInt(khrTimeline))
	if d.fns == nil {
		panic("vk: out of C memory")
	}
	C.vkllm_GetDeviceQueue(d.fns, d.dev, C.uint32_t(d.family), &d.queue)
	return nil
}

// deviceExtensions lists the extensions to enable: those providing enabled
// features on devices older than their promotion, plus portability_subset,
// which the spec requires whenever the device offers it.
func (d *Device) deviceExtensions() []string {
	api := min(d.pd.APIVersion, d.inst.api)
	f := d.features
	want := []struct {
		on   bool
		core Version
		ext  string
	}{
		{f.Storage16Bit, Version11, ext16BitStorage},
		{f.Float16 || f.Int8, Version12, extFloat16Int8},
		{f.Storage8Bit, Version12, ext8BitStorage},
		{f.TimelineSemaphore, Version12, extTimeline},
		{f.SubgroupSizeControl || f.ComputeFullSubgroups, Version13, extSubgroupSizeCtl},
		{f.IntegerDotProduct, Version13, extIntegerDot},
		{f.MemoryBudget, 1 << 31, extMemoryBudget},
		{true, 1 << 31, extPortabilitySubst},
	}
	var exts []string
	for _, w := range want {
		if w.on && api < w.core && d.pd.HasExtension(w.ext) {
			exts = append(exts, w.ext)
		}
	}
	return exts
}

func boolInt(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// Physical returns the device's properties.
func (d *Device) Physical() PhysicalDevice { return d.pd }

// Features returns the enabled features: kernels choose variants by these.
func (d *Device) Features() Features { return d.features }

// Limits returns the device limits.
func (d *Device) Limits() Limits { return d.pd.Limits }

// Instance returns the instance the device was opened from.
func (d *Device) Instance() *Instance { return d.inst }

// MaxBufferSize is the largest buffer NewBuffer accepts.
func (d *Device) MaxBufferSize() uint64 {
	return min(d.pd.Limits.MaxMemoryAllocationSize, maxBlock)
}

// track registers a child for reverse-order destruction at Device.Close.
func (d *Device) track(c closer) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errors.New("vk: device is closed")
	}
	d.seq++
	d.live[c] = d.seq
	return nil
}

func (d *Device) untrack(c closer) {
	d.mu.Lock()
	delete(d.live, c)
	d.mu.Unlock()
}

// WaitIdle waits until the queue has finished all submitted work.
func (d *Device) WaitIdle() error {
	d.qmu.Lock()
	defer d.qmu.Unlock()
	return check("vkDeviceWaitIdle", C.vkllm_DeviceWaitIdle(d.fns, d.dev))
}

// Close waits for the device to go idle, closes every object still open in
// reverse creation order, saves the pipeline cache and destroys the device.
// Idempotent.
func (d *Device) Close() {
	d.mu.Lock()
	if d.closed || d.dev == nil {
		d.mu.Unlock()
		return
	}
	d.mu.Unlock()
	_ = d.WaitIdle() // a lost device still has to be torn down
	d.closeChildren()
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.closeCache()
	if d.timeline != nil {
		d.timeline.destroy()
		d.timeline = nil
	}
	for _, p := range d.pools {
		p.releaseAll()
	}
	d.wsi.free()
	if !d.adopted {
		C.vkllm_DestroyDevice(d.fns, d.dev)
	}
	C.free(unsafe.Pointer(d.fns))
	d.dev, d.fns = nil, nil
}

func (d *Device) closeChildren() {
	d.xmu.Lock()
	if d.staging != nil {
		d.staging.Close()
		d.staging = nil
	}
	if d.xfer != nil {
		d.xfer.Close()
		d.xfer = nil
	}
	d.xmu.Unlock()
	d.mu.Lock()
	type entry struct {
		c   closer
		seq uint64
	}
	var objs []entry
	for c, s := range d.live {
		objs = append(objs, entry{c, s})
	}
	d.mu.Unlock()
	slices.SortFunc(objs, func(a, b entry) int { return cmp.Compare(b.seq, a.seq) })
	for _, o := range objs {
		o.c.Close()
	}
}

// Stats reports the allocator's state; BytesInUse and LiveObjects count
// only what callers created, so both are zero when nothing leaked.
func (d *Device) Stats() AllocatorStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	var s AllocatorStats
	for _, p := range d.pools {
		p.addStats(&s)
	}
	s.InternalBytes = d.internal
	s.BytesInUse -= d.internal
	s.LiveObjects = len(d.live)
	return s
}
