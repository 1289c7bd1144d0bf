package vk_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

func TestTimeline(t *testing.T) {
	dev := vktest.Device(t)
	if !dev.Features().TimelineSemaphore {
		_, err := dev.NewTimeline(0)
		require.ErrorIs(t, err, vk.ErrUnsupported)
		t.Skip("no timeline semaphores")
	}
	tl, err := dev.NewTimeline(5)
	require.NoError(t, err)
	defer tl.Close()
	v, err := tl.Value()
	require.NoError(t, err)
	assert.Equal(t, uint64(5), v)
	err = tl.Wait(6, time.Millisecond)
	var r vk.Result
	require.True(t, errors.As(err, &r), "timeout is a Result error: %v", err)
	assert.Equal(t, "VK_TIMEOUT", r.Error())
	require.NoError(t, tl.Signal(9))
	require.NoError(t, tl.Wait(7, time.Second))

	cmd, err := dev.NewCommands()
	require.NoError(t, err)
	defer cmd.Close()
	before, ok := dev.Completed()
	require.True(t, ok)
	require.NoError(t, cmd.Begin())
	require.NoError(t, cmd.End())
	require.NoError(t, dev.SubmitWait(cmd))
	after, ok := dev.Completed()
	require.True(t, ok)
	assert.Equal(t, before+1, after, "each submission signals the device timeline")

	_, err = vktest.DeviceWith(t, vk.DeviceOptions{Disable: vk.Features{TimelineSemaphore: true}}).NewTimeline(0)
	assert.ErrorIs(t, err, vk.ErrUnsupported)
}

func TestMemoryHeaps(t *testing.T) {
	dev := vktest.Device(t)
	hs := dev.MemoryHeaps()
	require.Equal(t, len(dev.Physical().Heaps), len(hs))
	for i, h := range hs {
		assert.Equal(t, dev.Physical().Heaps[i].Size, h.Size)
		if dev.Features().MemoryBudget {
			assert.Positive(t, h.Budget)
		}
	}
}
