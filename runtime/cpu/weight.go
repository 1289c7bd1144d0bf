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
	// packed holds Q8_0/Q4_0 rows in groups of four, interleaved by block
	// (see packGroups), so the four-row kernels read one sequential stream:
	// with four separate row streams the hardware prefetchers lose track
	// at every group and the kernels ran at under half the DRAM bandwidth.
	// Rows past the last full group are read from m.
	packed []byte
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
	switch m.Type {
	case quant.F32:
		w.f32 = float32View(m.Data)
	case quant.Q8_0, quant.Q4_0:
		w.packed = packGroups(m)
	}
	return w, nil
}

// packedBlockBytes is the size of one block of a packed group of four
// rows: their four scales as float32, then the four rows' quant bytes
// (without the binary16 scale). The scales come first so they stay 16-byte
// aligned (the buffer is allocated as float32).
func packedBlockBytes(t quant.Type) int {
	if t == quant.Q4_0 {
		return 16 + 4*16
	}
	return 16 + 4*32
}

// packGroups builds weight.packed for a Q8_0 or Q4_0 matrix: for each group
// g of rows 4g..4g+3 and each block, the rows' scales then their quants.
// NewMatrix has checked that Data holds Rows×Cols values, so the allocation
// is bounded by the tensor's size in the file.
func packGroups(m Matrix) []byte {
	rb, nb := m.RowBytes(), m.Cols/32
	bs, pb := rb/nb, packedBlockBytes(m.Type) // source and packed block bytes
	tab := halfTable()
	n := m.Rows / 4 * nb * pb
	buf := make([]float32, n/4)
	out := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(buf))), n)
	for r := 0; r < m.Rows/4*4; r++ {
		row := m.Data[r*rb : (r+1)*rb]
		g, k := r/4, r%4
		for blk := 0; blk < nb; blk++ {
			dst := out[(g*nb+blk)*pb:]
			src := row[blk*bs : (blk+1)*bs]
			buf[(g*nb+blk)*pb/4+k] = tab[binary.LittleEndian.Uint16(src)]
			copy(dst[16+k*(bs-2):16+(k+1)*(bs-2)], src[2:])
		}
	}
	return out
} // float32View reinterprets little-endian float32 bytes without copying when
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

// viewF32 reinterprets b as float32 values without copying, when b is
// 4-byte aligned and the machine little endian (as GGUF and the KV pools
// are); ok is false otherwise.
func viewF32(b []byte) (v []float32, ok bool) {
	if len(b) < 4 || uintptr(unsafe.Pointer(&b[0]))%4 != 0 || !littleEndian() {
		return nil, false
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4), true
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
