package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// TestRunDeviceReference: the Vulkan engine on lavapipe with an f32 KV
// cache gives llama.cpp's greedy continuation byte for byte.
func TestRunDeviceReference(t *testing.T) {
	vktest.Instance(t) // skips without Vulkan
	want, err := os.ReadFile(testenv.Shared(t, "reference/stories260K-p1.txt"))
	require.NoError(t, err)
	for _, file := range []string{"stories260K-f32.gguf", "stories260K-f16.gguf"} {
		t.Run(file, func(t *testing.T) {
			out, errOut, err := runApp(t, "", "run", "-m", testenv.Model(t, file), "-p", "Once upon a time", "-n", "64",
				"--temp", "0", "--device", "llvmpipe", "--kv-type", "f32")
			require.NoError(t, err, errOut)
			assert.Equal(t, strings.TrimSuffix(string(want), "\n"), out)
			assert.Contains(t, errOut, "device:     llvmpipe")
			assert.Contains(t, errOut, "generation: 64 tokens")
			assert.Contains(t, errOut, "kv cache:   f32, 1280 bytes/token, 102400 bytes used")
		})
	}
}

// TestRunDeviceDefaults: int8 KV by default on the engine; the pool is
// sized for the context; --kv-blocks caps the context.
func TestRunDeviceDefaults(t *testing.T) {
	vktest.Instance(t)
	model := testenv.Model(t, "stories260K-f32.gguf")
	_, errOut, err := runApp(t, "", "run", "-m", model, "-p", "Once upon a time", "-n", "8", "--temp", "0", "--device", "0")
	require.NoError(t, err, errOut)
	assert.Contains(t, errOut, "kv cache:   int8, 480 bytes/token") // 2×5 layers×4 heads×(8+4)
	assert.Contains(t, errOut, "(Vulkan, 33 KV blocks")             // 512-token context / 16 + null block

	_, errOut, err = runApp(t, "", "run", "-m", model, "-p", "Once upon a time", "-n", "100", "--temp", "0",
		"--device", "llvmpipe", "--kv-blocks", "2", "--profile")
	require.NoError(t, err, errOut)
	assert.Contains(t, errOut, "generation: 12 tokens", "one usable block of 16 holds 5 prompt + 11 more, plus the last sampled")
	assert.Contains(t, errOut, "attn_decode")

	_, _, err = runApp(t, "", "run", "-m", model, "-p", "x", "--device", "llvmpipe", "--kv-mem", "lots")
	assert.ErrorContains(t, err, "--kv-mem")
	_, _, err = runApp(t, "", "run", "-m", model, "-p", "x", "--device", "no-such-device")
	assert.Error(t, err)
}

// TestRunDefaultDevice: without --device the engine runs only when a
// Vulkan device other than a CPU implementation exists.
func TestRunDefaultDevice(t *testing.T) {
	_, devs := vktest.Instance(t)
	gpu := false
	for _, d := range devs {
		gpu = gpu || d.Type != vk.TypeCPU
	}
	_, errOut, err := runApp(t, "", "run", "-m", testenv.Model(t, "stories260K-f32.gguf"), "-p", "Once", "-n", "2", "--temp", "0")
	require.NoError(t, err, errOut)
	if gpu {
		assert.Contains(t, errOut, "(Vulkan,")
	} else {
		assert.Contains(t, errOut, "device:     cpu")
	}
}

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"2GiB", 2 << 30, true}, {"512MiB", 512 << 20, true}, {"1.5G", 3 << 29, true}, {"4096", 4096, true},
		{"64 KiB", 64 << 10, true}, {"100B", 100, true},
		{"", 0, false}, {"-1G", 0, false}, {"lots", 0, false}, {"1e30T", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseBytes(tt.in)
			if !tt.ok {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
