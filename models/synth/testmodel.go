package synth

import (
	"path/filepath"
	"testing"
)

// TempModel writes the model described by cfg into tb.TempDir() and returns
// its path, failing tb if writing fails. It is for other packages' tests.
func TempModel(tb testing.TB, cfg Config) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "synth.gguf")
	if err := WriteFile(path, cfg); err != nil {
		tb.Fatalf("synth.TempModel: %v", err)
	}
	return path
}
