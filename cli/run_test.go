package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"

	"github.com/vkllm/vkllm/internal/testenv"
)

// runApp runs the vkllm app in-process with captured stdin, stdout, stderr.
func runApp(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	app := &cli.App{Name: "vkllm", Commands: commands(), Reader: strings.NewReader(stdin),
		Writer: &out, ErrWriter: &errb, ExitErrHandler: func(*cli.Context, error) {}}
	err := app.Run(append([]string{"vkllm"}, args...))
	return out.String(), errb.String(), err
}

// TestRunReference is the acceptance test: the greedy continuation
// of llama.cpp, byte for byte, through the CLI, for both weight files and
// both CPU paths.
func TestRunReference(t *testing.T) {
	want, err := os.ReadFile(testenv.Shared(t, "reference/stories260K-p1.txt"))
	require.NoError(t, err)
	for _, file := range []string{"stories260K-f32.gguf", "stories260K-f16.gguf"} {
		for _, mode := range [][]string{{"--reference"}, {"--threads", "2"}} {
			t.Run(file+strings.Join(mode, ""), func(t *testing.T) {
				args := append([]string{"run", "-m", testenv.Model(t, file), "-p", "Once upon a time", "-n", "64",
					"--temp", "0", "--device", "cpu", "--kv-type", "f32"}, mode...)
				out, errOut, err := runApp(t, "", args...)
				require.NoError(t, err, errOut)
				assert.Equal(t, strings.TrimSuffix(string(want), "\n"), out)
				assert.Contains(t, errOut, "prompt:     5 tokens")
				assert.Contains(t, errOut, "generation: 64 tokens")
				assert.Contains(t, errOut, "kv cache:   f32, 1280 bytes/token, 102400 bytes used") // 69 tokens: 5 blocks of 16
			})
		}
	}
}

func TestRunStdinPrompt(t *testing.T) {
	want, err := os.ReadFile(testenv.Shared(t, "reference/stories260K-p1.txt"))
	require.NoError(t, err)
	out, errOut, err := runApp(t, "Once upon a time\n", "run", "-m", testenv.Model(t, "stories260K-f32.gguf"),
		"-p", "-", "-n", "64", "--temp", "0")
	require.NoError(t, err, errOut)
	assert.Equal(t, strings.TrimSuffix(string(want), "\n"), out)
}

func TestRunErrors(t *testing.T) {
	model := testenv.Model(t, "stories260K-f32.gguf")
	long := strings.Repeat("Once upon a time ", 40)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown device", []string{"--device", "no-such-gpu"}, "no matching device"},
		{"prompt over context", []string{"--ctx", "32", "-p", long}, "longer than the context of 32 tokens"},
		{"bad kv type", []string{"--kv-type", "q4"}, "q4"},
		{"missing file", []string{"-m", model + ".missing"}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "-m", model, "-p", "Hello", "-n", "4"}, tt.args...)
			_, _, err := runApp(t, "", args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
