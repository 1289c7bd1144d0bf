package vk_test

import (
	_ "embed"
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

//go:embed testdata/double.spv
var doubleSPV []byte

// doublePush mirrors double.comp's push block.
type doublePush struct {
	N   uint32
	Add float32
}

func floats(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func floatBytes(xs []float32) []byte {
	b := make([]byte, 4*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// runDouble computes out = in*factor + add on n floats and returns out.
func runDouble(t *testing.T, dev *vk.Device, n int, factor uint32, add float32) []float32 {
	t.Helper()
	in := make([]float32, n)
	for i := range in {
		in[i] = float32(i) - 3
	}
	bin, err := dev.NewBuffer(uint64(4*n), vk.DeviceLocal)
	require.NoError(t, err)
	defer bin.Close()
	bout, err := dev.NewBuffer(uint64(4*n), vk.DeviceLocal)
	require.NoError(t, err)
	defer bout.Close()
	require.NoError(t, dev.Upload(bin, 0, floatBytes(in)))

	pipe, err := dev.NewPipeline(vk.PipelineSpec{Name: "double", SPIRV: doubleSPV, Bindings: 2,
		PushSize: 8, Spec: []uint32{64, factor}})
	require.NoError(t, err)
	defer pipe.Close()
	set, err := pipe.NewDescriptorSet(vk.Bind(bin), vk.Bind(bout))
	require.NoError(t, err)
	defer set.Close()
	cmd, err := dev.NewCommands()
	require.NoError(t, err)
	defer cmd.Close()

	push := doublePush{N: uint32(n), Add: add}
	require.NoError(t, cmd.Begin())
	cmd.Dispatch(pipe, set, vk.PushBytes(&push), uint32((n+63)/64), 1, 1)
	require.NoError(t, cmd.End())
	require.NoError(t, dev.SubmitWait(cmd))

	out := make([]byte, 4*n)
	require.NoError(t, dev.Download(bout, 0, out))
	for i, y := range floats(out) {
		require.Equal(t, in[i]*float32(factor)+add, y, "element %d", i)
	}
	return floats(out)
}

func TestDispatchDoubles(t *testing.T) {
	tests := []struct {
		name string
		opts vk.DeviceOptions
		n    int
	}{
		{"unified", vk.DeviceOptions{}, 1000},
		{"staging", vk.DeviceOptions{NoUnifiedMemory: true}, 1000},
		{"portable", vk.DeviceOptions{Portable: true}, 77},
		{"multi-chunk", vk.DeviceOptions{NoUnifiedMemory: true}, 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev := vktest.DeviceWith(t, tt.opts)
			runDouble(t, dev, tt.n, 2, 0.5)
		})
	}
}
