package gguf

import (
	"errors"
	"fmt"
)

// ErrNoKey is wrapped by the typed getters when a key is absent.
var ErrNoKey = errors.New("gguf: key not found")

// FormatError reports malformed GGUF data at a byte offset of the file.
type FormatError struct {
	Off int64
	Msg string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("gguf: offset %d: %s", e.Off, e.Msg)
}

func formatErr(off int64, format string, args ...any) error {
	return &FormatError{Off: off, Msg: fmt.Sprintf(format, args...)}
}
