package gguf

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// window is how much a cursor reads ahead from an io.ReaderAt.
const window = 64 << 10

// cursor walks the header. When data is set (memory-mapped or in-memory
// files) it slices it directly; otherwise it reads windows from r. Every
// length is checked against the bytes left in the file before anything is
// read or allocated.
type cursor struct {
	r    io.ReaderAt
	data []byte
	size int64
	off  int64

	buf    []byte // window contents when data is nil
	bufOff int64
}

func (c *cursor) remaining() int64 { return c.size - c.off }

// take returns the next n bytes and advances. The slice is only valid until
// the next call. Running past the end is a FormatError naming what.
func (c *cursor) take(n int64, what string) ([]byte, error) {
	if n < 0 || n > c.remaining() {
		return nil, formatErr(c.off, "%s: need %d bytes, only %d left in the file", what, n, c.remaining())
	}
	start := c.off
	if c.data != nil {
		c.off += n
		return c.data[start:c.off], nil
	}
	if start >= c.bufOff && start+n <= c.bufOff+int64(len(c.buf)) {
		c.off += n
		return c.buf[start-c.bufOff : start-c.bufOff+n], nil
	}
	if n > window {
		b, err := readLarge(c.r, start, n)
		if err != nil {
			return nil, err
		}
		c.off += n
		return b, nil
	}
	if err := c.fill(start); err != nil {
		return nil, err
	}
	c.off += n
	return c.buf[:n], nil
}

// fill loads the window starting at off.
func (c *cursor) fill(off int64) error {
	n := min(int64(window), c.size-off)
	if cap(c.buf) < window {
		c.buf = make([]byte, window)
	}
	c.buf = c.buf[:n]
	c.bufOff = off
	if err := readFull(c.r, c.buf, off); err != nil {
		c.buf = c.buf[:0]
		return err
	}
	return nil
}

// readFull reads len(b) bytes at off, accepting io.EOF with a full read.
func readFull(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("gguf: read %d bytes at offset %d: %w", len(b), off, err)
}

// readLarge reads n bytes in window-sized steps so that a size claimed by
// the caller but not backed by the reader fails before a large allocation.
func readLarge(r io.ReaderAt, off, n int64) ([]byte, error) {
	var out []byte
	for done := int64(0); done < n; {
		step := min(n-done, 4*window)
		out = append(out, make([]byte, step)...)
		if err := readFull(r, out[done:done+step], off+done); err != nil {
			return nil, err
		}
		done += step
	}
	return out, nil
}

func (c *cursor) u32(what string) (uint32, error) {
	b, err := c.take(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (c *cursor) u64(what string) (uint64, error) {
	b, err := c.take(8, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// maxName bounds keys and tensor names; values are bounded by the file.
const maxName = 1 << 16

// str reads a GGUF string: u64 length, then bytes (not NUL-terminated).
func (c *cursor) str(what string, limit uint64) (string, error) {
	at := c.off
	if c.remaining() < 8 { // checked here so the label is built only on error
		return "", formatErr(at, "%s length: need 8 bytes, only %d left in the file", what, c.remaining())
	}
	n, err := c.u64("string length")
	if err != nil {
		return "", err
	}
	if n > limit || n > uint64(c.remaining()) {
		return "", formatErr(at, "%s length %d exceeds the %d bytes left (limit %d)", what, n, c.remaining(), limit)
	}
	b, err := c.take(int64(n), what)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// count reads an element count and checks that count elements of at least
// minSize bytes each fit in the rest of the file, so it can size a slice.
func (c *cursor) count(what string, minSize int, limit uint64) (int, error) {
	at := c.off
	n, err := c.u64(what)
	if err != nil {
		return 0, err
	}
	fit := uint64(c.remaining()) / uint64(max(minSize, 1))
	if n > fit || n > limit || n > math.MaxInt32 {
		return 0, formatErr(at, "%s %d is impossible: %d bytes left fit at most %d", what, n, c.remaining(), fit)
	}
	return int(n), nil
}
