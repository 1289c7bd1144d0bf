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

// fetchTexels reads n texels of a texel binding through texels.comp.
func fetchTexels(t *testing.T, dev *vk.Device, pipe *vk.Pipeline, texels vk.Binding, n int) []byte {
	t.Helper()
	out, err := dev.NewBuffer(uint64(n*vk.TexelSize), vk.DeviceLocal)
	require.NoError(t, err)
	defer out.Close()
	set, err := pipe.NewDescriptorSet(vk.Bind(out), texels)
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
			// A range of 8 bytes past whole texels: Texels drops them.
			got := fetchTexels(t, dev, pipe, vk.BindRange(buf, off, uint64(tt.texel*vk.TexelSize+8)).Texels(), tt.texel)
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
	out := vk.Bind(buf)
	pipe := texelsPipeline(t, dev)
	tests := []struct {
		name    string
		b       [2]vk.Binding
		message string
	}{
		{"under a texel", [2]vk.Binding{out, vk.BindRange(buf, 0, 8).Texels()}, "not whole texels"},
		{"past the end", [2]vk.Binding{out, vk.BindRange(buf, 4096-32, 64).Texels()}, "not whole texels"},
		{"unaligned offset", [2]vk.Binding{out, vk.BindRange(buf, 4, 64).Texels()}, "not a multiple"},
		{"storage for texels", [2]vk.Binding{out, out}, "needs a texel range"},
		{"texels for storage", [2]vk.Binding{out.Texels(), out.Texels()}, "given a texel range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pipe.NewDescriptorSet(tt.b[:]...)
			assert.ErrorContains(t, err, tt.message)
		})
	}
}

// TestTexelViewUpdate rebinds a set's texel range: the set makes a new view
// and destroys the old one (the validation layer reports leaked views).
func TestTexelViewUpdate(t *testing.T) {
	dev := vktest.Device(t)
	if !dev.Features().TexelBuffer {
		t.Skip("device has no R32G32B32A32_UINT uniform texel buffers")
	}
	pipe := texelsPipeline(t, dev)
	buf, err := dev.NewBuffer(4096, vk.DeviceLocal)
	require.NoError(t, err)
	defer buf.Close()
	set, err := pipe.NewDescriptorSet(vk.Bind(buf), vk.BindRange(buf, 0, 1024).Texels())
	require.NoError(t, err)
	defer set.Close()
	require.NoError(t, set.Update(vk.Bind(buf), vk.BindRange(buf, 1024, 1024).Texels()))
	assert.Error(t, set.Update(vk.Bind(buf), vk.Bind(buf)))
}

func TestTexelViewDisabled(t *testing.T) {
	dev := vktest.DeviceWith(t, vk.DeviceOptions{Disable: vk.Features{TexelBuffer: true}})
	assert.Zero(t, dev.MaxTexelViewSize())
	_, err := dev.NewPipeline(vk.PipelineSpec{Name: "texels", SPIRV: texelsSPV, Bindings: 1, Texels: 1, PushSize: 4})
	assert.ErrorIs(t, err, vk.ErrUnsupported)
}
