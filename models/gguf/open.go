package gguf

import (
	"fmt"
	"os"
)

// Open opens the file at path and parses its header. Where the platform
// has mmap (unix) the file is mapped read-only, Close unmaps it and
// TensorData returns slices of the mapping; elsewhere, and for files too big
// for the address space, TensorData reads copies from the open file until
// Close.
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
	return openFile(fd, path, st.Size())
}

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
