package vk_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

func TestPhysicalDeviceProperties(t *testing.T) {
	inst, devs := vktest.Instance(t)
	require.NotEmpty(t, devs)
	assert.GreaterOrEqual(t, inst.APIVersion(), vk.Version11)
	for _, pd := range devs {
		t.Logf("%s api %v driver %s %s (%s) features %+v subgroup %+v limits %+v heaps %+v",
			pd.String(), pd.APIVersion, pd.DriverName, pd.DriverInfo, pd.DriverVersionString(),
			pd.Features, pd.Subgroup, pd.Limits, pd.Heaps)
		assert.NotEmpty(t, pd.Name)
		assert.NotEmpty(t, pd.Heaps)
		assert.NotEmpty(t, pd.MemoryTypes)
		assert.GreaterOrEqual(t, pd.QueueFamily, 0)
		assert.GreaterOrEqual(t, pd.Limits.MaxComputeWorkGroupInvocations, uint32(128), "spec minimum")
		assert.GreaterOrEqual(t, pd.Limits.MaxPushConstantsSize, uint32(128), "spec minimum")
		assert.GreaterOrEqual(t, pd.Limits.MaxStorageBufferRange, uint32(1<<27), "spec minimum")
		assert.GreaterOrEqual(t, pd.Limits.MaxMemoryAllocationSize, uint64(1<<30), "spec minimum")
		assert.NotZero(t, pd.Subgroup.Size)
	}
}

func TestFeaturesSwitchOff(t *testing.T) {
	dev := vktest.Device(t)
	all := dev.Physical().Features
	assert.Equal(t, all, dev.Features(), "everything supported is enabled by default")

	off := vktest.DeviceWith(t, vk.DeviceOptions{Disable: vk.Features{Float16: true, Storage8Bit: true}})
	assert.False(t, off.Features().Float16)
	assert.False(t, off.Features().Storage8Bit)
	assert.Equal(t, all.Int8, off.Features().Int8, "other features stay on")

	portable := vktest.DeviceWith(t, vk.DeviceOptions{Portable: true})
	assert.Equal(t, vk.Features{}, portable.Features())
}

func TestTimestamps(t *testing.T) {
	dev := vktest.Device(t)
	ts, err := dev.NewTimestamps(2)
	if err != nil {
		require.ErrorIs(t, err, vk.ErrUnsupported)
		t.Skip(err)
	}
	defer ts.Close()
	buf, err := dev.NewBuffer(16<<20, vk.DeviceLocal)
	require.NoError(t, err)
	defer buf.Close()
	cmd, err := dev.NewCommands()
	require.NoError(t, err)
	defer cmd.Close()
	require.NoError(t, cmd.Begin())
	cmd.ResetTimestamps(ts)
	cmd.WriteTimestamp(ts, 0)
	cmd.Fill(buf, 0, buf.Size(), 0x3f800000)
	cmd.WriteTimestamp(ts, 1)
	require.NoError(t, cmd.End())
	require.NoError(t, dev.SubmitWait(cmd))
	ns, err := ts.Results()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, ns[1], ns[0])
	t.Logf("fill of 16 MiB: %.0f ns", ns[1]-ns[0])

	out := make([]byte, 8)
	require.NoError(t, dev.Download(buf, buf.Size()-8, out))
	assert.Equal(t, []byte{0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f}, out, "Fill wrote 1.0f")
}

