package kernels

import (
	"math"
	"math/rand/v2"
)

// NMSE returns the normalised mean squared error of got against want:
// Σ(got−want)² / Σwant². It is +Inf when the lengths differ or a value is
// not finite, and Σ(got−want)² when want is all zeros.
func NMSE(got, want []float32) float64 {
	return errorOver(got, want, want)
}

// errorOver returns Σ(got-want)² / Σref²: +Inf when the lengths differ or
// the error is not finite, the plain sum of squares when ref is all zero.
func errorOver(got, want, ref []float32) float64 {
	if len(got) != len(want) || len(ref) != len(want) {
		return math.Inf(1)
	}
	var num, den float64
	for i, w := range want {
		d := float64(got[i]) - float64(w)
		num += d * d
		den += float64(ref[i]) * float64(ref[i])
	}
	if math.IsNaN(num) || math.IsInf(num, 0) {
		return math.Inf(1)
	}
	if den == 0 {
		return num
	}
	return num / den
}

// randFloats returns n values uniform in [-scale, scale).
func randFloats(rng *rand.Rand, n int, scale float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = (rng.Float32()*2 - 1) * scale
	}
	return v
}
