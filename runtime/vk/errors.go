package vk

/*
#include "vkbind.h"
*/
import "C"

import (
	"errors"
	"fmt"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrNoVulkan: the Vulkan loader is missing or no device is present.
	ErrNoVulkan = errors.New("vk: no Vulkan")
	// ErrDeviceLost: VK_ERROR_DEVICE_LOST; the device must be reopened.
	ErrDeviceLost = errors.New("vk: device lost")
	// ErrOutOfDeviceMemory: device or host memory ran out.
	ErrOutOfDeviceMemory = errors.New("vk: out of device memory")
	// ErrUnsupported: the device lacks a feature, extension or limit.
	ErrUnsupported = errors.New("vk: unsupported")
	// ErrNoMatchingDevice: SelectDevice found no device for the spec.
	ErrNoMatchingDevice = errors.New("vk: no matching device")
)

// Result is a failing VkResult code.
type Result int32

var resultNames = map[Result]string{
	C.VK_NOT_READY:                       "VK_NOT_READY",
	C.VK_TIMEOUT:                         "VK_TIMEOUT",
	C.VK_INCOMPLETE:                      "VK_INCOMPLETE",
	C.VK_ERROR_OUT_OF_HOST_MEMORY:        "VK_ERROR_OUT_OF_HOST_MEMORY",
	C.VK_ERROR_OUT_OF_DEVICE_MEMORY:      "VK_ERROR_OUT_OF_DEVICE_MEMORY",
	C.VK_ERROR_INITIALIZATION_FAILED:     "VK_ERROR_INITIALIZATION_FAILED",
	C.VK_ERROR_DEVICE_LOST:               "VK_ERROR_DEVICE_LOST",
	C.VK_ERROR_MEMORY_MAP_FAILED:         "VK_ERROR_MEMORY_MAP_FAILED",
	C.VK_ERROR_LAYER_NOT_PRESENT:         "VK_ERROR_LAYER_NOT_PRESENT",
	C.VK_ERROR_EXTENSION_NOT_PRESENT:     "VK_ERROR_EXTENSION_NOT_PRESENT",
	C.VK_ERROR_FEATURE_NOT_PRESENT:       "VK_ERROR_FEATURE_NOT_PRESENT",
	C.VK_ERROR_INCOMPATIBLE_DRIVER:       "VK_ERROR_INCOMPATIBLE_DRIVER",
	C.VK_ERROR_TOO_MANY_OBJECTS:          "VK_ERROR_TOO_MANY_OBJECTS",
	C.VK_ERROR_FORMAT_NOT_SUPPORTED:      "VK_ERROR_FORMAT_NOT_SUPPORTED",
	C.VK_ERROR_FRAGMENTED_POOL:           "VK_ERROR_FRAGMENTED_POOL",
	C.VK_ERROR_UNKNOWN:                   "VK_ERROR_UNKNOWN",
	C.VK_ERROR_OUT_OF_POOL_MEMORY:        "VK_ERROR_OUT_OF_POOL_MEMORY",
	C.VK_ERROR_INVALID_EXTERNAL_HANDLE:   "VK_ERROR_INVALID_EXTERNAL_HANDLE",
	C.VK_ERROR_FRAGMENTATION:             "VK_ERROR_FRAGMENTATION",
	C.VK_PIPELINE_COMPILE_REQUIRED:       "VK_PIPELINE_COMPILE_REQUIRED",
	C.VK_ERROR_INVALID_SHADER_NV:         "VK_ERROR_INVALID_SHADER_NV",
	C.VK_ERROR_NOT_PERMITTED_KHR:         "VK_ERROR_NOT_PERMITTED_KHR",
	C.VK_ERROR_VALIDATION_FAILED_EXT:     "VK_ERROR_VALIDATION_FAILED_EXT",
	C.VK_ERROR_COMPRESSION_EXHAUSTED_EXT: "VK_ERROR_COMPRESSION_EXHAUSTED_EXT",
}

func (r Result) Error() string {
	if n, ok := resultNames[r]; ok {
		return n
	}
	return fmt.Sprintf("VkResult(%d)", int32(r))
}

// Is maps result codes onto the package sentinels.
func (r Result) Is(target error) bool {
	switch target {
	case ErrDeviceLost:
		return r == C.VK_ERROR_DEVICE_LOST
	case ErrOutOfDeviceMemory:
		return r == C.VK_ERROR_OUT_OF_DEVICE_MEMORY || r == C.VK_ERROR_OUT_OF_HOST_MEMORY ||
			r == C.VK_ERROR_OUT_OF_POOL_MEMORY
	case ErrUnsupported:
		return r == C.VK_ERROR_FEATURE_NOT_PRESENT || r == C.VK_ERROR_EXTENSION_NOT_PRESENT ||
			r == C.VK_ERROR_LAYER_NOT_PRESENT || r == C.VK_ERROR_FORMAT_NOT_SUPPORTED
	case ErrNoVulkan:
		return r == C.VK_ERROR_INCOMPATIBLE_DRIVER
	}
	return false
}

// check turns a VkResult into nil or "vk: <call>: <Result>".
func check(call string, r C.VkResult) error {
	return resultErr(call, Result(r))
}

func resultErr(call string, r Result) error {
	if r == C.VK_SUCCESS {
		return nil
	}
	return fmt.Errorf("vk: %s: %w", call, r)
}
