//go:build !unix

package gguf

import (
	"fmt"
	"os"
)

// Open opens the file at path and parses its header; without mmap on this
// platform, TensorData reads copies from the open file until Close.
func Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	st, err := fd.Stat()
	if err != nil {
		fd.Close()
		return nil, fmt.Errorf("gguf: %w", err)
	}
	return openUnmapped(fd, path, st.Size())
}
