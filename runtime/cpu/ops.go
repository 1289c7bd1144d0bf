package cpu

import (
	"fmt"
	"math"

	"github.com/vkllm/vkllm/models/quant"
)

// Fill sets every element of dst to v.
func Fill(dst []float32, v float32) {
	for i := range dst {
		dst[i] = v
	}
}

// Add computes dst = a + b elementwise; all three have the same length.
func Add(dst, a, b []float32) {
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// Mul computes dst = a * b elementwise.
func Mul(dst, a, b []float32) {
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// RMSNorm normalises each row of x (rows of len(w) values) by its root mean
// square and scales it by w: dst = x / sqrt(mean(x²) + eps) * w.
func RMSNorm(dst, x, w []float32, eps float32) {
	n := len(w)
	for r := 0; r+n <= len(x); r += n {
		row := x[r : r+n]
		var ss float64
		for _, v := range row {
			ss += float64(v) * float64(v)
		}
		scale := float32(1 / math.Sqrt(ss/float64(n)+float64(eps)))
		for i, v := range row {
			dst[r+i] = v * scale * w[i]
		}
	}
}

// Rope describes a rotary position embedding.
type Rope struct {
	Base float32 // frequency base (10000 for llama 2)
	Dims int     // rotated dimensions per head (≤ head dim; the rest pass through)
	NeoX bool    // NeoX layout pairs (i, i+Dims/2); the normal layout pairs (2i, 2i+1)
}

// Apply rotates every head of x ([heads][headDim]) in place for position pos.
func (r Rope) Apply(x []float32, headDim, pos int) {
	for h := 0; h+headDim <= len(x); h += headDim {
		head := x[h : h+headDim]
		for i := 0; i < r.Dims/2; i++ {
			a, b := r.pair(i)
			theta := float64(pos) * math.Pow(float64(r.Base), -float64(2*i)/float64(r.Dims))
			sin, cos := math.Sincos(theta)
			x0, x1 := float64(head[a]), float64(head[b])
			head[a] = float32(x0*cos - x1*sin)
			head[b] = float32(x0*sin + x1*cos)
		}
	}
}

// pair returns the indices rotated together by frequency i.
func (r Rope) pair(i int) (int, int) {
	if r.NeoX {
		return i, i + r.Dims/2
	}
	return 2 * i, 2*i + 1
}

// SwiGLU computes dst = silu(gate) * up, where silu(x) = x / (1 + e^-x).
func SwiGLU(dst, gate, up []float32) {
	for i, g := range gate {
		dst[i] = float32(float64(g)/(1+math.Exp(-float64(g)))) * up[i]
	}
}

// Softmax replaces x by softmax(x), subtracting the maximum for stability.
func Softmax(x []float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var sum float64
	for i, v := range x {
		e := math.Exp(float64(v - m))
		x[i] = float32(e)
		sum += e
	}
	for i := range x {
		x[i] = float32(float64(x[i]) / sum)
	}
}

// Matrix is a row-major weight matrix in one of the GGUF block formats: Rows
// rows of Cols values, each row stored as Type.RowBytes(Cols) bytes.
type Matrix struct {
	Type       quant.Type
	Rows, Cols int
	Data       []byte
}

// NewMatrix checks that data holds exactly rows × cols values of type t.
func NewMatrix(t quant.Type, rows, cols int, data []byte) (Matrix, error) {
	rb, err := t.RowBytes(cols)
	if err != nil {
		return Matrix{}, fmt.Errorf("cpu: matrix %dx%d %v: %w", rows, cols, t, err)
	}
	if len(data) != rows*rb {
		return Matrix{}, fmt.Errorf("cpu: matrix %dx%d %v: have %d bytes, want %d", rows, cols, t, len(data), rows*rb)
	}
	return Matrix{Type: t, Rows: rows, Cols: cols, Data: data}, nil
}

// RowBytes returns the stored size of one row.
func (m Matrix) RowBytes() int {
	n, _ := m.Type.RowBytes(m.Cols)
	return n
}

// Row dequantizes row r into dst (len Cols).
func (m Matrix) Row(r int, dst []float32) {
	rb := m.RowBytes()
	if err := quant.Dequantize(m.Type, m.Data[r*rb:(r+1)*rb], dst); err != nil {
		panic(fmt.Sprintf("cpu: matrix row %d: %v", r, err)) // NewMatrix validated the shape
	}
}

// MatMul computes dst = x · Wᵀ for a batch of input rows: x is [n][Cols],
// dst is [n][Rows]. With n = 1 it is the matrix-vector product.
func MatMul(dst, x []float32, w Matrix) {
	row := make([]float32, w.Cols)
	n := len(x) / w.Cols
	for r := 0; r < w.Rows; r++ {
		w.Row(r, row)
		for b := 0; b < n; b++ {
			dst[b*w.Rows+r] = Dot(row, x[b*w.Cols:(b+1)*w.Cols])
		}
	}
}

// Dot returns the dot product of a and b, accumulated in float64.
func Dot(a, b []float32) float32 {
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return float32(s)
}
