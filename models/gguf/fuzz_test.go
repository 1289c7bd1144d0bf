package gguf

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/quant"
)

// realSeedBytes is how much of each shared file seeds the fuzzer as-is:
// enough for the header's structure, small enough to keep runs fast.
const realSeedBytes = 4 << 10

func FuzzRead(f *testing.F) {
	f.Add(encode(f, allValues(), tensorsOfEveryType(1)[:4]))
	f.Add(encode(f, []KV{U32("general.alignment", 64), Str("general.architecture", "llama")},
		[]WriteTensor{{"w", []uint64{4, 2}, quant.F32, make([]byte, 32)}}))
	f.Add(encode(f, nil, nil))
	for _, path := range sharedGGUFs() {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		f.Add(data[:min(len(data), realSeedBytes)])
		if seed := shrink(data); seed != nil {
			f.Add(seed)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, errA := ReadBytes(data)
		b, errB := Read(bytes.NewReader(data), int64(len(data)))
		if errA != nil || errB != nil {
			checkReadError(t, data, errA, errB)
			return
		}
		checkInvariants(t, a, int64(len(data)))
		checkInvariants(t, b, int64(len(data)))
		enc := reencode(t, a)
		again, err := ReadBytes(enc)
		if err != nil {
			t.Fatalf("re-encoded file does not parse: %v", err)
		}
		if !bytes.Equal(enc, reencode(t, again)) {
			t.Fatal("write(read(write(read(x)))) differs from write(read(x))")
		}
	})
}

// sharedGGUFs lists the shared models and vocabularies, if present.
func sharedGGUFs() []string {
	m, _ := filepath.Glob(filepath.Join(testenv.ModelsDir(), "*.gguf"))
	v, _ := filepath.Glob(filepath.Join(testenv.SharedDir(), "vocab", "*.gguf"))
	return append(m, v...)
}

// shrink turns a real file into a small valid seed: its keys with arrays
// cut to 8 elements, and its 1-D tensors.
func shrink(data []byte) []byte {
	f, err := ReadBytes(data)
	if err != nil {
		return nil
	}
	kv := make([]KV, len(f.KV))
	for i, e := range f.KV {
		kv[i] = e
		if a, ok := e.Value.V.(Array); ok && a.Len() > 8 {
			kv[i].Value.V = cutArray(a, 8)
		}
	}
	var tensors []WriteTensor
	for _, ti := range f.Tensors {
		if len(ti.Dims) == 1 {
			d, _ := f.TensorData(ti.Name)
			tensors = append(tensors, WriteTensor{ti.Name, ti.Dims, ti.Type, d})
		}
	}
	var buf bytes.Buffer
	if Write(&buf, kv, tensors) != nil {
		return nil
	}
	return buf.Bytes()
}

func cutArray(a Array, n int) Array {
	switch s := a.V.(type) {
	case []string:
		a.V = s[:n]
	case []float32:
		a.V = s[:n]
	case []int32:
		a.V = s[:n]
	default: // no such long arrays in the shared files
		return Array{TypeUint8, []uint8{}}
	}
	return a
}

func checkReadError(t *testing.T, data []byte, errA, errB error) {
	t.Helper()
	if errA == nil || errB == nil {
		t.Fatalf("paths disagree: bytes %v, readerat %v", errA, errB)
	}
	if errA.Error() != errB.Error() {
		t.Fatalf("paths disagree:\n bytes:    %v\n readerat: %v", errA, errB)
	}
	var fe *FormatError
	if !errors.As(errA, &fe) {
		t.Fatalf("not a FormatError: %v", errA)
	}
	if fe.Off < 0 || fe.Off > int64(len(data)) {
		t.Fatalf("offset %d outside the %d-byte input: %v", fe.Off, len(data), errA)
	}
}

// checkInvariants verifies what doc.go promises after a successful read.
func checkInvariants(t *testing.T, f *File, size int64) {
	t.Helper()
	if f.Alignment == 0 || f.Alignment&(f.Alignment-1) != 0 || uint64(f.DataOffset)%f.Alignment != 0 {
		t.Fatalf("alignment %d, data offset %d", f.Alignment, f.DataOffset)
	}
	for _, e := range f.KV {
		if v, ok := f.Get(e.Key); !ok || v.Type != e.Value.Type {
			t.Fatalf("key %q not indexed", e.Key)
		}
	}
	for i := range f.Tensors {
		ti := &f.Tensors[i]
		if got, ok := f.Tensor(ti.Name); !ok || got != ti {
			t.Fatalf("tensor %q not indexed", ti.Name)
		}
		n, err := ti.Bytes()
		if err != nil || len(ti.Dims) > 4 || ti.Offset%f.Alignment != 0 {
			t.Fatalf("tensor %q: dims %v offset %d: %v", ti.Name, ti.Dims, ti.Offset, err)
		}
		if end := f.DataOffset + int64(ti.Offset) + int64(n); end > size || end < f.DataOffset {
			t.Fatalf("tensor %q ends at %d past %d", ti.Name, end, size)
		}
		d, err := f.TensorData(ti.Name)
		if err != nil || uint64(len(d)) != n {
			t.Fatalf("tensor %q data: %d bytes, %v", ti.Name, len(d), err)
		}
	}
}

func reencode(t *testing.T, f *File) []byte {
	t.Helper()
	tensors := make([]WriteTensor, len(f.Tensors))
	for i, ti := range f.Tensors {
		d, err := f.TensorData(ti.Name)
		if err != nil {
			t.Fatal(err)
		}
		tensors[i] = WriteTensor{ti.Name, ti.Dims, ti.Type, d}
	}
	var buf bytes.Buffer
	if err := Write(&buf, f.KV, tensors); err != nil {
		t.Fatalf("cannot re-encode a file we read: %v", err)
	}
	return buf.Bytes()
}
