package hub

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/models/hub/hubtest"
)

// TestListRemove pulls a file at two revisions, leaves a third partial, and
// checks what List reports and what Remove deletes.
func TestListRemove(t *testing.T) {
	data := modelBytes(t)
	srv := hubtest.New(t)
	srv.Add("tiny", "stories", "main", "stories260K-f32.gguf", &hubtest.File{Data: data})
	srv.Add("tiny", "stories", "refs/pr/1", "sub/dir/m.gguf", &hubtest.File{Data: data[:1000]})
	srv.Add("tiny", "stories", "main", "cut.gguf", &hubtest.File{Data: data, CutAfter: 5000})
	c, err := New(Options{Dir: t.TempDir(), Endpoint: srv.URL, Logger: testLogger(t), Retries: -1})
	require.NoError(t, err)
	ctx := context.Background()
	_, err = c.Pull(ctx, testRef)
	require.NoError(t, err)
	_, err = c.Pull(ctx, "hf://tiny/stories/sub/dir/m.gguf@refs/pr/1")
	require.NoError(t, err)
	_, err = c.Pull(ctx, "hf://tiny/stories/cut.gguf")
	require.ErrorIs(t, err, ErrNetwork)
	require.NoError(t, os.WriteFile(filepath.Join(c.Dir(), "hf", "stray.txt"), []byte("x"), 0o644))

	list, err := c.List()
	require.NoError(t, err)
	type row struct {
		ref     string
		size    int64
		partial bool
	}
	var got []row
	for _, e := range list {
		got = append(got, row{e.Ref.String(), e.Size, e.Partial})
		assert.FileExists(t, e.Path)
	}
	assert.Equal(t, []row{
		{"hf://tiny/stories/cut.gguf", 5000, true},
		{"hf://tiny/stories/stories260K-f32.gguf", int64(len(data)), false},
		{"hf://tiny/stories/sub/dir/m.gguf@refs/pr/1", 1000, false},
	}, got)

	removed, err := c.Remove("hf://tiny/stories/sub/dir/m.gguf@refs/pr/1")
	require.NoError(t, err)
	assert.Len(t, removed, 1)
	assert.NoDirExists(t, filepath.Join(c.Dir(), "hf", "tiny", "stories", "refs%2Fpr%2F1"), "empty folders are pruned")
	removed, err = c.Remove("hf://tiny/stories/cut.gguf")
	require.NoError(t, err)
	assert.Len(t, removed, 2, "partial file and its metadata")
	_, err = c.Remove("hf://tiny/stories/cut.gguf")
	assert.ErrorIs(t, err, ErrNotCached)

	list, err = c.List()
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, testRef, list[0].Ref.String())
}

func TestListNamesCatalogueEntries(t *testing.T) {
	c, err := New(Options{Dir: t.TempDir()})
	require.NoError(t, err)
	list, err := c.List()
	require.NoError(t, err)
	assert.Empty(t, list, "an empty cache lists nothing")
	e, _ := Lookup(DefaultModel)
	path := c.Path(mustRef(t, e.Ref))
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte("GGUF"), 0o644))
	list, err = c.List()
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, DefaultModel, list[0].Name)
	_, err = c.Remove(DefaultModel)
	require.NoError(t, err)
	assert.NoFileExists(t, path)
}

func TestRemoveErrors(t *testing.T) {
	c, err := New(Options{Dir: t.TempDir()})
	require.NoError(t, err)
	_, err = c.Remove("models/local.gguf")
	assert.ErrorContains(t, err, "neither a hf:// reference nor a catalogue name")
	_, err = c.Remove(testRef)
	assert.ErrorIs(t, err, ErrNotCached)

	// A download in progress holds the lock: Remove refuses.
	r := mustRef(t, testRef)
	require.NoError(t, os.MkdirAll(filepath.Dir(c.Path(r)), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(c.Dir(), locksDir), 0o755))
	unlock, err := lockFile(context.Background(), c.lockPath(r), nil)
	require.NoError(t, err)
	defer unlock()
	_, err = c.Remove(testRef)
	assert.ErrorIs(t, err, ErrBusy)
}
