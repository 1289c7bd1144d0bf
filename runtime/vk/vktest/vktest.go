package vktest

import (
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/runtime/vk"
)

var shared struct {
	once sync.Once
	inst *vk.Instance
	devs []vk.PhysicalDevice
	err  error
}

// Instance returns the binary's shared validation-enabled instance and its
// devices, skipping (or failing under CI) when Vulkan is unavailable.
func Instance(tb testing.TB) (*vk.Instance, []vk.PhysicalDevice) {
	tb.Helper()
	shared.once.Do(func() {
		shared.inst, shared.err = vk.NewInstance(vk.InstanceOptions{Validation: true, AppName: "vkllm-test"})
		if shared.err == nil {
			shared.devs, shared.err = shared.inst.PhysicalDevices()
		}
	})
	if shared.err != nil {
		if errors.Is(shared.err, vk.ErrNoVulkan) && !testenv.InCI() {
			tb.Skipf("no Vulkan device: %v", shared.err)
		}
		tb.Fatalf("vktest: %v", shared.err)
	}
	if testenv.InCI() && !shared.inst.ValidationEnabled() {
		tb.Fatal("vktest: the Khronos validation layer is required under CI")
	}
	return shared.inst, shared.devs
}

// Device opens the device chosen by VKLLM_DEVICE with default options.
func Device(tb testing.TB) *vk.Device {
	tb.Helper()
	return DeviceWith(tb, vk.DeviceOptions{})
}

// DeviceWith opens the device chosen by VKLLM_DEVICE with opts. Unless
// opts names a PipelineCacheDir the pipeline cache is not persisted, so
// tests never write to the user's cache.
func DeviceWith(tb testing.TB, opts vk.DeviceOptions) *vk.Device {
	tb.Helper()
	inst, devs := Instance(tb)
	pd, err := vk.SelectDevice(devs, os.Getenv("VKLLM_DEVICE"))
	if err != nil {
		tb.Fatalf("vktest: %v", err)
	}
	if opts.PipelineCacheDir == "" {
		opts.NoPipelineCache = true
	}
	before := inst.ValidationErrors()
	dev, err := inst.NewDevice(pd, opts)
	if err != nil {
		tb.Fatalf("vktest: opening %s: %v", pd.Name, err)
	}
	tb.Cleanup(func() { finish(tb, inst, dev, before) })
	return dev
}

func finish(tb testing.TB, inst *vk.Instance, dev *vk.Device, before int) {
	tb.Helper()
	s := dev.Stats()
	if s.BytesInUse != 0 || s.LiveObjects != 0 {
		tb.Errorf("vktest: leaked %d bytes in %d live objects at cleanup", s.BytesInUse, s.LiveObjects)
	}
	dev.Close()
	if n := inst.ValidationErrors() - before; n > 0 {
		msgs := inst.ValidationMessages()
		tb.Errorf("vktest: %d validation errors; last: %q", n, msgs[max(0, len(msgs)-n):])
	}
}
