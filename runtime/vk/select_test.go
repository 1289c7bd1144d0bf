package vk

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSelectDevice(t *testing.T) {
	devs := []PhysicalDevice{
		{Index: 0, Name: "llvmpipe (LLVM 15.0.6, 256 bits)", Type: TypeCPU},
		{Index: 1, Name: "Intel(R) UHD Graphics 770", Type: TypeIntegrated},
		{Index: 2, Name: "NVIDIA GeForce RTX 4090", Type: TypeDiscrete},
		{Index: 3, Name: "AMD Radeon RX 7900 XTX", Type: TypeDiscrete},
	}
	tests := []struct {
		spec string
		want int // -1: no match
	}{
		{"", 2},
		{"  ", 2},
		{"0", 0},
		{"3", 3},
		{"4", -1},
		{"-1", -1},
		{"cpu", 0},
		{"CPU", 0},
		{"integrated", 1},
		{"discrete", 2},
		{"virtual", -1},
		{"radeon", 3},
		{"rtx 40", 2},
		{"LLVMpipe", 0},
		{"quantum", -1},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := SelectDevice(devs, tt.spec)
			if tt.want < 0 {
				require.ErrorIs(t, err, ErrNoMatchingDevice)
				assert.Contains(t, err.Error(), "3: AMD Radeon RX 7900 XTX (discrete)", "lists the devices")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Index)
		})
	}
}

func TestDefaultDeviceOrder(t *testing.T) {
	tests := []struct {
		name  string
		types []DeviceType
		want  int
	}{
		{"empty", nil, -1},
		{"cpu only", []DeviceType{TypeCPU}, 0},
		{"virtual beats cpu", []DeviceType{TypeCPU, TypeVirtual}, 1},
		{"integrated beats virtual", []DeviceType{TypeVirtual, TypeIntegrated, TypeCPU}, 1},
		{"discrete first, ties to lowest", []DeviceType{TypeIntegrated, TypeDiscrete, TypeDiscrete}, 1},
		{"other last", []DeviceType{TypeOther, TypeCPU}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			devs := make([]PhysicalDevice, len(tt.types))
			for i, ty := range tt.types {
				devs[i] = PhysicalDevice{Index: i, Type: ty}
			}
			assert.Equal(t, tt.want, DefaultDevice(devs))
		})
	}
	_, err := SelectDevice(nil, "")
	assert.ErrorIs(t, err, ErrNoVulkan)
}

func TestResultSentinels(t *testing.T) {
	tests := []struct {
		code Result
		want error
	}{
		{-4, ErrDeviceLost},        // VK_ERROR_DEVICE_LOST
		{-2, ErrOutOfDeviceMemory}, // VK_ERROR_OUT_OF_DEVICE_MEMORY
		{-1, ErrOutOfDeviceMemory}, // VK_ERROR_OUT_OF_HOST_MEMORY
		{-8, ErrUnsupported},       // VK_ERROR_FEATURE_NOT_PRESENT
		{-7, ErrUnsupported},       // VK_ERROR_EXTENSION_NOT_PRESENT
		{-9, ErrNoVulkan},          // VK_ERROR_INCOMPATIBLE_DRIVER
	}
	sentinels := []error{ErrDeviceLost, ErrOutOfDeviceMemory, ErrUnsupported, ErrNoVulkan}
	for _, tt := range tests {
		t.Run(tt.code.Error(), func(t *testing.T) {
			err := resultErr("vkTestCall", tt.code)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "vk: vkTestCall: VK_ERROR_")
			var r Result
			require.True(t, errors.As(err, &r))
			assert.Equal(t, tt.code, r)
			for _, s := range sentinels {
				assert.Equal(t, s == tt.want, errors.Is(err, s), "errors.Is(%v, %v)", err, s)
			}
		})
	}
	assert.NoError(t, resultErr("vkTestCall", 0))
	assert.Equal(t, "VkResult(-12345)", Result(-12345).Error())
}

func TestMissingLoader(t *testing.T) {
	err := openLoader("libvulkan-does-not-exist.so.9")
	require.ErrorIs(t, err, ErrNoVulkan)
	assert.Contains(t, err.Error(), "libvulkan-does-not-exist.so.9")
}

func TestVersion(t *testing.T) {
	v := MakeVersion(1, 3, 239)
	assert.Equal(t, "1.3.239", v.String())
	assert.True(t, Version13 > Version12 && Version12 > Version11)
	pd := PhysicalDevice{VendorID: 0x10DE, DriverVersion: 535<<22 | 104<<14 | 5<<6}
	assert.Equal(t, "535.104.5.0", pd.DriverVersionString())
	assert.Equal(t, "NVIDIA", pd.Vendor())
	assert.Equal(t, "0x1234", VendorName(0x1234))
}
