package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache/device"
	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// devices lists the backends a test runs on: cpu, and the Vulkan device
// of VKLLM_DEVICE (llvmpipe here) when Vulkan exists.
func devices(t *testing.T) []string {
	out := []string{"cpu"}
	if _, devs := vktest.Instance(t); len(devs) > 0 {
		out = append(out, cmpOr(os.Getenv("VKLLM_DEVICE"), "0"))
	}
	return out
}

func cmpOr(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// TestRun: a tiny llama-bench run (pp16, tg8, two repetitions) on each
// backend gives one sane result per test.
func TestRun(t *testing.T) {
	model := testenv.Model(t, "stories260K-f32.gguf")
	for _, dev := range devices(t) {
		t.Run(dev, func(t *testing.T) {
			var progress []string
			rs, err := Run(context.Background(), Options{Models: []string{model}, Prompts: []int{16}, Gens: []int{8}, Reps: 2,
				Device: dev, Progress: func(s string) { progress = append(progress, s) }})
			require.NoError(t, err)
			require.Len(t, rs, 2)
			assert.Equal(t, []string{"pp16", "tg8"}, []string{rs[0].Test(), rs[1].Test()})
			assert.Equal(t, [2]int{16, 0}, [2]int{rs[0].NPrompt, rs[0].NGen})
			assert.Equal(t, [2]int{0, 8}, [2]int{rs[1].NPrompt, rs[1].NGen})
			for _, r := range rs {
				assert.Equal(t, "stories260K-f32.gguf", r.ModelFilename)
				assert.Equal(t, "llama 293K F32", r.ModelType)
				assert.Len(t, r.SamplesNS, 2)
				assert.Len(t, r.SamplesTS, 2)
				assert.Positive(t, r.AvgTS)
				assert.InDelta(t, r.AvgTS, r.PerSeqTS, r.AvgTS*1e-9, "one sequence: total = per sequence")
				assert.Equal(t, 1, r.MaxRunning)
				assert.Zero(t, r.Preemptions)
				assert.Positive(t, r.Steps)
			}
			wantBackend := map[bool]string{true: "CPU", false: "Vulkan"}[dev == "cpu"]
			assert.Equal(t, wantBackend, rs[0].Backend)
			assert.Len(t, progress, 3, "loaded, then one line per test")
		})
	}
}

// TestConcurrency: eight sequences against a pool of four usable blocks
// (one each) run four at a time, without preemption; with the default
// pool all eight run together.
func TestConcurrency(t *testing.T) {
	model := testenv.Model(t, "stories260K-f32.gguf")
	tests := []struct {
		name        string
		kv          device.Options
		wantRunning int
	}{
		{"pool of 4", device.Options{Blocks: 5}, 4},
		{"default pool", device.Options{}, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := Run(context.Background(), Options{Models: []string{model}, Gens: []int{8}, Reps: 2,
				Concurrency: []int{8}, Device: "cpu", KV: tt.kv})
			require.NoError(t, err)
			require.Len(t, rs, 1)
			r := rs[0]
			assert.Equal(t, tt.wantRunning, r.MaxRunning)
			assert.Zero(t, r.Preemptions)
			assert.Equal(t, 8, r.Concurrency)
			assert.Positive(t, r.PerSeqTS)
			assert.Greater(t, r.AvgTS, r.PerSeqTS, "eight sequences make more tokens per second than one")
			assert.Positive(t, r.TTFT.P50)
			assert.LessOrEqual(t, r.TTFT.P50, r.TTFT.P90)
			assert.LessOrEqual(t, r.TTFT.P90, r.TTFT.P99)
			assert.Positive(t, r.ITL.P50)
		})
	}
}

func TestOptionsRejects(t *testing.T) {
	m := []string{"x.gguf"}
	tests := []struct {
		name string
		opt  Options
		want string
	}{
		{"no model", Options{Gens: []int{8}}, "no model"},
		{"no test", Options{Models: m, Prompts: []int{0}, Gens: []int{0}}, "no test"},
		{"bad concurrency", Options{Models: m, Gens: []int{8}, Concurrency: []int{0}}, "concurrency"},
		{"bad reps", Options{Models: m, Gens: []int{8}, Reps: -1}, "repetitions"},
		{"negative", Options{Models: m, Prompts: []int{-3}}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), tt.opt)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestContextTooSmall: tests longer than the model's context fail before
// anything runs; a prompt of the whole context fits (TestFullContext).
func TestContextTooSmall(t *testing.T) {
	model := testenv.Model(t, "stories260K-f32.gguf")
	for _, opt := range []Options{{Prompts: []int{513}}, {Gens: []int{512 - GenPrompt + 1}}} {
		opt.Models, opt.Device = []string{model}, "cpu"
		_, err := Run(context.Background(), opt)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "need 513 tokens per sequence, the model's context is 512")
	}
}

