//go:build !unix

package gguf

import "os"

// openFile parses fd of size bytes; without mmap on this platform it reads
// through the descriptor, which stays open until Close.
func openFile(fd *os.File, path string, size int64) (*File, error) {
	return openUnmapped(fd, path, size)
}
