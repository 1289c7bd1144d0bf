package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/hub"
	"github.com/vkllm/vkllm/models/hub/hubtest"
)

const pullRef = "hf://tiny/stories/stories260K-f32.gguf"

// hubEnv serves the shared stories260K at pullRef and at the catalogue's
// stories260K path from a local fake Hugging Face, and points the
// environment at it and at an empty cache.
func hubEnv(t *testing.T) (*hubtest.Server, []byte) {
	t.Helper()
	data, err := os.ReadFile(testenv.Model(t, "stories260K-f32.gguf"))
	require.NoError(t, err)
	srv := hubtest.New(t)
	srv.Add("tiny", "stories", "main", "stories260K-f32.gguf", &hubtest.File{Data: data, ETag: `"v1"`})
	e, _ := hub.Lookup(hub.DefaultModel)
	r, err := hub.ParseRef(e.Ref)
	require.NoError(t, err)
	srv.Add(r.Owner, r.Repo, r.Rev(), r.Path, &hubtest.File{Data: data})
	srv.Add("tiny", "gated", "main", "m.gguf", &hubtest.File{Status: 401})
	srv.Add("tiny", "site", "main", "page.gguf", &hubtest.File{Data: []byte("<html><body>Sign in</body></html>")})
	t.Setenv(hub.EnvEndpoint, srv.URL)
	t.Setenv(hub.EnvModels, t.TempDir())
	t.Setenv(hub.EnvToken, "")
	return srv, data
}

func TestPullListRm(t *testing.T) {
	srv, data := hubEnv(t)
	out, errOut, err := runApp(t, "", "pull", pullRef)
	require.NoError(t, err, errOut)
	path := strings.TrimSpace(out)
	assert.Equal(t, filepath.Join(os.Getenv(hub.EnvModels), "hf", "tiny", "stories", "main", "stories260K-f32.gguf"), path)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(data, got))
	assert.Contains(t, errOut, "msg=downloaded", "without a terminal, progress goes to the log")
	assert.Len(t, srv.Requests(), 1)

	out, _, err = runApp(t, "", "list")
	require.NoError(t, err)
	assert.Contains(t, out, "cache: "+os.Getenv(hub.EnvModels))
	assert.Regexp(t, `-\s+1\.1 MiB\s+`+pullRef, out)
	assert.Contains(t, out, "1 files, 1.1 MiB")

	out, _, err = runApp(t, "", "rm", pullRef)
	require.NoError(t, err)
	assert.Equal(t, "removed "+path+"\n", out)
	out, _, err = runApp(t, "", "list")
	require.NoError(t, err)
	assert.Contains(t, out, "(empty)")
	_, _, err = runApp(t, "", "rm", pullRef)
	assert.ErrorIs(t, err, hub.ErrNotCached)
}

func TestPullErrors(t *testing.T) {
	hubEnv(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no ref", []string{"pull"}, "want at least one REF"},
		{"bad ref", []string{"pull", "hf://tiny/stories"}, "want owner, repository and file path"},
		{"not found", []string{"pull", "hf://tiny/stories/missing.gguf"}, "404"},
		{"gated", []string{"pull", "hf://tiny/gated/m.gguf"}, "set HF_TOKEN"},
		{"html", []string{"pull", "hf://tiny/site/page.gguf"}, "not a GGUF model"},
		{"gated through run", []string{"run", "-m", "hf://tiny/gated/m.gguf", "-p", "x"}, "set HF_TOKEN"},
		{"rm local path", []string{"rm", "x.gguf"}, "neither a hf:// reference nor a catalogue name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runApp(t, "", tt.args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestRunPulled runs the reference generation from a model named by hf://,
// pulled on first use.
func TestRunPulled(t *testing.T) {
	srv, _ := hubEnv(t)
	want, err := os.ReadFile(testenv.Shared(t, "reference/stories260K-p1.txt"))
	require.NoError(t, err)
	out, errOut, err := runApp(t, "", "run", "-m", pullRef, "-p", "Once upon a time", "-n", "64",
		"--temp", "0", "--kv-type", "f32")
	require.NoError(t, err, errOut)
	assert.Equal(t, strings.TrimSuffix(string(want), "\n"), out)
	assert.Len(t, srv.Requests(), 1)
}

// TestRunDefaultModel: without -m, run uses the catalogue's stories260K
// through the configured endpoint. The shared file differs from the
// published one, so a first-use pull must fail its checksum; once the same
// cache path holds a file (pulled by explicit reference), run uses it.
func TestRunDefaultModel(t *testing.T) {
	srv, _ := hubEnv(t)
	e, _ := hub.Lookup(hub.DefaultModel)
	args := []string{"run", "-p", "Once upon a time", "-n", "64", "--temp", "0", "--kv-type", "f32"}
	_, _, err := runApp(t, "", args...)
	require.ErrorIs(t, err, hub.ErrChecksum)
	assert.Contains(t, err.Error(), "the file was deleted")
	require.Len(t, srv.Requests(), 1)
	assert.Equal(t, "/ggml-org/models/resolve/499bc8821c6b12b4e53c5bffcb21ec206f212d81/tinyllamas/stories260K.gguf",
		srv.Requests()[0].Path)

	_, errOut, err := runApp(t, "", "pull", e.Ref) // an explicit reference carries no catalogue digest
	require.NoError(t, err, errOut)
	want, err := os.ReadFile(testenv.Shared(t, "reference/stories260K-p1.txt"))
	require.NoError(t, err)
	out, errOut, err := runApp(t, "", args...)
	require.NoError(t, err, errOut)
	assert.Equal(t, strings.TrimSuffix(string(want), "\n"), out)
	assert.Len(t, srv.Requests(), 2, "the cached file is used without another download")

	out, _, err = runApp(t, "", "list")
	require.NoError(t, err)
	assert.Regexp(t, `stories260K\s+1\.1 MiB\s+`+regexpQuote(e.Ref), out)
}

func regexpQuote(s string) string {
	r := strings.NewReplacer(".", `\.`, "/", "/", "@", "@")
	return r.Replace(s)
}

func TestListCatalogue(t *testing.T) {
	out, _, err := runApp(t, "", "list", "--catalogue")
	require.NoError(t, err)
	for _, e := range hub.Catalogue() {
		assert.Contains(t, out, e.Name)
		assert.Contains(t, out, e.Ref)
	}
	assert.Contains(t, out, "default model (vkllm run without -m): stories260K")
}

func TestTransferBar(t *testing.T) {
	var w bytes.Buffer
	bar := transferBar(&w, "pulling x")
	bar(0, 2<<20)
	bar(1<<20, 2<<20)
	bar(2<<20, 2<<20)
	s := w.String()
	assert.Contains(t, s, "pulling x [")
	assert.Contains(t, s, "0 B / 2.0 MiB")
	assert.Contains(t, s, "/s")
	assert.True(t, strings.HasSuffix(s, "\r\033[K"), "the finished bar clears its line: %q", s)

	w.Reset()
	bar = transferBar(&w, "pulling y")
	bar(5000, -1)
	assert.Contains(t, w.String(), "pulling y 4.9 KiB")
	assert.NotContains(t, w.String(), "%", "no percentage without a total")
}

func TestInspectPulled(t *testing.T) {
	hubEnv(t)
	out, errOut, err := runApp(t, "", "inspect", pullRef)
	require.NoError(t, err, errOut)
	assert.Contains(t, out, filepath.Join("hf", "tiny", "stories", "main", "stories260K-f32.gguf"))
	assert.Contains(t, out, "architecture: llama")
}
