package kernels

import (
	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/runtime/vk"
)

// GLUOut selects what a gate/up pair product stores for each pair of rows
// (shaders/glu.glsl GLU_OUT).
type GLUOut uint32

// The values a pair product can store.
const (
	GLUSwiGLU GLUOut = iota // silu(gate) · up, the SwiGLU MLP's hidden value
	GLUGate                 // the gate product alone
	GLUUp                   // the up product alone
)

// NewMatVecGLU builds the gate/up pair product for weights of type t: the
// matrix holds gate and up rows interleaved (g0, u0, g1, u1, ...), push
// Rows counts both, and each output value i is silu(g_i)·u_i (or g_i or u_i
// alone, RecordGLU), so YStride counts Rows/2 values per vector. The
// SwiGLU MLP then costs one dispatch instead of three, and needs no
// [n][2·ffn] intermediate. Variants and batch thresholds are MatVec's.
func NewMatVecGLU(dev *vk.Device, t quant.Type, variant string) (*MatVec, error) {
	return newMatVec(dev, t, variant, true)
}

// InterleaveRows returns the rows of gate and up (equal sizes, rowBytes
// each) in the order NewMatVecGLU reads: g0, u0, g1, u1, ...
func InterleaveRows(gate, up []byte, rowBytes int) []byte {
	out := make([]byte, 0, len(gate)+len(up))
	for r := 0; r+rowBytes <= len(gate); r += rowBytes {
		out = append(out, gate[r:r+rowBytes]...)
		out = append(out, up[r:r+rowBytes]...)
	}
	return out
}
