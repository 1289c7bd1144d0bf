package cpu

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/models/quant"
)

// weight is a tensor prepared for the backend: the block-format matrix the
// reference reads row by row, and for F32 tensors their float32 values.
type weight struct {
	m   Matrix
	f32 []float32 // F32 tensors only: Rows×Cols values
}

// prepareWeight wraps t. F32 data is viewed in place as []float32 when the
// file's data is 4-byte aligned (GGUF aligns tensor data to 32 bytes), and
// copied otherwise. Vectors (norm weights) always get f32 values.
func prepareWeight(t *llama.Tensor, fast bool) (weight, error) {
	m, err := NewMatrix(t.Type, t.Rows, t.Cols, t.Data)
	if err != nil {
		return weight{}, fmt.Errorf("cpu: tensor %s: %w", t.Name, err)
	}
	if !fast && t.Rows > 1 {
		return weight{m: m}, nil
	}
	return prepareWeightMatrix(m)
}

// prepareWeightMatrix prepares m for the fast path.
func prepareWeightMatrix(m Matrix) (weight, error) {
	w := weight{m: m}
	if m.Type == quant.F32 {
		w.f32 = float32View(m.Data)
	}
	return w, nil
}

// float32View reinterprets little-endian float32 bytes without copying when
// aligned (amd64 and arm64 are little endian, as GGUF is), else decodes.
func float32View(b []byte) []float32 {
	n := len(b) / 4
	if n == 0 {
		return nil
	}
	if uintptr(unsafe.Pointer(&b[0]))%4 == 0 && littleEndian() {
		return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func littleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}

var (
	f16Once  sync.Once
	f16Table []float32 // every binary16 bit pattern widened to float32
)

// halfTable returns a 65536-entry conversion table, so the fast path turns
// F16 weights into float32 with one load per value instead of a call.
func halfTable() []float32 {
	f16Once.Do(func() {
		f16Table = make([]float32, 1<<16)
		for i := range f16Table {
			f16Table[i] = quant.F16ToF32(uint16(i))
		}
	})
	return f16Table
}
