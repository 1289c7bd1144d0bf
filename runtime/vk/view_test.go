package vk_test

import (
	_ "embed"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

//go:embed testdata/texels.spv
var texelsSPV []byte

// texelsPipeline builds texels.comp: one storage binding, one texel binding.
func texelsPipeline(t *testing.T, dev *vk.Device) *vk.Pipeline {
	t.Helper()
	pipe, err := dev.NewPipeline(vk.PipelineSpec{Name: "texels", SPIRV: texelsSPV, Bindings: 1, Texels: 1,
		PushSize: 4, Spec: []uint32{64}})
	require.NoError(t, err)
	t.Cleanup(pipe.Close)
	return pipe
}

// fetchTexels reads n texels of view through texels.comp.
func fetchTexels(t *testing.T, dev *vk.Device, pipe *vk.Pipeline, view *vk.TexelView, n int) []byte {
	t.Helper()
	out, err := dev.NewBuffer(uint64(n*vk.TexelSize), vk.DeviceLocal)
	require.NoError(t, err)
	defer out.Close()
	set, err := pipe.NewDescriptorSet(vk.Bind(out), vk.BindTexels(view))
	require.NoError(t, err)
	defer set.Close()
	cmd, err := dev.NewCommands()
	require.NoError(t, err)
	defer cmd.Close()
	push := uint32(n)
	require.NoError(t, cmd.Begin())
	cmd.Dispatch(pipe, set, vk.PushBytes(&push), uint32((n+63)/64), 1, 1)
	require.NoError(t, cmd.End())
	require.NoError(t, dev.SubmitWait(cmd))
	got := make([]byte, n*vk.TexelSize)
	require.NoError(t, dev.Download(out, 0, got))
	return got
}

func TestTexelViewFetch(t *testing.T) {
	dev := vktest.Device(t)
	if !dev.Features().TexelBuffer {
		t.Skip("device has no R32G32B32A32_UINT uniform texel buffers")
	}
	align := max(dev.Limits().MinTexelBufferOffsetAlignment, vk.TexelSize)
	pipe := texelsPipeline(t, dev)
	tests := []struct {
		name  string
		off   uint64 // in units of align
		texel int
	}{
		{"whole buffer", 0, 1000},
		{"offset range", 3, 77},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := make([]byte, tt.off*align+uint64(tt.texel*vk.TexelSize)+64)
			for i := 0; i+4 <= len(src); i += 4 {
				binary.LittleEndian.PutUint32(src[i:], uint32(i)*2654435761)
			}
			buf, err := dev.NewBuffer(uint64(len(src)), vk.DeviceLocal)
			require.NoError(t, err)
			defer buf.Close()
			require.NoError(t, dev.Upload(buf, 0, src))
			off := tt.off * align
			view, err := dev.NewTexelView(buf, off, uint64(tt.texel*vk.TexelSize))
			require.NoError(t, err)
			defer view.Close()
			assert.Same(t, buf, view.Buffer())
			got := fetchTexels(t, dev, pipe, view, tt.texel)
			assert.Equal(t, src[off:off+uint64(len(got))], got)
		})
	}
}

func TestTexelViewErrors(t *testing.T) {
	dev := vktest.Device(t)
	if !dev.Features().TexelBuffer {
		t.Skip("device has no R32G32B32A32_UINT uniform texel buffers")
	}
	buf, err := dev.NewBuffer(4096, vk.DeviceLocal)
	require.NoError(t, err)
	defer buf.Close()
	tests := []struct {
		name      string
		off, size uint64
	}{
		{"empty", 0, 0},
		{"partial texel", 0, 40},
		{"past the end", 4096 - 32, 64},
		{"unaligned offset", 4, 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dev.NewTexelView(buf, tt.off, tt.size)
			assert.Error(t, err)
		})
	}
	t.Run("binding kinds", func(t *testing.T) {
		view, err := dev.NewTexelView(buf, 0, 4096)
		require.NoError(t, err)
		defer view.Close()
		pipe := texelsPipeline(t, dev)
		_, err = pipe.NewDescriptorSet(vk.BindTexels(view), vk.BindTexels(view))
		assert.ErrorContains(t, err, "storage binding given a TexelView")
		_, err = pipe.NewDescriptorSet(vk.Bind(buf), vk.Bind(buf))
		assert.ErrorContains(t, err, "texel binding needs a TexelView")
	})
}

func TestTexelViewDisabled(t *testing.T) {
	dev := vktest.DeviceWith(t, vk.DeviceOptions{Disable: vk.Features{TexelBuffer: true}})
	assert.Zero(t, dev.MaxTexelViewSize())
	buf, err := dev.NewBuffer(256, vk.DeviceLocal)
	require.NoError(t, err)
	defer buf.Close()
	_, err = dev.NewTexelView(buf, 0, 256)
	assert.ErrorIs(t, err, vk.ErrUnsupported)
	_, err = dev.NewPipeline(vk.PipelineSpec{Name: "texels", SPIRV: texelsSPV, Bindings: 1, Texels: 1, PushSize: 4})
	assert.ErrorIs(t, err, vk.ErrUnsupported)
}