func TestCopyAndBarrier(t *testing.T) {
	dev := vktest.DeviceWith(t, vk.DeviceOptions{NoUnifiedMemory: true})
	a, err := dev.NewBuffer(1024, vk.DeviceLocal)
	require.NoError(t, err)
	defer a.Close()
	b, err := dev.NewBuffer(1024, vk.HostVisible)
	require.NoError(t, err)
	defer b.Close()
	require.NotNil(t, b.Mapped(), "host-visible buffers are mapped")
	assert.Nil(t, a.Mapped(), "NoUnifiedMemory keeps device-local buffers unmapped")
	cmd, err := dev.NewCommands()
	require.NoError(t, err)
	defer cmd.Close()
	require.NoError(t, cmd.Begin())
	cmd.Fill(a, 0, 1024, 0x01020304)
	cmd.Barrier()
	cmd.Copy(a, 512, b, 0, 256)
	cmd.BufferBarrier(b)
	require.NoError(t, cmd.End())
	require.NoError(t, dev.SubmitWait(cmd))
	require.NoError(t, cmd.Wait(), "waiting twice is a no-op")
	assert.Equal(t, []byte{4, 3, 2, 1}, b.Mapped()[252:256])
	assert.Equal(t, []byte{0, 0, 0, 0}, b.Mapped()[256:260])

	require.NoError(t, cmd.Begin())
	cmd.Copy(a, 1000, b, 0, 100)
	assert.ErrorContains(t, cmd.End(), "out of range", "a bad copy is reported at End")
}

func TestCloseIdempotent(t *testing.T) {
	inst, devs := vktest.Instance(t)
	pd, err := vk.SelectDevice(devs, os.Getenv("VKLLM_DEVICE"))
	require.NoError(t, err)
	dev, err := inst.NewDevice(pd, vk.DeviceOptions{NoPipelineCache: true})
	require.NoError(t, err)
	buf, err := dev.NewBuffer(64, vk.DeviceLocal)
	require.NoError(t, err)
	pipe, err := dev.NewPipeline(vk.PipelineSpec{Name: "double", SPIRV: doubleSPV, Bindings: 2, PushSize: 8})
	require.NoError(t, err)
	set, err := pipe.NewDescriptorSet(vk.Bind(buf), vk.Bind(buf))
	require.NoError(t, err)
	cmd, err := dev.NewCommands()
	require.NoError(t, err)
	assert.Equal(t, 4, dev.Stats().LiveObjects)

	set.Close()
	set.Close()
	buf.Close()
	buf.Close()
	assert.Equal(t, 2, dev.Stats().LiveObjects)
	assert.Zero(t, dev.Stats().BytesInUse)
	_ = cmd // left open: Device.Close closes it and the pipeline
	dev.Close()
	dev.Close()
	pipe.Close()
	cmd.Close()

	other, err := vk.NewInstance(vk.InstanceOptions{})
	require.NoError(t, err)
	other.Close()
	other.Close()
}

func TestDescriptorSetErrors(t *testing.T) {
	dev := vktest.Device(t)
	buf, err := dev.NewBuffer(256, vk.DeviceLocal)
	require.NoError(t, err)
	defer buf.Close()
	pipe, err := dev.NewPipeline(vk.PipelineSpec{Name: "double", SPIRV: doubleSPV, Bindings: 2, PushSize: 8})
	require.NoError(t, err)
	defer pipe.Close()
	_, err = pipe.NewDescriptorSet(vk.Bind(buf))
	assert.ErrorContains(t, err, "1 buffers, pipeline has 2 bindings")
	_, err = pipe.NewDescriptorSet(vk.Bind(buf), vk.BindRange(buf, 128, 256))
	assert.ErrorContains(t, err, "outside")
	// Many sets overflow the first descriptor pool into a second.
	var sets []*vk.DescriptorSet
	for range 100 {
		s, err := pipe.NewDescriptorSet(vk.Bind(buf), vk.BindRange(buf, 0, 128))
		require.NoError(t, err)
		sets = append(sets, s)
	}
	for _, s := range sets[:50] {
		s.Close()
	}
	// Closing the pipeline closes the rest.
	_, err = dev.NewBuffer(dev.MaxBufferSize()+1, vk.DeviceLocal)
	assert.ErrorIs(t, err, vk.ErrUnsupported)
	_, err = dev.NewPipeline(vk.PipelineSpec{Name: "bad", SPIRV: doubleSPV[:7]})
	assert.ErrorContains(t, err, "whole number of words")
}

