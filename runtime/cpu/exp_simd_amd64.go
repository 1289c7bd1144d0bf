//go:build goexperiment.simd

package cpu

import (
	"math"
	"simd/archsimd"
)

// Constants of Cephes' expf: e^x = 2^n · e^r with n = round(x·log2 e) and
// r = x − n·ln 2 (ln 2 split in two for an exact first product), e^r by a
// degree-5 polynomial; relative error about 2⁻²³ over the clamped range.
const (
	expHi     = 88.3762626647949 // largest x whose 2^n stays a normal float32
	expLo     = -87.3365478515625
	expLog2e  = 1.44269504088896341
	expLn2Hi  = 0.693359375
	expLn2Lo  = -2.12194440e-4
	expP0     = 1.9875691500e-4
	expP1     = 1.3981999507e-3
	expP2     = 8.3334519073e-3
	expP3     = 4.1665795894e-2
	expP4     = 1.6666665459e-1
	expP5     = 5.0000001201e-1
	expBiasF8 = 127
)

func bcast(v float32) archsimd.Float32x8 { return archsimd.BroadcastFloat32x8(v) }

// exp8 is e^x in eight lanes. Inputs are clamped to [expLo, expHi], so
// very negative x gives about 1e-38 rather than 0 (softmax and SiLU only
// add it to larger terms) and NaN inputs are not preserved.
func exp8(x archsimd.Float32x8) archsimd.Float32x8 {
	x = x.Min(bcast(expHi)).Max(bcast(expLo))
	n := x.Mul(bcast(expLog2e)).RoundToEven()
	r := n.MulAdd(bcast(-expLn2Hi), x)
	r = n.MulAdd(bcast(-expLn2Lo), r)
	p := bcast(expP0).MulAdd(r, bcast(expP1))
	p = p.MulAdd(r, bcast(expP2))
	p = p.MulAdd(r, bcast(expP3))
	p = p.MulAdd(r, bcast(expP4))
	p = p.MulAdd(r, bcast(expP5))
	e := p.MulAdd(r.Mul(r), r).Add(bcast(1))
	scale := n.ConvertToInt32().Add(archsimd.BroadcastInt32x8(expBiasF8)).ShiftAllLeft(23).AsFloat32x8()
	return e.Mul(scale)
}

// expSumAVX2 replaces x[i] by e^(x[i]−m) and returns their sum.
func expSumAVX2(x []float32, m float32) float32 {
	mv := bcast(m)
	var s archsimd.Float32x8
	i := 0
	for ; i+8 <= len(x); i += 8 {
		e := exp8(load8(x, i).Sub(mv))
		e.Store((*[8]float32)(x[i : i+8]))
		s = s.Add(e)
	}
	sum := sum8(s)
	for ; i < len(x); i++ {
		x[i] = float32(math.Exp(float64(x[i] - m)))
		sum += x[i]
	}
	return sum
}

// swigluAVX2 is dst = silu(gate)·up with exp8.
func swigluAVX2(dst, gate, up []float32) {
	n := len(dst)
	gate, up = gate[:n], up[:n]
	one := bcast(1)
	i := 0
	for ; i+8 <= n; i += 8 {
		g := load8(gate, i)
		d := g.Div(one.Add(exp8(g.Mul(bcast(-1))))).Mul(load8(up, i))
		d.Store((*[8]float32)(dst[i : i+8]))
	}
	swigluScalar(dst[i:], gate[i:], up[i:])
}
