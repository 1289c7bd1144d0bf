package cli

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/runtime/vk"
)

func TestDevices(t *testing.T) {
	out, _, err := runApp(t, "", "devices")
	if errors.Is(err, vk.ErrNoVulkan) && !testenv.InCI() {
		t.Skip(err)
	}
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.GreaterOrEqual(t, len(lines), 2)
	assert.Contains(t, lines[0], "subgroup")
	assert.Contains(t, lines[0], "int dot")
	assert.Equal(t, 1, strings.Count(out, "*"), "exactly one default device")

	out, _, err = runApp(t, "", "devices", "--json")
	require.NoError(t, err)
	var devs []struct {
		Index, Subgroup any
		Name, Type      string
		APIVersion      string `json:"api_version"`
		Default         bool
		Features        vk.Features
		Heaps           []vk.MemoryHeap
	}
	require.NoError(t, json.Unmarshal([]byte(out), &devs))
	require.Len(t, devs, len(lines)-1)
	defaults := 0
	for _, d := range devs {
		assert.NotEmpty(t, d.Name)
		assert.Contains(t, []string{"discrete", "integrated", "virtual", "cpu", "other"}, d.Type)
		assert.Regexp(t, `^1\.\d+\.\d+$`, d.APIVersion)
		assert.NotEmpty(t, d.Heaps)
		if d.Default {
			defaults++
		}
	}
	assert.Equal(t, 1, defaults)
}
