package gguf

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sync"

	"github.com/vkllm/vkllm/models/quant"
)

// File is a parsed GGUF header plus access to its tensor data.
type File struct {
	Version    uint32
	Alignment  uint64       // general.alignment or 32
	KV         []KV         // metadata in file order
	Tensors    []TensorInfo // in file order
	DataOffset int64        // absolute offset of the tensor data section

	r           io.ReaderAt
	data        []byte // whole file when mapped or in memory
	size        int64
	kvIndex     map[string]int
	tensorIndex map[string]int
	infoOff     []int64 // file offset of each tensor info, for errors

	closeOnce sync.Once
	closeFn   func() error // unmaps and closes, for Open
	closeErr  error
	closed    bool
}

// TensorInfo describes one tensor. Dims are ggml order: Dims[0] is the
// innermost (contiguous) dimension.
type TensorInfo struct {
	Name   string
	Dims   []uint64
	Type   quant.Type
	Offset uint64 // relative to File.DataOffset
}

// Elements returns the product of the dimensions (1 for no dimensions). It
// saturates at MaxUint64; files with overflowing shapes are rejected by Read.
func (t *TensorInfo) Elements() uint64 {
	n := uint64(1)
	for _, d := range t.Dims {
		hi, lo := bits.Mul64(n, d)
		if hi != 0 {
			return math.MaxUint64
		}
		n = lo
	}
	return n
}

// Bytes returns the storage size of the tensor, or an error if the type is
// unknown, the row length is not a multiple of the block size, or the size
// overflows int64.
func (t *TensorInfo) Bytes() (uint64, error) {
	if !t.Type.Known() {
		return 0, fmt.Errorf("unknown tensor type %v", t.Type)
	}
	bs, bb := uint64(t.Type.BlockSize()), uint64(t.Type.BlockBytes())
	if len(t.Dims) > 0 && t.Dims[0]%bs != 0 || len(t.Dims) == 0 && bs != 1 {
		return 0, fmt.Errorf("row length %v is not a multiple of the %v block size %d", t.Dims, t.Type, bs)
	}
	n := uint64(1)
	for _, d := range t.Dims {
		hi, lo := bits.Mul64(n, d)
		if hi != 0 || lo > math.MaxInt64 {
			return 0, fmt.Errorf("element count of shape %v overflows", t.Dims)
		}
		n = lo
	}
	hi, size := bits.Mul64(n/bs, bb)
	if hi != 0 || size > math.MaxInt64 {
		return 0, fmt.Errorf("byte size of shape %v overflows", t.Dims)
	}
	return size, nil
}

// Close releases the mapping and file of a File from Open. It is idempotent
// and a no-op for files from Read. Slices from TensorData are invalid after.
func (f *File) Close() error {
	f.closeOnce.Do(func() {
		f.closed = true
		if f.closeFn != nil {
			f.closeErr = f.closeFn()
		}
		f.data, f.r = nil, nil
	})
	return f.closeErr
}

// Tensor returns the info of the named tensor.
func (f *File) Tensor(name string) (*TensorInfo, bool) {
	i, ok := f.tensorIndex[name]
	if !ok {
		return nil, false
	}
	return &f.Tensors[i], true
}

// ErrClosed is returned by TensorData after Close.
var ErrClosed = errors.New("gguf: file closed")

// TensorData returns the bytes of the named tensor: a zero-copy slice of the
// mapping for files from Open (valid until Close, read-only), otherwise a
// fresh copy read from the underlying reader.
func (f *File) TensorData(name string) ([]byte, error) {
	t, ok := f.Tensor(name)
	if !ok {
		return nil, fmt.Errorf("gguf: no tensor %q", name)
	}
	if f.closed {
		return nil, ErrClosed
	}
	n, _ := t.Bytes() // validated, with the range, by Read
	start := f.DataOffset + int64(t.Offset)
	if f.data != nil {
		return f.data[start : start+int64(n) : start+int64(n)], nil
	}
	buf := make([]byte, n)
	if err := readFull(f.r, buf, start); err != nil {
		return nil, fmt.Errorf("gguf: tensor %q: %w", name, err)
	}
	return buf, nil
}
