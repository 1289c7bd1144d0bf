package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// benchJSONFields are llama-bench's field names plus vkllm's device,
// backend and concurrency.
var benchJSONFields = []string{"model_filename", "model_type", "model_size", "model_n_params", "n_batch", "n_threads",
	"type_k", "type_v", "n_prompt", "n_gen", "test_time", "avg_ns", "stddev_ns", "avg_ts", "stddev_ts", "samples_ns",
	"samples_ts", "device", "backend", "concurrency"}

// TestBench runs `vkllm bench` on stories260K (-p 16 -n 8 -r 2) on the CPU
// and on the Vulkan device: the markdown table has one row per test and
// the JSON carries llama-bench's field names.
func TestBench(t *testing.T) {
	model := testenv.Model(t, "stories260K-f32.gguf")
	for _, dev := range []string{"cpu", "llvmpipe"} {
		t.Run(dev, func(t *testing.T) {
			if dev != "cpu" {
				vktest.Instance(t) // skips without Vulkan
			}
			args := []string{"bench", "-m", model, "-p", "16", "-n", "8", "-r", "2", "--device", dev}
			out, errOut, err := runApp(t, "", args...)
			require.NoError(t, err, errOut)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			require.Len(t, lines, 4, out)
			assert.True(t, strings.HasPrefix(lines[0], "| model | size | params | backend | device |"), lines[0])
			assert.Contains(t, lines[2], "| pp16 |")
			assert.Contains(t, lines[3], "| tg8 |")
			assert.Contains(t, errOut, "stories260K-f32.gguf tg8 ×1:", "progress goes to stderr")

			out, errOut, err = runApp(t, "", append(args, "--json")...)
			require.NoError(t, err, errOut)
			var rs []map[string]any
			require.NoError(t, json.Unmarshal([]byte(out), &rs), out)
			require.Len(t, rs, 2)
			for _, r := range rs {
				for _, f := range benchJSONFields {
					assert.Contains(t, r, f)
				}
				assert.Len(t, r["samples_ts"], 2)
				assert.Positive(t, r["avg_ts"])
			}
			assert.Equal(t, 16.0, rs[0]["n_prompt"])
			assert.Equal(t, 8.0, rs[1]["n_gen"])
		})
	}
}

// TestBenchConcurrency: four sequences at once are all admitted and the
// batching table appears.
func TestBenchConcurrency(t *testing.T) {
	model := testenv.Model(t, "stories260K-f32.gguf")
	out, errOut, err := runApp(t, "", "bench", "-m", model, "-p", "0", "-n", "8", "-r", "2", "--device", "cpu",
		"--concurrency", "1,4", "-o", "json")
	require.NoError(t, err, errOut)
	var rs []struct {
		Concurrency int     `json:"concurrency"`
		MaxRunning  int     `json:"max_running"`
		AvgTS       float64 `json:"avg_ts"`
		PerSeqTS    float64 `json:"per_seq_ts"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rs))
	require.Len(t, rs, 2)
	assert.Equal(t, [2]int{1, 4}, [2]int{rs[0].Concurrency, rs[1].Concurrency})
	assert.Equal(t, [2]int{1, 4}, [2]int{rs[0].MaxRunning, rs[1].MaxRunning})
	assert.Greater(t, rs[1].AvgTS, rs[1].PerSeqTS)

	out, _, err = runApp(t, "", "bench", "-m", model, "-p", "0", "-n", "8", "-r", "1", "--device", "cpu", "-c", "4")
	require.NoError(t, err)
	assert.Contains(t, out, "| max running |")
}

// TestBenchKernels: --kernels on the Vulkan device with test-sized shapes
// reports copy first and the hot kernels with their ratio to it.
func TestBenchKernels(t *testing.T) {
	vktest.Instance(t)
	out, errOut, err := runApp(t, "", "bench", "--kernels", "--small", "--device", "llvmpipe", "--json")
	require.NoError(t, err, errOut)
	var rep struct {
		Device  string `json:"device"`
		Kernels []struct {
			Kernel string  `json:"kernel"`
			GBs    float64 `json:"gb_per_s"`
			Ratio  float64 `json:"ratio_to_copy"`
		} `json:"kernels"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	assert.Contains(t, rep.Device, "llvmpipe")
	require.NotEmpty(t, rep.Kernels)
	assert.Equal(t, "copy", rep.Kernels[0].Kernel)
	kinds := map[string]bool{}
	for _, k := range rep.Kernels {
		kinds[k.Kernel] = true
		assert.Positive(t, k.GBs, k.Kernel)
		assert.Positive(t, k.Ratio, k.Kernel)
	}
	for _, k := range []string{"matvec", "matmul", "rmsnorm", "rope", "kvstore", "attn_decode"} {
		assert.True(t, kinds[k], k)
	}
}

func TestBenchFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no model", []string{"bench"}, "give -m MODEL"},
		{"bad list", []string{"bench", "-m", "x.gguf", "-p", "12,x"}, "--n-prompt"},
		{"negative", []string{"bench", "-m", "x.gguf", "-n", "-4"}, "--n-gen"},
		{"bad output", []string{"bench", "-m", "x.gguf", "-o", "xml"}, "want md or json"},
		{"bad kv-mem", []string{"bench", "-m", "x.gguf", "--kv-mem", "lots"}, "--kv-mem"},
		{"bad concurrency", []string{"bench", "-m", "x.gguf", "-c", "0"}, "concurrency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runApp(t, "", tt.args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
