package vk

/*
#include "vkbind.h"
*/
import "C"

import (
	"fmt"
	"log/slog"
	"runtime/cgo"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"
)

const (
	validationLayer  = "VK_LAYER_KHRONOS_validation"
	extDebugUtils    = "VK_EXT_debug_utils"
	extPortabilityEn = "VK_KHR_portability_enumeration"
)

// InstanceOptions configure NewInstance.
type InstanceOptions struct {
	// Validation enables the Khronos validation layer and a debug messenger
	// whose messages go to Logger; without the layer installed the instance
	// is created without it (see Instance.ValidationEnabled).
	Validation bool
	// AppName is reported to the driver; default "vkllm".
	AppName string
	// Logger receives driver and validation messages; default slog.Default().
	Logger *slog.Logger
	// Extensions are further instance extensions to enable, such as the
	// surface extensions a window system needs (glfw's
	// GetRequiredInstanceExtensions); a missing one fails NewInstance.
	Extensions []string
}

// Instance is a VkInstance with its entry points. Its methods are safe for
// concurrent use.
type Instance struct {
	inst       C.VkInstance
	fns        *C.vkllm_ifns
	api        Version
	messenger  C.VkDebugUtilsMessengerEXT
	handle     cgo.Handle
	validation bool
	log        *slog.Logger

	valErrors atomic.Int64
	mu        sync.Mutex
	messages  []string // last validation errors, for test failure output
	closed    atomic.Bool

	adopted bool     // created by the application: Close never destroys it
	exts    []string // enabled instance extensions
	wsi     wsiInstance
}

// NewInstance loads the Vulkan loader and creates an instance (API 1.1 or
// newer, up to 1.3).
func NewInstance(opts InstanceOptions) (*Instance, error) {
	if err := load(); err != nil {
		return nil, err
	}
	api := Version(C.vkllm_instance_version())
	if api < Version11 {
		return nil, fmt.Errorf("%w: Vulkan loader is %v, need 1.1", ErrUnsupported, api)
	}
	api = min(api, Version13)
	in := &Instance{api: api, log: opts.Logger}
	if in.log == nil {
		in.log = slog.Default()
	}
	layers, exts, err := in.chooseLayers(opts.Validation)
	if err != nil {
		return nil, err
	}
	for _, e := range opts.Extensions {
		if !slices.Contains(exts, e) {
			exts = append(exts, e)
		}
	}
	in.exts = exts
	if err := in.create(opts.AppName, layers, exts); err != nil {
		return nil, err
	}
	if in.validation {
		in.handle = cgo.NewHandle(in)
		r := C.vkllm_create_messenger(in.fns, in.inst, C.uintptr_t(in.handle), &in.messenger)
		if err := check("vkCreateDebugUtilsMessengerEXT", r); err != nil {
			in.Close()
			return nil, err
		}
	}
	return in, nil
}

func (in *Instance) chooseLayers(validation bool) (layers, exts []string, err error) {
	avail, err := instanceExtensions()
	if err != nil {
		return nil, nil, err
	}
	if slices.Contains(avail, extPortabilityEn) {
		exts = append(exts, extPortabilityEn)
	}
	if !validation {
		return nil, exts, nil
	}
	have, err := instanceLayers()
	if err != nil {
		return nil, nil, err
	}
	if !slices.Contains(have, validationLayer) || !slices.Contains(avail, extDebugUtils) {
		in.log.Warn("vk: validation requested but not available", "layer", validationLayer)
		return nil, exts, nil
	}
	in.validation = true
	return []string{validationLayer}, append(exts, extDebugUtils), nil
}

func (in *Instance) create(appName string, layers, exts []string) error {
	if appName == "" {
		appName = "vkllm"
	}
	var a cArena
	defer a.free()
	app := newC[C.VkApplicationInfo](&a)
	app.sType = C.VK_STRUCTURE_TYPE_APPLICATION_INFO
	app.pApplicationName = a.str(appName)
	app.pEngineName = a.str("vkllm")
	app.apiVersion = C.uint32_t(in.api)
	ci := newC[C.VkInstanceCreateInfo](&a)
	ci.sType = C.VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
	if slices.Contains(exts, extPortabilityEn) {
		ci.flags = C.VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR
	}
	ci.pApplicationInfo = app
	ci.enabledLayerCount = C.uint32_t(len(layers))
	ci.ppEnabledLayerNames = a.strs(layers)
	ci.enabledExtensionCount = C.uint32_t(len(exts))
	ci.ppEnabledExtensionNames = a.strs(exts)
	if err := check("vkCreateInstance", C.vkllm_create_instance(ci, &in.inst)); err != nil {
		return err
	}
	in.fns = C.vkllm_load_instance(in.inst)
	if in.fns == nil {
		in.Close()
		return fmt.Errorf("vk: loading instance functions: %w", ErrOutOfDeviceMemory)
	}
	return nil
}

// APIVersion is the instance API version requested (capped at 1.3).
func (in *Instance) APIVersion() Version { return in.api }

// ValidationEnabled reports whether the validation layer is active.
func (in *Instance) ValidationEnabled() bool { return in.validation }

// ValidationErrors counts validation-layer errors, and warnings of the
// validation type, reported so far.
func (in *Instance) ValidationErrors() int { return int(in.valErrors.Load()) }

// ValidationMessages returns the most recent validation errors (at most 32).
func (in *Instance) ValidationMessages() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return slices.Clone(in.messages)
}

// Close destroys the instance; devices must be closed first. Idempotent.
func (in *Instance) Close() {
	// Not under in.mu: destruction may call back into message.
	if !in.closed.CompareAndSwap(false, true) {
		return
	}
	if in.messenger != nil {
		C.vkllm_DestroyDebugUtilsMessengerEXT(in.fns, in.inst, in.messenger)
		in.messenger = nil
	}
	in.wsi.free()
	if in.inst != nil && !in.adopted {
		C.vkllm_DestroyInstance(in.fns, in.inst)
	}
	in.inst = nil
	if in.fns != nil {
		C.free(unsafe.Pointer(in.fns))
		in.fns = nil
	}
	if in.handle != 0 {
		in.handle.Delete()
		in.handle = 0
	}
}

func (in *Instance) message(severity, types int, id, msg string) {
	isErr := severity&C.VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT != 0
	isValWarn := severity&C.VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT != 0 &&
		types&C.VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT != 0
	switch {
	case isErr || isValWarn:
		in.valErrors.Add(1)
		in.mu.Lock()
		if len(in.messages) >= 32 {
			in.messages = in.messages[1:]
		}
		in.messages = append(in.messages, id+": "+msg)
		in.mu.Unlock()
		in.log.Error("vk: validation", "id", id, "msg", msg)
	case severity&C.VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT != 0:
		in.log.Warn("vk: driver", "id", id, "msg", msg)
	default:
		in.log.Debug("vk: driver", "id", id, "msg", msg)
	}
}
