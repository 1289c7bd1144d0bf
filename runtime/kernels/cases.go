package kernels

import (
	"cmp"
	"fmt"
	"math/rand/v2"

	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/vk"
)

// outcome is one case's GPU result and CPU reference. scale, when set,
// holds each output's rounding scale (a dot product's Σ|w·x|), and the
// error is normalised by it instead of by want: one output row whose terms
// cancel would otherwise fail on float32 summation noise alone.
type outcome struct{ got, want, scale []float32 }

// nmse compares o.got with o.want: NMSE, or with o.scale the squared error
// over the squared scales.
func (o outcome) nmse() float64 {
	if o.scale == nil {
		return NMSE(o.got, o.want)
	}
	return errorOver(o.got, o.want, o.scale)
}

// caseFunc runs a case with the given variant on e; the returned outcome
// is compared by NMSE.
type caseFunc func(e *env, variant string, rng *rand.Rand) (outcome, error)

// Error bounds (NMSE). Exact ops allow only rounding noise; transcendental
// and reduction kernels differ from the float64-accumulating reference in
// summation order and ulp-level function error.
const (
	boundExact = 1e-14
	boundFunc  = 1e-10
	boundRope  = 1e-8
)

// elementSizes are lengths that hit the vec4 body, the scalar tail and
// several workgroups.
var elementSizes = []int{1, 7, 33, 1000, 4097}

func elementwiseCases() []Case {
	var cs []Case
	for _, n := range elementSizes {
		shape := fmt.Sprint(n)
		cs = append(cs,
			Case{Kernel: "fill", Shape: shape, Bound: boundExact, run: fillCase(n)},
			Case{Kernel: "copy", Shape: shape, Bound: boundExact, run: copyCase(n)},
			Case{Kernel: "add", Shape: shape, Bound: boundExact, run: binaryCase(n, NewAdd, cpu.Add)},
			Case{Kernel: "mul", Shape: shape, Bound: boundExact, run: binaryCase(n, NewMul, cpu.Mul)},
			Case{Kernel: "swiglu", Shape: shape, Bound: boundFunc, run: binaryCase(n, NewSwiGLU, cpu.SwiGLU)},
		)
	}
	return cs
}

func fillCase(n int) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		k, err := NewFill(e.dev, variant)
		if err != nil {
			return outcome{}, err
		}
		e.own(k)
		value := rng.Float32()
		dst := e.zeros(n)
		set := e.set(k.program, dst)
		want := make([]float32, n)
		cpu.Fill(want, value)
		got := e.exec(dst, n, func(c *vk.Commands) error {
			k.Record(c, set, FillPush{N: uint32(n), Value: value})
			return nil
		})
		return outcome{got: got, want: want}, e.err
	}
}

func copyCase(n int) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		k, err := NewCopy(e.dev, variant)
		if err != nil {
			return outcome{}, err
		}
		e.own(k)
		want := randFloats(rng, n, 1)
		src, dst := e.floats(want), e.zeros(n)
		set := e.set(k.program, src, dst)
		got := e.exec(dst, n, func(c *vk.Commands) error {
			k.Record(c, set, ElementwisePush{N: uint32(n)})
			return nil
		})
		return outcome{got: got, want: want}, e.err
	}
}

func binaryCase(n int, build func(*vk.Device, string) (*Binary, error), ref func(dst, a, b []float32)) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		k, err := build(e.dev, variant)
		if err != nil {
			return outcome{}, err
		}
		e.own(k)
		a, b := randFloats(rng, n, 4), randFloats(rng, n, 4)
		want := make([]float32, n)
		ref(want, a, b)
		dst := e.zeros(n)
		set := e.set(k.program, e.floats(a), e.floats(b), dst)
		got := e.exec(dst, n, func(c *vk.Commands) error {
			k.Record(c, set, ElementwisePush{N: uint32(n)})
			return nil
		})
		return outcome{got: got, want: want}, e.err
	}
}

// rowShapes are rows × cols for the row kernels: one value, shorter and
// longer than a workgroup, not multiples of it.
var rowShapes = [][2]int{{1, 1}, {3, 7}, {2, 33}, {4, 1000}, {1, 4097}}

func rowCases() []Case {
	var cs []Case
	for _, s := range rowShapes {
		shape := fmt.Sprintf("%dx%d", s[0], s[1])
		cs = append(cs,
			Case{Kernel: "rmsnorm", Shape: shape, Bound: boundFunc, run: rmsnormCase(s[0], s[1])},
			Case{Kernel: "softmax", Shape: shape, Bound: boundFunc, run: softmaxCase(s[0], s[1])},
		)
	}
	return cs
}

