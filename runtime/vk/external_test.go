package vk_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// TestAdoptDevice runs a kernel on a device adopted from raw handles,
// closes it, and checks that the original device (and a buffer made on it
// before) still works: Close destroyed only the adopted wrapper's objects.
func TestAdoptDevice(t *testing.T) {
	orig := vktest.Device(t)
	keep, err := orig.NewBuffer(64, vk.HostVisible)
	require.NoError(t, err)
	defer keep.Close()
	copy(keep.Mapped(), "still here")

	x := orig.External()
	x.Options.NoPipelineCache = true
	adopted, err := vk.AdoptDevice(x)
	require.NoError(t, err)
	assert.True(t, adopted.Adopted())
	assert.False(t, orig.Adopted())
	assert.Equal(t, orig.Handle(), adopted.Handle())
	assert.Equal(t, orig.Instance().Handle(), adopted.Instance().Handle())
	assert.Equal(t, orig.Physical().Name, adopted.Physical().Name)
	assert.Equal(t, orig.Features(), adopted.Features())
	assert.Same(t, orig.QueueLock(), adopted.QueueLock())

	runDouble(t, adopted, 500, 3, 1)
	assert.Zero(t, adopted.Stats().LiveObjects, "runDouble closes what it made")
	adopted.Close()
	adopted.Close() // idempotent
	adopted.Instance().Close()

	runDouble(t, orig, 300, 2, -1)
	assert.Equal(t, "still here", string(keep.Mapped()[:10]))
}

// TestAdoptDeviceClosesOwnObjects checks that objects left open on an
// adopted device are destroyed by its Close, not leaked onto the
// application's device.
func TestAdoptDeviceClosesOwnObjects(t *testing.T) {
	orig := vktest.Device(t)
	x := orig.External()
	x.Options.NoPipelineCache = true
	adopted, err := vk.AdoptDevice(x)
	require.NoError(t, err)
	_, err = adopted.NewBuffer(1<<16, vk.DeviceLocal)
	require.NoError(t, err)
	_, err = adopted.NewCommands()
	require.NoError(t, err)
	assert.Equal(t, 2, adopted.Stats().LiveObjects)
	adopted.Close()
	assert.Zero(t, adopted.Stats().LiveObjects)
	adopted.Instance().Close()
	assert.Zero(t, orig.Stats().LiveObjects, "the original device tracks none of them")
	runDouble(t, orig, 100, 2, 0)
}

func TestAdoptDeviceRejects(t *testing.T) {
	orig := vktest.Device(t)
	good := orig.External()
	good.Options.NoPipelineCache = true
	tests := []struct {
		name string
		edit func(*vk.External)
		want string
	}{
		{"no instance", func(x *vk.External) { x.Instance = 0 }, "handles are required"},
		{"no device", func(x *vk.External) { x.Device = 0 }, "handles are required"},
		{"foreign physical device", func(x *vk.External) { x.PhysicalDevice = 12345 }, "not one of the instance's"},
		{"bad family", func(x *vk.External) { x.QueueFamily = 99 }, "queue family 99"},
		{"bad queue index", func(x *vk.External) { x.QueueIndex = 64 }, "queue index 64"},
		{"old API", func(x *vk.External) { x.APIVersion = vk.MakeVersion(1, 0, 0) }, "need 1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := good
			tt.edit(&x)
			d, err := vk.AdoptDevice(x)
			require.Error(t, err)
			assert.Nil(t, d)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	runDouble(t, orig, 10, 2, 0)
}

// TestSwapchainNeedsExtensions checks the WSI entry points refuse to work
// on an instance and device opened without the surface extensions.
func TestSwapchainNeedsExtensions(t *testing.T) {
	dev := vktest.Device(t)
	_, err := dev.Instance().TakeSurface(1)
	require.ErrorIs(t, err, vk.ErrUnsupported)
	_, err = dev.Instance().TakeSurface(0)
	require.Error(t, err)
	sem, err := dev.NewSemaphore()
	require.NoError(t, err)
	sem.Close()
	sem.Close()
}
