package gguf

import (
	"fmt"
	"os"
)

// openUnmapped parses fd through io.ReaderAt and keeps it open for
// TensorData until Close.
func openUnmapped(fd *os.File, path string, size int64) (*File, error) {
	f, err := Read(fd, size)
	if err != nil {
		fd.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.closeFn = fd.Close
	return f, nil
}