func rmsnormCase(rows, cols int) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		k, err := NewRMSNorm(e.dev, variant)
		if err != nil {
			return outcome{}, err
		}
		e.own(k)
		const eps = 1e-5
		x, w := randFloats(rng, rows*cols, 3), randFloats(rng, cols, 1)
		want := make([]float32, rows*cols)
		cpu.RMSNorm(want, x, w, eps)
		dst := e.zeros(rows * cols)
		set := e.set(k.program, e.floats(x), e.floats(w), dst)
		got := e.exec(dst, rows*cols, func(c *vk.Commands) error {
			k.Record(c, set, RMSNormPush{Cols: uint32(cols), Rows: uint32(rows), Eps: eps})
			return nil
		})
		return outcome{got: got, want: want}, e.err
	}
}

func softmaxCase(rows, cols int) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		k, err := NewSoftmax(e.dev, variant)
		if err != nil {
			return outcome{}, err
		}
		e.own(k)
		x := randFloats(rng, rows*cols, 20) // wide range: exercises the max subtraction
		xb := e.floats(x)
		for r := 0; r < rows; r++ {
			cpu.Softmax(x[r*cols : (r+1)*cols])
		}
		set := e.set(k.program, xb)
		got := e.exec(xb, rows*cols, func(c *vk.Commands) error {
			k.Record(c, set, SoftmaxPush{Cols: uint32(cols), Rows: uint32(rows)})
			return nil
		})
		return outcome{got: got, want: x}, e.err
	}
}

// ropeShape is tokens × heads × headDim with dims rotated, at random
// positions below maxPos (0: 4096, a llama-2 context).
type ropeShape struct {
	tokens, heads, headDim, dims int
	neox                         bool
	maxPos                       int
	pad                          int // floats after each token's heads, left as they are
}

// ropeFarPos reaches past the 4096 context of the smaller shapes to the
// largest position whose angle the shaders reduce exactly at frequency 1
// (rope.glsl), where an unreduced float32 angle is off by up to 4e-3 rad.
const ropeFarPos = 1 << 17

var ropeShapes = []ropeShape{
	{1, 1, 2, 2, false, 0, 0},
	{3, 4, 64, 64, false, 0, 0},
	{5, 2, 64, 32, false, 0, 0},
	{5, 2, 64, 32, true, 0, 0},
	{7, 3, 128, 128, true, 0, 0},
	{9, 2, 2, 2, false, ropeFarPos, 0},
	{9, 2, 128, 128, false, ropeFarPos, 0},
}

// ropeStridedShapes rotate Q within rows of a fused Q/K/V product.
var ropeStridedShapes = []ropeShape{{5, 4, 16, 16, false, 0, 32}}

func ropeCases(shapes []ropeShape) []Case {
	var cs []Case
	for _, s := range shapes {
		name := "rope"
		if s.neox {
			name = "rope_neox"
		}
		shape := fmt.Sprintf("%dx%dx%d/%d", s.tokens, s.heads, s.headDim, s.dims)
		if s.maxPos > 0 {
			shape += fmt.Sprintf(" pos<%d", s.maxPos)
		}
		if s.pad > 0 {
			shape += fmt.Sprintf(" pad %d", s.pad)
		}
		cs = append(cs, Case{Kernel: name, Shape: shape, Bound: boundRope, run: ropeCase(s)})
	}
	return cs
}

// ropePositions returns n random positions below maxPos (0: 4096); with
// a larger maxPos the last one is maxPos-1.
func ropePositions(rng *rand.Rand, n, maxPos int) []int32 {
	pos := make([]int32, n)
	for i := range pos {
		pos[i] = rng.Int32N(int32(cmp.Or(maxPos, 4096)))
	}
	if maxPos > 0 {
		pos[n-1] = int32(maxPos - 1)
	}
	return pos
}

func ropeCase(s ropeShape) caseFunc {
	return func(e *env, variant string, rng *rand.Rand) (outcome, error) {
		k, err := NewRope(e.dev, variant, s.neox)
		if err != nil {
			return outcome{}, err
		}
		e.own(k)
		per := s.heads * s.headDim
		stride := per + s.pad
		n := s.tokens * stride
		x := randFloats(rng, n, 2)
		pos := ropePositions(rng, s.tokens, s.maxPos)
		xb := e.floats(x)
		set := e.set(k.program, xb, e.buffer(i32Bytes(pos)), e.floats(RopeFreqs(10000, s.dims)))
		r := cpu.Rope{Base: 10000, Dims: s.dims, NeoX: s.neox}
		for t := range s.tokens {
			r.Apply(x[t*stride:t*stride+per], s.headDim, int(pos[t]))
		}
		p := RopePush{HeadDim: uint32(s.headDim), Heads: uint32(s.heads), Tokens: uint32(s.tokens), Dims: uint32(s.dims),
			Stride: uint32(stride)}
		got := e.exec(xb, n, func(c *vk.Commands) error {
			k.Record(c, set, p)
			return nil
		})
		return outcome{got: got, want: x}, e.err
	}
}
