package vk

/*
#include "vkbind.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Extensions whose structs or features this package uses.
const (
	extDriverProps      = "VK_KHR_driver_properties"
	ext16BitStorage     = "VK_KHR_16bit_storage"
	extFloat16Int8      = "VK_KHR_shader_float16_int8"
	ext8BitStorage      = "VK_KHR_8bit_storage"
	extTimeline         = "VK_KHR_timeline_semaphore"
	extSubgroupSizeCtl  = "VK_EXT_subgroup_size_control"
	extIntegerDot       = "VK_KHR_shader_integer_dot_product"
	extMemoryBudget     = "VK_EXT_memory_budget"
	extPortabilitySubst = "VK_KHR_portability_subset"
)

// chainExts maps each optional chain struct to the API version that made
// it core and the extension that provides it before that.
var chainExts = []struct {
	bit  uint32
	core Version
	ext  string
}{
	{C.VKLLM_S16, Version11, ext16BitStorage},
	{C.VKLLM_F16I8, Version12, extFloat16Int8},
	{C.VKLLM_S8, Version12, ext8BitStorage},
	{C.VKLLM_TIMELINE, Version12, extTimeline},
	{C.VKLLM_SGSC, Version13, extSubgroupSizeCtl},
	{C.VKLLM_DOT, Version13, extIntegerDot},
	{C.VKLLM_DRIVER, Version12, extDriverProps},
	{C.VKLLM_BUDGET, 1 << 31, extMemoryBudget}, // never core
}

// describe reads everything about one physical device.
func (in *Instance) describe(index int, h C.VkPhysicalDevice) (PhysicalDevice, error) {
	pd := PhysicalDevice{Index: index, inst: in, handle: h, QueueFamily: -1}
	exts, err := in.deviceExtensions(h)
	if err != nil {
		return pd, err
	}
	pd.Extensions = exts
	// The API version usable through this instance is the smaller one.
	pd.readProperties(in.fns, h, in.api)
	for _, c := range chainExts {
		if min(pd.APIVersion, in.api) >= c.core || pd.HasExtension(c.ext) {
			pd.chain |= c.bit
		}
	}
	pd.readProperties(in.fns, h, in.api) // again, now with the full chain
	pd.readFeatures(in.fns, h)
	pd.readQueues(in.fns, h)
	return pd, nil
}

func (in *Instance) deviceExtensions(h C.VkPhysicalDevice) ([]string, error) {
	const call = "vkEnumerateDeviceExtensionProperties"
	var n C.uint32_t
	if err := check(call, C.vkllm_EnumerateDeviceExtensionProperties(in.fns, h, &n, nil)); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	var a cArena
	defer a.free()
	props := unsafe.Slice((*C.VkExtensionProperties)(a.alloc(uintptr(n)*C.sizeof_VkExtensionProperties)), n)
	if err := check(call, C.vkllm_EnumerateDeviceExtensionProperties(in.fns, h, &n, &props[0])); err != nil {
		return nil, err
	}
	return extNames(props[:n]), nil
}

func (pd *PhysicalDevice) readProperties(f *C.vkllm_ifns, h C.VkPhysicalDevice, instAPI Version) {
	p := C.vkllm_get_props(f, h, C.uint32_t(pd.chain))
	if p == nil {
		panic("vk: out of C memory")
	}
	defer C.free(unsafe.Pointer(p))
	props := &p.p2.properties
	pd.Name = cString(props.deviceName[:])
	pd.Type = DeviceType(props.deviceType)
	pd.VendorID = uint32(props.vendorID)
	pd.DeviceID = uint32(props.deviceID)
	pd.DriverVersion = uint32(props.driverVersion)
	pd.APIVersion = Version(props.apiVersion)
	for i := range pd.CacheUUID {
		pd.CacheUUID[i] = byte(props.pipelineCacheUUID[i])
	}
	if pd.chain&C.VKLLM_DRIVER != 0 {
		pd.DriverName = cString(p.driver.driverName[:])
		pd.DriverInfo = cString(p.driver.driverInfo[:])
	}
	pd.Limits = readLimits(&props.limits)
	pd.Limits.MaxMemoryAllocationSize = uint64(p.m3.maxMemoryAllocationSize)
	pd.Subgroup = readSubgroup(p, pd.chain)
	pd.readMemory(&p.m2.memoryProperties, &p.budget)
}

func readLimits(l *C.VkPhysicalDeviceLimits) Limits {
	lim := Limits{
		MaxStorageBufferRange:           uint32(l.maxStorageBufferRange),
		MaxComputeWorkGroupInvocations:  uint32(l.maxComputeWorkGroupInvocations),
		MaxComputeSharedMemorySize:      uint32(l.maxComputeSharedMemorySize),
		MaxPushConstantsSize:            uint32(l.maxPushConstantsSize),
		MaxBoundDescriptorSets:          uint32(l.maxBoundDescriptorSets),
		MaxPerStageStorageBuffers:       uint32(l.maxPerStageDescriptorStorageBuffers),
		MinStorageBufferOffsetAlignment: uint64(l.minStorageBufferOffsetAlignment),
		MaxTexelBufferElements:          uint32(l.maxTexelBufferElements),
		MinTexelBufferOffsetAlignment:   uint64(l.minTexelBufferOffsetAlignment),
		TimestampPeriod:                 float32(l.timestampPeriod),
	}
	for i := range 3 {
		lim.MaxComputeWorkGroupSize[i] = uint32(l.maxComputeWorkGroupSize[i])
		lim.MaxComputeWorkGroupCount[i] = uint32(l.maxComputeWorkGroupCount[i])
	}
	return lim
}

func readSubgroup(p *C.vkllm_props, chain uint32) Subgroup {
	s := &p.subgroup
	ops := uint32(s.supportedOperations)
	sg := Subgroup{
		Size:         uint32(s.subgroupSize),
		MinSize:      uint32(s.subgroupSize),
		MaxSize:      uint32(s.subgroupSize),
		InCompute:    uint32(s.supportedStages)&C.VK_SHADER_STAGE_COMPUTE_BIT != 0,
		Basic:        ops&C.VK_SUBGROUP_FEATURE_BASIC_BIT != 0,
		Vote:         ops&C.VK_SUBGROUP_FEATURE_VOTE_BIT != 0,
		Arithmetic:   ops&C.VK_SUBGROUP_FEATURE_ARITHMETIC_BIT != 0,
		Ballot:       ops&C.VK_SUBGROUP_FEATURE_BALLOT_BIT != 0,
		Shuffle:      ops&C.VK_SUBGROUP_FEATURE_SHUFFLE_BIT != 0,
		ShuffleRelat: ops&C.VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT != 0,
		Clustered:    ops&C.VK_SUBGROUP_FEATURE_CLUSTERED_BIT != 0,
	}
	if chain&C.VKLLM_SGSC != 0 {
		sg.MinSize = uint32(p.sgsc.minSubgroupSize)
		sg.MaxSize = uint32(p.sgsc.maxSubgroupSize)
	}
	return sg
}

func (pd *PhysicalDevice) readMemory(m *C.VkPhysicalDeviceMemoryProperties, b *C.VkPhysicalDeviceMemoryBudgetPropertiesEXT) {
	budget := pd.chain&C.VKLLM_BUDGET != 0
	pd.Heaps = pd.Heaps[:0]
	for i := range int(m.memoryHeapCount) {
		h := m.memoryHeaps[i]
		heap := MemoryHeap{Size: uint64(h.size), DeviceLocal: h.flags&C.VK_MEMORY_HEAP_DEVICE_LOCAL_BIT != 0}
		if budget {
			heap.Budget, heap.Usage = uint64(b.heapBudget[i]), uint64(b.heapUsage[i])
		}
		pd.Heaps = append(pd.Heaps, heap)
	}
	pd.MemoryTypes = pd.MemoryTypes[:0]
	for i := range int(m.memoryTypeCount) {
		t := m.memoryTypes[i]
		fl := uint32(t.propertyFlags)
		pd.MemoryTypes = append(pd.MemoryTypes, MemoryType{
			Heap:         int(t.heapIndex),
			DeviceLocal:  fl&C.VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT != 0,
			HostVisible:  fl&C.VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT != 0,
			HostCoherent: fl&C.VK_MEMORY_PROPERTY_HOST_COHERENT_BIT != 0,
			HostCached:   fl&C.VK_MEMORY_PROPERTY_HOST_CACHED_BIT != 0,
		})
	}
}

func (pd *PhysicalDevice) readFeatures(f *C.vkllm_ifns, h C.VkPhysicalDevice) {
	c := C.vkllm_new_features(C.uint32_t(pd.chain))
	if c == nil {
		panic("vk: out of C memory")
	}
	defer C.free(unsafe.Pointer(c))
	C.vkllm_get_features(f, h, c)
	sg := pd.Subgroup
	pd.Features = Features{
		Float16:              c.f16i8.shaderFloat16 != 0,
		Int8:                 c.f16i8.shaderInt8 != 0,
		Storage8Bit:          c.s8.storageBuffer8BitAccess != 0,
		Storage16Bit:         c.s16.storageBuffer16BitAccess != 0,
		SubgroupSizeControl:  c.sgsc.subgroupSizeControl != 0,
		ComputeFullSubgroups: c.sgsc.computeFullSubgroups != 0,
		IntegerDotProduct:    c.dot.shaderIntegerDotProduct != 0,
		TimelineSemaphore:    c.timeline.timelineSemaphore != 0,
		MemoryBudget:         pd.chain&C.VKLLM_BUDGET != 0,
		SubgroupBasic:        sg.InCompute && sg.Basic,
		SubgroupArithmetic:   sg.InCompute && sg.Arithmetic,
		SubgroupShuffle:      sg.InCompute && sg.Shuffle,
		TexelBuffer:          texelFormatSupported(f, h),
	}
}

// texelFormatSupported reports whether TexelFormat can back a uniform
// texel buffer on the device.
func texelFormatSupported(f *C.vkllm_ifns, h C.VkPhysicalDevice) bool {
	var fp C.VkFormatProperties // no pointers inside: may live in Go memory
	C.vkllm_GetPhysicalDeviceFormatProperties(f, h, C.VK_FORMAT_R32G32B32A32_UINT, &fp)
	return fp.bufferFeatures&C.VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT != 0
}

func (pd *PhysicalDevice) readQueues(f *C.vkllm_ifns, h C.VkPhysicalDevice) {
	var n C.uint32_t
	C.vkllm_GetPhysicalDeviceQueueFamilyProperties(f, h, &n, nil)
	if n == 0 {
		return
	}
	var a cArena
	defer a.free()
	qs := unsafe.Slice((*C.VkQueueFamilyProperties)(a.alloc(uintptr(n)*C.sizeof_VkQueueFamilyProperties)), n)
	C.vkllm_GetPhysicalDeviceQueueFamilyProperties(f, h, &n, &qs[0])
	for i, q := range qs[:n] {
		if q.queueFlags&C.VK_QUEUE_COMPUTE_BIT != 0 && q.queueCount > 0 {
			pd.QueueFamily = i
			pd.Limits.TimestampValidBits = uint32(q.timestampValidBits)
			return
		}
	}
}

func (pd *PhysicalDevice) String() string {
	return fmt.Sprintf("%d: %s (%v, %s)", pd.Index, pd.Name, pd.Type, pd.Vendor())
}