func TestPipelineCacheRoundTrip(t *testing.T) {
	dir := t.TempDir()
	open := func() *vk.Device {
		dev := vktest.DeviceWith(t, vk.DeviceOptions{PipelineCacheDir: dir})
		p, err := dev.NewPipeline(vk.PipelineSpec{Name: "double", SPIRV: doubleSPV, Bindings: 2, PushSize: 8, Spec: []uint32{32, 3}})
		require.NoError(t, err)
		p.Close()
		return dev
	}
	dev := open()
	path := vk.PipelineCachePath(dir, ptr(dev.Physical()))
	dev.Close()
	first, err := os.ReadFile(path)
	require.NoError(t, err, "cache saved at close")
	require.GreaterOrEqual(t, len(first), 32, "at least the header (lavapipe stores nothing more)")

	open().Close() // loads the valid cache and saves again
	second, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, first[:32], second[:32], "same header")

	for _, bad := range [][]byte{[]byte("garbage"), append(bytes.Repeat([]byte{0xff}, 32), first[32:]...)} {
		require.NoError(t, os.WriteFile(path, bad, 0o644))
		open().Close() // a corrupt or foreign cache is ignored and replaced
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, first[:32], got[:32], "replaced by a valid cache")
	}
	entries, err := filepath.Glob(filepath.Join(dir, "*.tmp*"))
	require.NoError(t, err)
	assert.Empty(t, entries, "no temporary files left")
}

func ptr[T any](v T) *T { return &v }

func TestValidationCountsErrors(t *testing.T) {
	vktest.Instance(t) // skips without Vulkan
	var logs bytes.Buffer
	inst, err := vk.NewInstance(vk.InstanceOptions{Validation: true,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	defer inst.Close()
	if !inst.ValidationEnabled() {
		t.Skip("validation layer not installed")
	}
	devs, err := inst.PhysicalDevices()
	require.NoError(t, err)
	pd, err := vk.SelectDevice(devs, os.Getenv("VKLLM_DEVICE"))
	require.NoError(t, err)
	dev, err := inst.NewDevice(pd, vk.DeviceOptions{NoPipelineCache: true})
	require.NoError(t, err)
	defer dev.Close()
	// A workgroup larger than maxComputeWorkGroupSize is a validation error.
	too := pd.Limits.MaxComputeWorkGroupSize[0] * 2
	p, err := dev.NewPipeline(vk.PipelineSpec{Name: "huge", SPIRV: doubleSPV, Bindings: 2, PushSize: 8, Spec: []uint32{too}})
	if err == nil {
		p.Close()
	}
	assert.Positive(t, inst.ValidationErrors())
	assert.NotEmpty(t, inst.ValidationMessages())
	assert.Contains(t, logs.String(), "validation")
}

func TestAllocatorStats(t *testing.T) {
	dev := vktest.DeviceWith(t, vk.DeviceOptions{BlockSize: 1 << 20})
	assert.Equal(t, vk.AllocatorStats{}, dev.Stats())
	var bufs []*vk.Buffer
	for range 3 {
		b, err := dev.NewBuffer(600<<10, vk.DeviceLocal)
		require.NoError(t, err)
		bufs = append(bufs, b)
	}
	s := dev.Stats()
	assert.Equal(t, 3, s.Blocks, "two 600 KiB buffers do not share a 1 MiB block")
	assert.Equal(t, uint64(3<<20), s.BytesAllocated)
	assert.GreaterOrEqual(t, s.BytesInUse, uint64(3*600<<10))
	assert.Equal(t, 3, s.LiveObjects)

	big, err := dev.NewBuffer(5<<20, vk.DeviceLocal)
	require.NoError(t, err)
	assert.Equal(t, uint64(8<<20), dev.Stats().BytesAllocated, "a large buffer gets its own block")
	big.Close()
	for _, b := range bufs {
		b.Close()
	}
	s = dev.Stats()
	assert.Zero(t, s.BytesInUse)
	assert.Zero(t, s.LiveObjects)
	assert.Equal(t, 1, s.Blocks, "emptied blocks are returned, one is kept")
	assert.LessOrEqual(t, dev.MaxBufferSize(), uint64(1<<30))
}
