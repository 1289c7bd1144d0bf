package gguf

import (
	"io"
	"math"
	"math/bits"
	"slices"

	"github.com/vkllm/vkllm/models/quant"
)

const (
	magic            = 0x46554747 // "GGUF" read as a little-endian uint32
	defaultAlignment = 32
	maxAlignment     = 1 << 30
	maxDims          = 4
	// maxCount bounds tensor and key counts on top of the file-size check.
	maxCount = 1 << 24
	// minKVBytes and minTensorBytes are the smallest encodings of one
	// key/value (empty key, u8 value) and one tensor info (empty name, 0 dims).
	minKVBytes     = 8 + 4 + 1
	minTensorBytes = 8 + 4 + 4 + 8
)

// Read parses the GGUF header from r, whose total length is size. Tensor
// data is not read until TensorData.
func Read(r io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, formatErr(0, "negative file size %d", size)
	}
	return parse(&cursor{r: r, size: size})
}

// ReadBytes parses a GGUF file held in memory; TensorData then returns
// subslices of data without copying.
func ReadBytes(data []byte) (*File, error) {
	return parse(&cursor{data: data, size: int64(len(data))})
}

func parse(c *cursor) (*File, error) {
	f := &File{r: c.r, data: c.data, size: c.size, Alignment: defaultAlignment}
	nTensors, nKV, err := f.readHeader(c)
	if err != nil {
		return nil, err
	}
	if err := f.readKVs(c, nKV); err != nil {
		return nil, err
	}
	if err := f.readTensorInfos(c, nTensors); err != nil {
		return nil, err
	}
	f.DataOffset, err = alignUp(c.off, f.Alignment)
	if err != nil {
		return nil, err
	}
	if err := f.checkTensorData(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) readHeader(c *cursor) (nTensors, nKV int, err error) {
	m, err := c.u32("magic")
	if err != nil {
		return 0, 0, err
	}
	if m != magic {
		return 0, 0, formatErr(0, "bad magic %#08x, not a GGUF file", m)
	}
	if f.Version, err = c.u32("version"); err != nil {
		return 0, 0, err
	}
	switch {
	case f.Version == 1:
		return 0, 0, formatErr(4, "GGUF version 1 is not supported (32-bit counts); re-convert with a newer llama.cpp")
	case f.Version&0xffff == 0 && f.Version != 0:
		return 0, 0, formatErr(4, "big-endian GGUF (version %#x) is not supported", f.Version)
	case f.Version != 2 && f.Version != 3:
		return 0, 0, formatErr(4, "unsupported GGUF version %d (want 2 or 3)", f.Version)
	}
	// Each later item needs at least its minimum encoding, which bounds the
	// counts jointly; the tighter per-kind bound is checked while reading.
	if nTensors, err = c.count("tensor count", minTensorBytes, maxCount); err != nil {
		return 0, 0, err
	}
	if nKV, err = c.count("key/value count", minKVBytes, maxCount); err != nil {
		return 0, 0, err
	}
	return nTensors, nKV, nil
}

func (f *File) readKVs(c *cursor, n int) error {
	f.KV = make([]KV, 0, n)
	f.kvIndex = make(map[string]int, n)
	for range n {
		at := c.off
		key, err := c.str("key", maxName)
		if err != nil {
			return err
		}
		if _, dup := f.kvIndex[key]; dup {
			return formatErr(at, "duplicate key %q", key)
		}
		t, err := c.u32("value type of " + key)
		if err != nil {
			return err
		}
		v, err := c.value(ValueType(t), 0)
		if err != nil {
			return err
		}
		f.kvIndex[key] = len(f.KV)
		f.KV = append(f.KV, KV{key, v})
		if key == "general.alignment" {
			if err := f.setAlignment(at, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *File) setAlignment(at int64, v Value) error {
	a, ok := asUint(v)
	if !ok || a == 0 || a > maxAlignment || a&(a-1) != 0 {
		return formatErr(at, "general.alignment %v (%v) is not a power of two up to %d", v.V, v.Type, maxAlignment)
	}
	f.Alignment = a
	return nil
}

func (f *File) readTensorInfos(c *cursor, n int) error {
	f.Tensors = make([]TensorInfo, 0, n)
	f.tensorIndex = make(map[string]int, n)
	for range n {
		at := c.off
		t, err := f.readTensorInfo(c)
		if err != nil {
			return err
		}
		if _, dup := f.tensorIndex[t.Name]; dup {
			return formatErr(at, "duplicate tensor name %q", t.Name)
		}
		f.tensorIndex[t.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, t)
		f.infoOff = append(f.infoOff, at)
	}
	return nil
}

func (f *File) readTensorInfo(c *cursor) (TensorInfo, error) {
	var t TensorInfo
	var err error
	at := c.off
	if t.Name, err = c.str("tensor name", maxName); err != nil {
		return t, err
	}
	nd, err := c.u32("tensor dimension count")
	if err != nil {
		return t, err
	}
	if nd > maxDims {
		return t, formatErr(at, "tensor %q has %d dimensions, at most %d allowed", t.Name, nd, maxDims)
	}
	t.Dims = make([]uint64, nd)
	for i := range t.Dims {
		if t.Dims[i], err = c.u64("tensor dimension"); err != nil {
			return t, err
		}
	}
	ty, err := c.u32("tensor type")
	if err != nil {
		return t, err
	}
	t.Type = quant.Type(ty)
	if t.Offset, err = c.u64("tensor offset"); err != nil {
		return t, err
	}
	return t, f.checkTensorInfo(at, &t)
}

func (f *File) checkTensorInfo(at int64, t *TensorInfo) error {
	for _, d := range t.Dims {
		if d == 0 || d > math.MaxInt64 {
			return formatErr(at, "tensor %q has dimension %d", t.Name, d)
		}
	}
	if !t.Type.Known() {
		return formatErr(at, "tensor %q has unknown type %v", t.Name, t.Type)
	}
	if _, err := t.Bytes(); err != nil {
		return formatErr(at, "tensor %q: %v", t.Name, err)
	}
	if t.Offset%f.Alignment != 0 {
		return formatErr(at, "tensor %q offset %d is not a multiple of the alignment %d", t.Name, t.Offset, f.Alignment)
	}
	return nil
}

// checkTensorData verifies that every tensor's bytes lie inside the file and
// that no two tensors overlap.
func (f *File) checkTensorData() error {
	order := make([]int, len(f.Tensors))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmpU64(f.Tensors[a].Offset, f.Tensors[b].Offset)
	})
	var prevEnd uint64
	prev := -1
	for _, i := range order {
		t := &f.Tensors[i]
		n, _ := t.Bytes() // checked in checkTensorInfo
		end, c1 := bits.Add64(t.Offset, n, 0)
		abs, c2 := bits.Add64(end, uint64(f.DataOffset), 0)
		if c1 != 0 || c2 != 0 || abs > uint64(f.size) {
			return formatErr(f.infoOff[i], "tensor %q data [%d, +%d) at data offset %d runs past the end of the %d-byte file",
				t.Name, t.Offset, n, f.DataOffset, f.size)
		}
		if prev >= 0 && t.Offset < prevEnd {
			return formatErr(f.infoOff[i], "tensor %q data at %d overlaps tensor %q ending at %d",
				t.Name, t.Offset, f.Tensors[prev].Name, prevEnd)
		}
		prev, prevEnd = i, end
	}
	return nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// alignUp rounds off up to a multiple of align (a power of two).
func alignUp(off int64, align uint64) (int64, error) {
	r := (uint64(off) + align - 1) &^ (align - 1)
	if r > math.MaxInt64 {
		return 0, formatErr(off, "data offset aligned to %d overflows", align)
	}
	return int64(r), nil
}