// llamaBenchFields are llama-bench's JSON names that Result must carry.
var llamaBenchFields = []string{"model_filename", "model_type", "model_size", "model_n_params", "n_batch", "n_threads",
	"type_k", "type_v", "n_prompt", "n_gen", "test_time", "avg_ns", "stddev_ns", "avg_ts", "stddev_ts", "samples_ns",
	"samples_ts", "device", "backend", "concurrency"}

func TestWriteJSON(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteJSON(&buf, []Result{{ModelFilename: "m.gguf", NGen: 8, SamplesTS: []float64{1, 2}}}))
	var got []map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
	require.Len(t, got, 1)
	for _, f := range llamaBenchFields {
		assert.Contains(t, got[0], f)
	}
	assert.Equal(t, "m.gguf", got[0]["model_filename"])
	buf.Reset()
	require.NoError(t, WriteJSON(&buf, nil))
	assert.Equal(t, "[]\n", buf.String())
}

func TestWriteMarkdown(t *testing.T) {
	rs := []Result{
		{ModelType: "llama 1M F32", ModelSize: 3 << 20, ModelNParams: 1e6, Backend: "CPU", Device: "cpu", TypeK: "f32",
			Concurrency: 1, NPrompt: 16, AvgTS: 12.345, StddevTS: 0.5},
		{ModelType: "llama 1M F32", Concurrency: 4, NGen: 8, AvgTS: 40, PerSeqTS: 10, MaxRunning: 4},
	}
	var buf bytes.Buffer
	require.NoError(t, WriteMarkdown(&buf, rs))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 9, buf.String())
	assert.Equal(t, "| model | size | params | backend | device | kv | conc | test | t/s |", lines[0])
	assert.Equal(t, "| llama 1M F32 | 3.00 MiB | 1M | CPU | cpu | f32 | 1 | pp16 | 12.35 ± 0.50 |", lines[2])
	assert.Contains(t, lines[7], "| llama 1M F32 | cpu | 1 | pp16 | 12.35 |")
	assert.Contains(t, lines[8], "| 4 | tg8 | 40.00 | 10.00 |")

	buf.Reset()
	require.NoError(t, WriteMarkdown(&buf, rs[:1]))
	assert.Len(t, strings.Split(strings.TrimSpace(buf.String()), "\n"), 3, "no batching table without concurrency")
}

func TestHumanCount(t *testing.T) {
	for n, want := range map[int64]string{999: "999", 292_928: "293K", 76_300_000: "76.3M", 6_740_000_000: "6.74B"} {
		assert.Equal(t, want, humanCount(n))
	}
}

// TestFullContext: pp of the model's whole context runs, as in llama-bench.
func TestFullContext(t *testing.T) {
	if testing.Short() {
		t.Skip("a 512-token prompt")
	}
	model := testenv.Model(t, "stories260K-f32.gguf")
	rs, err := Run(context.Background(), Options{Models: []string{model}, Prompts: []int{512}, Reps: 1, Device: "cpu"})
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Equal(t, 512, rs[0].NPrompt)
}

// TestProfile: with Profile on the Vulkan device each result carries the
// engine's per-kernel GPU time, and the markdown prints it.
func TestProfile(t *testing.T) {
	vktest.Instance(t)
	model := testenv.Model(t, "stories260K-f32.gguf")
	rs, err := Run(context.Background(), Options{Models: []string{model}, Gens: []int{4}, Reps: 1,
		Device: cmpOr(os.Getenv("VKLLM_DEVICE"), "0"), Profile: true})
	require.NoError(t, err)
	require.Len(t, rs, 1)
	require.NotEmpty(t, rs[0].Profile)
	for _, k := range rs[0].Profile {
		assert.Positive(t, k.Calls, k.Name)
	}
	var buf bytes.Buffer
	require.NoError(t, WriteMarkdown(&buf, rs))
	assert.Contains(t, buf.String(), "tg4 ×1: GPU time per kernel")
}
