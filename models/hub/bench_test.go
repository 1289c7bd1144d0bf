package hub

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/vkllm/vkllm/models/hub/hubtest"
)

// BenchmarkPull measures a whole pull from a local server: HTTP, sha256,
// write, fsync and rename, for a 32 MiB body.
func BenchmarkPull(b *testing.B) {
	data := make([]byte, 32<<20)
	copy(data, ggufMagic)
	srv := hubtest.New(b)
	srv.Add("o", "r", "main", "m.gguf", &hubtest.File{Data: data, LinkedSHA: sha(data)})
	c, err := New(Options{Dir: b.TempDir(), Endpoint: srv.URL, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		path, err := c.Pull(context.Background(), "hf://o/r/m.gguf")
		if err != nil {
			b.Fatal(err)
		}
		if err := os.Remove(path); err != nil {
			b.Fatal(err)
		}
	}
}
