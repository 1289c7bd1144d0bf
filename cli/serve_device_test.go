package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// complete posts a greedy completion and returns its text.
func complete(t *testing.T, url, prompt string, maxTokens int) string {
	t.Helper()
	body := fmt.Sprintf(`{"prompt":%q,"max_tokens":%d,"temperature":0}`, prompt, maxTokens)
	resp, err := http.Post(url+"/v1/completions", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var c struct{ Choices []struct{ Text string } }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&c))
	require.Len(t, c.Choices, 1)
	return c.Choices[0].Text
}

// TestServeDevice: `vkllm serve` on the Vulkan engine (lavapipe, f32 KV)
// gives the reference continuation, and concurrent requests batched on
// the device equal the same requests served one at a time on the CPU.
func TestServeDevice(t *testing.T) {
	vktest.Instance(t) // skips without Vulkan
	model := testenv.Model(t, "stories260K-f32.gguf")
	gpu := startServe(t, "-m", model, "--device", "llvmpipe", "--kv-type", "f32", "--max-seqs", "4")
	assert.Contains(t, gpu.log.String(), "on llvmpipe")
	want, err := os.ReadFile(testenv.Shared(t, "reference/stories260K-p1.txt"))
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSuffix(string(want), "\n"), complete(t, gpu.url, "Once upon a time", 64))

	prompts := []string{"The little dog", "Lily and Ben went to the park", "One day, a big bird", "Sue saw a cat",
		"Tom had a red ball. He liked to play with it every day", "Mom said"}
	got := make([]string, len(prompts))
	var wg sync.WaitGroup
	for i, p := range prompts {
		wg.Go(func() { got[i] = complete(t, gpu.url, p, 8+3*i) })
	}
	wg.Wait()
	cpu := startServe(t, "-m", model, "--device", "cpu", "--kv-type", "f32")
	for i, p := range prompts {
		assert.Equal(t, complete(t, cpu.url, p, 8+3*i), got[i], "prompt %q", p)
	}
}
