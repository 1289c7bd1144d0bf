package vk_test

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// TestSubmitFrameSemaphores chains three submissions through two binary
// semaphores, the middle one through SubmitFrame, with and without the
// device timeline: the value filled by the first reaches the last through
// two copies, the validation layer checks the semaphore submit info, and
// each submission advances the timeline once.
func TestSubmitFrameSemaphores(t *testing.T) {
	tests := []struct {
		name string
		opts vk.DeviceOptions
	}{
		{"timeline", vk.DeviceOptions{}},
		{"no timeline", vk.DeviceOptions{Disable: vk.Features{TimelineSemaphore: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			submitChain(t, vktest.DeviceWith(t, tt.opts))
		})
	}
}

func submitChain(t *testing.T, dev *vk.Device) {
	buf, err := dev.NewBuffer(12, vk.HostVisible)
	require.NoError(t, err)
	defer buf.Close()
	acquired, err := dev.NewSemaphore()
	require.NoError(t, err)
	defer acquired.Close()
	rendered, err := dev.NewSemaphore()
	require.NoError(t, err)
	defer rendered.Close()
	cmds := make([]*vk.Commands, 3)
	for i := range cmds {
		cmds[i], err = dev.NewCommands()
		require.NoError(t, err)
		defer cmds[i].Close()
		require.NoError(t, cmds[i].Begin())
	}
	cmds[0].Fill(buf, 0, 4, 0x1234)
	cmds[1].Copy(buf, 0, buf, 4, 4)
	cmds[2].Copy(buf, 4, buf, 8, 4)
	for _, c := range cmds {
		require.NoError(t, c.End())
	}
	before, timeline := dev.Completed()

	require.NoError(t, dev.SubmitSemaphores(cmds[0], nil, acquired))
	require.NoError(t, dev.SubmitFrame(cmds[1], acquired, rendered))
	require.NoError(t, dev.SubmitSemaphores(cmds[2], rendered, nil))
	require.NoError(t, cmds[2].Wait())
	assert.ErrorContains(t, dev.SubmitFrame(cmds[1], acquired, rendered), "vk: SubmitFrame: commands already pending")
	for _, c := range cmds[:2] {
		require.NoError(t, c.Wait())
	}
	assert.Equal(t, uint32(0x1234), binary.LittleEndian.Uint32(buf.Mapped()[8:]))
	if timeline {
		assert.Equal(t, before+3, settledTimeline(t, dev, before+3), "each submission signals the device timeline once")
	}
}

// settledTimeline returns the device timeline's value once it reaches want
// (or after a second). A fence wait does not make the batch's semaphore
// signal visible at the same instant: lavapipe (Mesa 22.3) updates the
// counter just after the fence, and a read right after Wait saw it one
// short.
func settledTimeline(t *testing.T, dev *vk.Device, want uint64) uint64 {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		v, ok := dev.Completed()
		require.True(t, ok)
		if v >= want || time.Now().After(deadline) {
			return v
		}
		time.Sleep(time.Millisecond)
	}
}
