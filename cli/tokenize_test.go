package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
)

func referencePromptIDs(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(testenv.Shared(t, "reference/stories260K-p1.json"))
	require.NoError(t, err)
	var ref struct {
		IDs []int32 `json:"prompt_ids_with_bos"`
	}
	require.NoError(t, json.Unmarshal(b, &ref))
	require.NotEmpty(t, ref.IDs)
	return strings.Trim(fmt.Sprint(ref.IDs), "[]")
}

func TestTokenize(t *testing.T) {
	model := testenv.Model(t, "stories260K-f32.gguf")
	want := referencePromptIDs(t) // "1 403 407 261 378"
	withoutBOS := strings.TrimPrefix(want, "1 ")
	cases := []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"argument", "", []string{"tokenize", "-m", model, "Once upon a time"}, want + "\n"},
		{"stdin dash", "Once upon a time\n", []string{"tokenize", "-m", model, "-"}, want + "\n"},
		{"stdin", "Once upon a time", []string{"tokenize", "-m", model}, want + "\n"},
		{"no bos", "", []string{"tokenize", "-m", model, "--no-bos", "Once upon a time"}, withoutBOS + "\n"},
		{"special", "", []string{"tokenize", "-m", model, "--special", "--no-bos", "<s>"}, "1\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, err := runApp(t, c.stdin, c.args...)
			require.NoError(t, err, errOut)
			assert.Equal(t, c.want, out)
		})
	}
}

func TestTokenizeShow(t *testing.T) {
	out, _, err := runApp(t, "", "tokenize", "-m", testenv.Shared(t, "vocab/ggml-vocab-llama-spm.gguf"), "--show", "a🦙")
	require.NoError(t, err)
	assert.Equal(t, "     1 -> '<s>'\n"+
		"   263 -> ' a'\n"+
		"   243 -> '<0xF0>'\n"+
		"   162 -> '<0x9F>'\n"+
		"   169 -> '<0xA6>'\n"+
		"   156 -> '<0x99>'\n", out)
}

func TestTokenizeErrors(t *testing.T) {
	_, _, err := runApp(t, "", "tokenize", "x")
	assert.ErrorContains(t, err, "model")
	_, _, err = runApp(t, "", "tokenize", "-m", "/nonexistent.gguf", "x")
	assert.ErrorContains(t, err, "nonexistent")
	_, _, err = runApp(t, "", "tokenize", "-m", testenv.Model(t, "stories260K-f32.gguf"), "a", "b")
	assert.ErrorContains(t, err, "one TEXT")
}
