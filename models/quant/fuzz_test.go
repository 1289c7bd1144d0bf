package quant

import (
	"math"
	"testing"
)

// FuzzDequantize feeds arbitrary bytes, types and lengths: Dequantize must
// never panic, must accept exactly the inputs whose size matches RowBytes,
// and for Q8_0/Q4_0 must agree with a requantize-and-decode round trip
// (decoding is a fixed point of quantizing decoded data up to fp16 scale).
func FuzzDequantize(f *testing.F) {
	f.Add(uint32(Q4_K), 256, make([]byte, 144))
	f.Add(uint32(Q6_K), 256, make([]byte, 210))
	f.Add(uint32(Q8_0), 32, append([]byte{0, 0x3c}, make([]byte, 32)...))
	f.Add(uint32(F16), 3, []byte{1, 2, 3, 4, 5, 6})
	f.Add(uint32(99), 1, []byte{1})
	f.Fuzz(func(t *testing.T, ty uint32, n int, src []byte) {
		if n < 0 || n > 1<<14 {
			return
		}
		typ := Type(ty)
		dst := make([]float32, n)
		err := Dequantize(typ, src, dst)
		want, sizeErr := typ.RowBytes(n)
		ok := typ.Supported() && sizeErr == nil && want == len(src)
		if (err == nil) != ok {
			t.Fatalf("%v n=%d len=%d: err %v, expected ok=%v", typ, n, len(src), err, ok)
		}
		if err != nil || (typ != Q8_0 && typ != Q4_0) {
			return
		}
		checkRequantize(t, typ, dst)
	})
}

// checkRequantize: quantizing decoded values and decoding again moves each
// value by at most one quantization step of its block.
func checkRequantize(t *testing.T, typ Type, x []float32) {
	for _, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || math.Abs(float64(v)) > 1e30 {
			return // encoded scales may be inf/nan; nothing to bound
		}
	}
	q, err := Quantize(typ, x)
	if err != nil {
		t.Fatal(err)
	}
	y := make([]float32, len(x))
	if err := Dequantize(typ, q, y); err != nil {
		t.Fatal(err)
	}
	levels := map[Type]float64{Q8_0: 127, Q4_0: 8}[typ]
	for b := 0; b < len(x); b += 32 {
		var amax float64
		for _, v := range x[b : b+32] {
			amax = math.Max(amax, math.Abs(float64(v)))
		}
		step := amax / levels
		if step < 1.0/(1<<14) {
			continue // the fp16 scale would be subnormal and lose precision
		}
		step *= 1 + 1.0/128 // the scale's fp16 rounding moves q*d by < 8*2^-11 steps
		for i := b; i < b+32; i++ {
			if e := math.Abs(float64(y[i] - x[i])); e > step {
				t.Fatalf("value %d: %g -> %g, error %g > step %g", i, x[i], y[i], e, step)
			}
		}
	}
}
