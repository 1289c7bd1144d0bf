package vk

import (
	"fmt"
	"strconv"
	"strings"
)

// typeRank orders device types for the default choice: lower is better.
func typeRank(t DeviceType) int {
	switch t {
	case TypeDiscrete:
		return 0
	case TypeIntegrated:
		return 1
	case TypeVirtual:
		return 2
	case TypeCPU:
		return 3
	}
	return 4
}

// DefaultDevice returns the position in devs of the default device:
// discrete > integrated > virtual > cpu > other, ties to the lowest index.
// It returns -1 for an empty list.
func DefaultDevice(devs []PhysicalDevice) int {
	best := -1
	for i := range devs {
		if best < 0 || typeRank(devs[i].Type) < typeRank(devs[best].Type) {
			best = i
		}
	}
	return best
}

// SelectDevice picks a device by spec (the --device flag or VKLLM_DEVICE):
// a device index, a device type (discrete, integrated, virtual, cpu), or a
// case-insensitive substring of the device name; an empty spec picks
// DefaultDevice. The error lists the devices when nothing matches.
func SelectDevice(devs []PhysicalDevice, spec string) (PhysicalDevice, error) {
	if len(devs) == 0 {
		return PhysicalDevice{}, fmt.Errorf("%w: no Vulkan devices", ErrNoVulkan)
	}
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return devs[DefaultDevice(devs)], nil
	}
	if n, err := strconv.Atoi(spec); err == nil {
		for _, d := range devs {
			if d.Index == n {
				return d, nil
			}
		}
		return PhysicalDevice{}, noMatch(devs, spec)
	}
	lower := strings.ToLower(spec)
	var byType []PhysicalDevice
	for _, d := range devs {
		if d.Type.String() == lower {
			byType = append(byType, d)
		}
	}
	if len(byType) > 0 {
		return byType[DefaultDevice(byType)], nil
	}
	for _, d := range devs {
		if strings.Contains(strings.ToLower(d.Name), lower) {
			return d, nil
		}
	}
	return PhysicalDevice{}, noMatch(devs, spec)
}

func noMatch(devs []PhysicalDevice, spec string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "nothing matches %q (use an index, a type such as discrete or cpu, or a name); devices:", spec)
	for _, d := range devs {
		fmt.Fprintf(&b, "\n  %d: %s (%v)", d.Index, d.Name, d.Type)
	}
	return fmt.Errorf("%w: %s", ErrNoMatchingDevice, b.String())
}
