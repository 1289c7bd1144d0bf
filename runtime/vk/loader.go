package vk

/*
#include "vkbind.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

// LoaderLibrary is the shared library the binding opens at run time; the
// program never links against libvulkan.
const LoaderLibrary = "libvulkan.so.1"

var loader struct {
	once sync.Once
	err  error
}

// load opens the Vulkan loader once per process.
func load() error {
	loader.once.Do(func() { loader.err = openLoader(LoaderLibrary) })
	return loader.err
}

// openLoader dlopens lib and resolves vkGetInstanceProcAddr.
func openLoader(lib string) error {
	var a cArena
	defer a.free()
	msg := C.vkllm_open(a.str(lib))
	if msg == nil {
		return nil
	}
	defer C.free(unsafe.Pointer(msg))
	return fmt.Errorf("%w: cannot load %s (install the Vulkan loader and a driver, e.g. mesa-vulkan-drivers): %s",
		ErrNoVulkan, lib, C.GoString(msg))
}

// Version is a packed Vulkan version (VK_MAKE_API_VERSION).
type Version uint32

// MakeVersion packs major.minor.patch.
func MakeVersion(major, minor, patch uint32) Version {
	return Version(major<<22 | minor<<12 | patch)
}

func (v Version) Major() uint32 { return uint32(v) >> 22 & 0x7f }
func (v Version) Minor() uint32 { return uint32(v) >> 12 & 0x3ff }
func (v Version) Patch() uint32 { return uint32(v) & 0xfff }

func (v Version) String() string {
	return fmt.Sprintf("%d.%d.%d", v.Major(), v.Minor(), v.Patch())
}

// MarshalText writes major.minor.patch.
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Well-known API versions.
var (
	Version11 = MakeVersion(1, 1, 0)
	Version12 = MakeVersion(1, 2, 0)
	Version13 = MakeVersion(1, 3, 0)
)

// LoaderVersion reports the instance-level API version the loader supports.
func LoaderVersion() (Version, error) {
	if err := load(); err != nil {
		return 0, err
	}
	return Version(C.vkllm_instance_version()), nil
}

func instanceLayers() ([]string, error) {
	var n C.uint32_t
	if err := check("vkEnumerateInstanceLayerProperties", C.vkllm_enum_layers(&n, nil)); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	var a cArena
	defer a.free()
	props := unsafe.Slice((*C.VkLayerProperties)(a.alloc(uintptr(n)*C.sizeof_VkLayerProperties)), n)
	if err := check("vkEnumerateInstanceLayerProperties", C.vkllm_enum_layers(&n, &props[0])); err != nil {
		return nil, err
	}
	names := make([]string, 0, n)
	for _, p := range props[:n] {
		names = append(names, cString(p.layerName[:]))
	}
	return names, nil
}

func instanceExtensions() ([]string, error) {
	var n C.uint32_t
	if err := check("vkEnumerateInstanceExtensionProperties", C.vkllm_enum_instance_exts(&n, nil)); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	var a cArena
	defer a.free()
	props := unsafe.Slice((*C.VkExtensionProperties)(a.alloc(uintptr(n)*C.sizeof_VkExtensionProperties)), n)
	if err := check("vkEnumerateInstanceExtensionProperties", C.vkllm_enum_instance_exts(&n, &props[0])); err != nil {
		return nil, err
	}
	return extNames(props[:n]), nil
}

func extNames(props []C.VkExtensionProperties) []string {
	names := make([]string, 0, len(props))
	for _, p := range props {
		names = append(names, cString(p.extensionName[:]))
	}
	return names
}
