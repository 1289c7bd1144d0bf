//go:build unix

package gguf

import (
	"fmt"
	"os"
	"syscall"
)

// openFile memory-maps fd (size bytes) read-only and parses its header.
// Once mapped, fd is closed: the mapping outlives it.
func openFile(fd *os.File, path string, size int64) (*File, error) {
	if size == 0 || int64(int(size)) != size {
		// Nothing to map (the header check reports the empty file), or too
		// big for this address space: read through the descriptor instead.
		return openUnmapped(fd, path, size)
	}
	data, err := syscall.Mmap(int(fd.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	fd.Close() // the mapping outlives the descriptor
	if err != nil {
		return nil, fmt.Errorf("gguf: mmap %s: %w", path, err)
	}
	f, err := ReadBytes(data)
	if err != nil {
		_ = syscall.Munmap(data)
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.closeFn = func() error { return syscall.Munmap(data) }
	return f, nil
}
