package vk

/*
#include "vkbind.h"
*/
import "C"

import (
	"fmt"
	"slices"
	"unsafe"
)

// DeviceType is VkPhysicalDeviceType.
type DeviceType int

// Device types, in VkPhysicalDeviceType order.
const (
	TypeOther DeviceType = iota
	TypeIntegrated
	TypeDiscrete
	TypeVirtual
	TypeCPU
)

func (t DeviceType) String() string {
	switch t {
	case TypeIntegrated:
		return "integrated"
	case TypeDiscrete:
		return "discrete"
	case TypeVirtual:
		return "virtual"
	case TypeCPU:
		return "cpu"
	}
	return "other"
}

// MarshalText writes the type's name (JSON output of `vkllm devices`).
func (t DeviceType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// MemoryHeap describes one VkMemoryHeap; Budget and Usage are filled from
// VK_EXT_memory_budget when present (zero otherwise).
type MemoryHeap struct {
	Size        uint64 `json:"size"`
	DeviceLocal bool   `json:"device_local"`
	Budget      uint64 `json:"budget,omitempty"`
	Usage       uint64 `json:"usage,omitempty"`
}

// MemoryType describes one VkMemoryType.
type MemoryType struct {
	Heap         int  `json:"heap"`
	DeviceLocal  bool `json:"device_local"`
	HostVisible  bool `json:"host_visible"`
	HostCoherent bool `json:"host_coherent"`
	HostCached   bool `json:"host_cached"`
}

// Limits are the device limits kernels size themselves by.
type Limits struct {
	MaxStorageBufferRange           uint32    `json:"max_storage_buffer_range"`
	MaxComputeWorkGroupSize         [3]uint32 `json:"max_compute_work_group_size"`
	MaxComputeWorkGroupCount        [3]uint32 `json:"max_compute_work_group_count"`
	MaxComputeWorkGroupInvocations  uint32    `json:"max_compute_work_group_invocations"`
	MaxComputeSharedMemorySize      uint32    `json:"max_compute_shared_memory_size"`
	MaxPushConstantsSize            uint32    `json:"max_push_constants_size"`
	MaxBoundDescriptorSets          uint32    `json:"max_bound_descriptor_sets"`
	MaxPerStageStorageBuffers       uint32    `json:"max_per_stage_storage_buffers"`
	MinStorageBufferOffsetAlignment uint64    `json:"min_storage_buffer_offset_alignment"`
	MaxTexelBufferElements          uint32    `json:"max_texel_buffer_elements"`
	MinTexelBufferOffsetAlignment   uint64    `json:"min_texel_buffer_offset_alignment"`
	MaxMemoryAllocationSize         uint64    `json:"max_memory_allocation_size"`
	TimestampPeriod                 float32   `json:"timestamp_period"`
	TimestampValidBits              uint32    `json:"timestamp_valid_bits"`
}

// Subgroup holds VkPhysicalDeviceSubgroupProperties (and size control).
type Subgroup struct {
	Size         uint32 `json:"size"`
	MinSize      uint32 `json:"min_size"`
	MaxSize      uint32 `json:"max_size"`
	InCompute    bool   `json:"in_compute"`
	Basic        bool   `json:"basic"`
	Vote         bool   `json:"vote"`
	Arithmetic   bool   `json:"arithmetic"`
	Ballot       bool   `json:"ballot"`
	Shuffle      bool   `json:"shuffle"`
	Clustered    bool   `json:"clustered"`
	ShuffleRelat bool   `json:"shuffle_relative"`
}

// Features are the optional capabilities kernels choose fast paths by. On
// a PhysicalDevice they are what the device supports; on a Device they are
// what was enabled (supported and not switched off by DeviceOptions).
type Features struct {
	Float16              bool `json:"fp16"`              // shaderFloat16
	Int8                 bool `json:"int8"`              // shaderInt8
	Storage8Bit          bool `json:"storage_8bit"`      // storageBuffer8BitAccess
	Storage16Bit         bool `json:"storage_16bit"`     // storageBuffer16BitAccess
	SubgroupSizeControl  bool `json:"subgroup_size_ctl"` // subgroupSizeControl
	ComputeFullSubgroups bool `json:"full_subgroups"`    // computeFullSubgroups
	IntegerDotProduct    bool `json:"int_dot"`           // shaderIntegerDotProduct
	TimelineSemaphore    bool `json:"timeline"`          // timelineSemaphore
	MemoryBudget         bool `json:"memory_budget"`     // VK_EXT_memory_budget
	SubgroupBasic        bool `json:"subgroup_basic"`    // subgroup basic ops in compute
	SubgroupArithmetic   bool `json:"subgroup_arith"`    // subgroup arithmetic in compute
	SubgroupShuffle      bool `json:"subgroup_shuffle"`  // subgroup shuffle in compute
	// TexelBuffer: R32G32B32A32_UINT supports uniform texel buffers (a
	// format feature, mandatory in Vulkan 1.0 but probed anyway), so
	// NewTexelView and PipelineSpec.Texels may be used.
	TexelBuffer bool `json:"texel_buffer"`
}

// PhysicalDevice is a snapshot of one device's properties. Tests may build
// values by hand (for SelectDevice); only values from Instance.PhysicalDevices
// can be opened.
type PhysicalDevice struct {
	Index         int          `json:"index"`
	Name          string       `json:"name"`
	Type          DeviceType   `json:"type"`
	VendorID      uint32       `json:"vendor_id"`
	DeviceID      uint32       `json:"device_id"`
	DriverName    string       `json:"driver_name"`
	DriverInfo    string       `json:"driver_info"`
	DriverVersion uint32       `json:"driver_version_raw"`
	APIVersion    Version      `json:"api_version"`
	Heaps         []MemoryHeap `json:"heaps"`
	MemoryTypes   []MemoryType `json:"memory_types"`
	Limits        Limits       `json:"limits"`
	Subgroup      Subgroup     `json:"subgroup"`
	Features      Features     `json:"features"`
	Extensions    []string     `json:"-"`
	CacheUUID     [16]byte     `json:"-"`
	QueueFamily   int          `json:"-"` // compute queue family, -1 if none

	inst   *Instance
	handle C.VkPhysicalDevice
	chain  uint32 // VKLLM_* structs valid for this device
}

// Vendor names the VendorID (PCI or Khronos vendor id).
func (pd *PhysicalDevice) Vendor() string { return VendorName(pd.VendorID) }

// VendorName maps a vendor id to a name, or hex for unknown ids.
func VendorName(id uint32) string {
	names := map[uint32]string{
		0x1002: "AMD", 0x1010: "ImgTec", 0x10DE: "NVIDIA", 0x13B5: "ARM", 0x5143: "Qualcomm",
		0x8086: "Intel", 0x106B: "Apple", 0x1AE0: "Google", 0x144D: "Samsung", 0x19E5: "Huawei",
		0x10001: "Vivante", 0x10002: "VeriSilicon", 0x10003: "Kazan", 0x10004: "Codeplay",
		0x10005: "Mesa", 0x10006: "PoCL", 0x10007: "MobileEye",
	}
	if n, ok := names[id]; ok {
		return n
	}
	return fmt.Sprintf("0x%04x", id)
}

// DriverVersionString decodes DriverVersion with the vendor's packing.
func (pd *PhysicalDevice) DriverVersionString() string {
	v := pd.DriverVersion
	switch pd.VendorID {
	case 0x10DE: // NVIDIA: 10.8.8.6 bits
		return fmt.Sprintf("%d.%d.%d.%d", v>>22, v>>14&0xff, v>>6&0xff, v&0x3f)
	case 0x8086: // Intel on Windows packs 18.14; Mesa ANV uses the standard packing.
		if pd.DriverName != "" && pd.DriverName != "Intel open-source Mesa driver" && v>>14 > 0 && v>>22 == 0 {
			return fmt.Sprintf("%d.%d", v>>14, v&0x3fff)
		}
	}
	return Version(v).String()
}

// ListDevices opens a plain instance (no validation), describes every
// device and closes it again; def is the DefaultDevice position.
func ListDevices() (devs []PhysicalDevice, def int, err error) {
	in, err := NewInstance(InstanceOptions{})
	if err != nil {
		return nil, -1, err
	}
	defer in.Close()
	devs, err = in.PhysicalDevices()
	if err != nil {
		return nil, -1, err
	}
	return devs, DefaultDevice(devs), nil
}

// HasExtension reports whether the device offers the named extension.
func (pd *PhysicalDevice) HasExtension(name string) bool {
	return slices.Contains(pd.Extensions, name)
}

// PhysicalDevices enumerates the devices with their properties.
func (in *Instance) PhysicalDevices() ([]PhysicalDevice, error) {
	var n C.uint32_t
	if err := check("vkEnumeratePhysicalDevices", C.vkllm_EnumeratePhysicalDevices(in.fns, in.inst, &n, nil)); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: no Vulkan physical devices", ErrNoVulkan)
	}
	var a cArena
	defer a.free()
	hs := unsafe.Slice((*C.VkPhysicalDevice)(a.alloc(uintptr(n)*unsafe.Sizeof(C.VkPhysicalDevice(nil)))), n)
	if err := check("vkEnumeratePhysicalDevices", C.vkllm_EnumeratePhysicalDevices(in.fns, in.inst, &n, &hs[0])); err != nil {
		return nil, err
	}
	devs := make([]PhysicalDevice, 0, n)
	for i, h := range hs[:n] {
		pd, err := in.describe(i, h)
		if err != nil {
			return nil, err
		}
		devs = append(devs, pd)
	}
	return devs, nil
}
