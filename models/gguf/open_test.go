package gguf

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(filepath.Join(dir, "missing.gguf"))
	assert.ErrorIs(t, err, os.ErrNotExist)

	empty := filepath.Join(dir, "empty.gguf")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	_, err = Open(empty)
	fe := requireFormatError(t, err)
	assert.Contains(t, fe.Msg, "magic")
	assert.Contains(t, err.Error(), "empty.gguf")

	bad := filepath.Join(dir, "bad.gguf")
	require.NoError(t, os.WriteFile(bad, []byte("GGUF\x01\x00\x00\x00xxxxxxxx"), 0o644))
	_, err = Open(bad)
	assert.ErrorContains(t, err, "version 1 is not supported")
}

// A File serves getters and TensorData from many goroutines (run with
// -race), for both the mapped and the ReaderAt paths.
func TestConcurrentUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.gguf")
	tensors := tensorsOfEveryType(3)
	require.NoError(t, WriteFile(path, allValues(), tensors))
	mapped, err := Open(path)
	require.NoError(t, err)
	defer mapped.Close()
	fd, err := os.Open(path)
	require.NoError(t, err)
	defer fd.Close()
	st, err := fd.Stat()
	require.NoError(t, err)
	unmapped, err := Read(fd, st.Size())
	require.NoError(t, err)
	for _, f := range []*File{mapped, unmapped} {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for _, wt := range tensors {
					d, err := f.TensorData(wt.Name)
					assert.NoError(t, err)
					assert.Equal(t, wt.Data, d)
				}
				_, err := f.Strings("strs")
				assert.NoError(t, err)
			})
		}
		wg.Wait()
	}
}

func TestWriteFileErrors(t *testing.T) {
	dir := t.TempDir()
	err := WriteFile(filepath.Join(dir, "no", "such", "dir.gguf"), nil, nil)
	assert.ErrorIs(t, err, os.ErrNotExist)
	path := filepath.Join(dir, "bad.gguf")
	err = WriteFile(path, []KV{U8("a", 1), U8("a", 1)}, nil)
	assert.ErrorContains(t, err, "duplicate key")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "a failed write leaves nothing behind")
}
