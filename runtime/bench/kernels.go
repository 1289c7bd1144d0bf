package bench

import (
	"fmt"

	"github.com/vkllm/vkllm/runtime/kernels"
	"github.com/vkllm/vkllm/runtime/vk"
)

// KernelOptions choose the device and shapes of Kernels.
type KernelOptions struct {
	Device     string // vk.SelectDevice spec; "" picks the default device
	Validation bool   // Khronos validation layer, when installed
	Shapes     kernels.EfficiencyOptions
}

// Kernels opens the chosen Vulkan device and measures the copy kernel's
// bandwidth and every hot kernel's (kernels.Efficiency). It returns the
// device's name with the rates, copy's first.
func Kernels(opt KernelOptions) (string, []kernels.KernelRate, error) {
	inst, err := vk.NewInstance(vk.InstanceOptions{Validation: opt.Validation, AppName: "vkllm-bench"})
	if err != nil {
		return "", nil, err
	}
	defer inst.Close()
	devs, err := inst.PhysicalDevices()
	if err != nil {
		return "", nil, err
	}
	pd, err := vk.SelectDevice(devs, opt.Device)
	if err != nil {
		return "", nil, err
	}
	dev, err := inst.NewDevice(pd, vk.DeviceOptions{})
	if err != nil {
		return "", nil, fmt.Errorf("bench: opening %s: %w", pd.Name, err)
	}
	defer dev.Close()
	rates, err := kernels.Efficiency(dev, opt.Shapes)
	if err == nil && opt.Validation && inst.ValidationErrors() > 0 {
		err = fmt.Errorf("bench: %d validation errors; last: %q", inst.ValidationErrors(), inst.ValidationMessages())
	}
	return pd.Name, rates, err
}
