package gguf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/vkllm/vkllm/models/quant"
)

// WriteTensor is one tensor to write. Dims are ggml order (innermost first);
// Data holds exactly the tensor's storage bytes.
type WriteTensor struct {
	Name string
	Dims []uint64
	Type quant.Type
	Data []byte
}

// Write encodes a GGUF v3 file: the header, kv in order, tensor infos, then
// each tensor's data aligned to general.alignment (default 32; taken from kv
// when present) with zero padding after every tensor.
func Write(w io.Writer, kv []KV, tensors []WriteTensor) error {
	align, err := writeAlignment(kv)
	if err != nil {
		return err
	}
	hdr, err := encodeHeader(kv, tensors, align)
	if err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("gguf: write header: %w", err)
	}
	pad := make([]byte, align)
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return fmt.Errorf("gguf: write tensor %q: %w", t.Name, err)
		}
		if _, err := w.Write(pad[:padding(uint64(len(t.Data)), align)]); err != nil {
			return fmt.Errorf("gguf: write tensor %q: %w", t.Name, err)
		}
	}
	return nil
}

// WriteFile writes a GGUF file to path through a temporary file in the same
// folder and a rename, so readers never see a partial file.
func WriteFile(path string, kv []KV, tensors []WriteTensor) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("gguf: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = Write(tmp, kv, tensors); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; a model file is ordinary data.
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("gguf: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("gguf: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("gguf: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("gguf: %w", err)
	}
	return nil
}

func writeAlignment(kv []KV) (uint64, error) {
	for _, e := range kv {
		if e.Key != "general.alignment" {
			continue
		}
		a, ok := asUint(e.Value)
		if !ok || a == 0 || a > maxAlignment || a&(a-1) != 0 {
			return 0, fmt.Errorf("gguf: write: general.alignment %v is not a power of two up to %d", e.Value.V, maxAlignment)
		}
		return a, nil
	}
	return defaultAlignment, nil
}

func padding(n, align uint64) uint64 { return (align - n%align) % align }

// encodeHeader returns everything before the tensor data, padded to align.
func encodeHeader(kv []KV, tensors []WriteTensor, align uint64) ([]byte, error) {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, magic)
	b = le.AppendUint32(b, 3)
	b = le.AppendUint64(b, uint64(len(tensors)))
	b = le.AppendUint64(b, uint64(len(kv)))
	seen := make(map[string]bool, len(kv))
	for _, e := range kv {
		if seen[e.Key] {
			return nil, fmt.Errorf("gguf: write: duplicate key %q", e.Key)
		}
		seen[e.Key] = true
		b = appendString(b, e.Key)
		b = le.AppendUint32(b, uint32(e.Value.Type))
		var err error
		if b, err = appendValue(b, e.Value, 0); err != nil {
			return nil, fmt.Errorf("gguf: write: key %q: %w", e.Key, err)
		}
	}
	b, err := appendTensorInfos(b, tensors, align)
	if err != nil {
		return nil, err
	}
	return append(b, make([]byte, padding(uint64(len(b)), align))...), nil
}

func appendTensorInfos(b []byte, tensors []WriteTensor, align uint64) ([]byte, error) {
	le := binary.LittleEndian
	seen := make(map[string]bool, len(tensors))
	var off uint64
	for _, t := range tensors {
		if err := checkWriteTensor(t, seen); err != nil {
			return nil, fmt.Errorf("gguf: write: tensor %q: %w", t.Name, err)
		}
		b = appendString(b, t.Name)
		b = le.AppendUint32(b, uint32(len(t.Dims)))
		for _, d := range t.Dims {
			b = le.AppendUint64(b, d)
		}
		b = le.AppendUint32(b, uint32(t.Type))
		b = le.AppendUint64(b, off)
		off += uint64(len(t.Data)) + padding(uint64(len(t.Data)), align)
	}
	return b, nil
}

func checkWriteTensor(t WriteTensor, seen map[string]bool) error {
	if seen[t.Name] {
		return errors.New("duplicate tensor name")
	}
	seen[t.Name] = true
	if len(t.Name) > maxName {
		return fmt.Errorf("name longer than %d bytes", maxName)
	}
	if len(t.Dims) > maxDims {
		return fmt.Errorf("%d dimensions, at most %d allowed", len(t.Dims), maxDims)
	}
	for _, d := range t.Dims {
		if d == 0 || d > math.MaxInt64 {
			return fmt.Errorf("dimension %d", d)
		}
	}
	info := TensorInfo{Name: t.Name, Dims: t.Dims, Type: t.Type}
	n, err := info.Bytes()
	if err != nil {
		return err
	}
	if uint64(len(t.Data)) != n {
		return fmt.Errorf("%v %v needs %d bytes, data has %d", t.Type, t.Dims, n, len(t.Data))
	}
	return nil
}

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}
