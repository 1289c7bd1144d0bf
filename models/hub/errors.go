package hub

import "errors"

// Sentinels for the conditions callers may want to tell apart; every error
// Pull returns wraps at most one of them, with the reference and what to do.
var (
	ErrNotFound     = errors.New("hub: not found")
	ErrUnauthorized = errors.New("hub: unauthorized")
	ErrChecksum     = errors.New("hub: checksum mismatch")
	ErrNotGGUF      = errors.New("hub: not a GGUF file")
	ErrNetwork      = errors.New("hub: network error")
	ErrDiskFull     = errors.New("hub: disk full")
	ErrNotCached    = errors.New("hub: not in the cache")
	ErrBusy         = errors.New("hub: download in progress")
)
