package vk_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// TestHotPathAllocatesNothing records and submits a step the way the engine
// does, and checks the steady state allocates no Go memory.
func TestHotPathAllocatesNothing(t *testing.T) {
	dev := vktest.Device(t)
	buf, err := dev.NewBuffer(4096, vk.DeviceLocal)
	require.NoError(t, err)
	defer buf.Close()
	pipe, err := dev.NewPipeline(vk.PipelineSpec{Name: "double", SPIRV: doubleSPV, Bindings: 2, PushSize: 8, Spec: []uint32{64, 2}})
	require.NoError(t, err)
	defer pipe.Close()
	set, err := pipe.NewDescriptorSet(vk.BindRange(buf, 0, 2048), vk.BindRange(buf, 2048, 2048))
	require.NoError(t, err)
	defer set.Close()
	cmd, err := dev.NewCommands()
	require.NoError(t, err)
	defer cmd.Close()
	push := &doublePush{N: 512, Add: 1}
	step := func() {
		if err := cmd.Begin(); err != nil {
			panic(err)
		}
		cmd.Dispatch(pipe, set, vk.PushBytes(push), 8, 1, 1)
		cmd.ComputeBarrier()
		cmd.Dispatch(pipe, set, vk.PushBytes(push), 8, 1, 1)
		cmd.Barrier()
		cmd.BufferBarrier(buf)
		if err := cmd.End(); err != nil {
			panic(err)
		}
		if err := dev.SubmitWait(cmd); err != nil {
			panic(err)
		}
	}
	step() // grows the used-object list once
	assert.Zero(t, testing.AllocsPerRun(20, step))
}

func BenchmarkSubmitWait(b *testing.B) {
	dev := vktest.Device(b)
	cmd, err := dev.NewCommands()
	require.NoError(b, err)
	defer cmd.Close()
	for b.Loop() {
		if err := cmd.Begin(); err != nil {
			b.Fatal(err)
		}
		cmd.Barrier()
		if err := cmd.End(); err != nil {
			b.Fatal(err)
		}
		if err := dev.SubmitWait(cmd); err != nil {
			b.Fatal(err)
		}
	}
}
