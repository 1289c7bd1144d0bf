package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestF16ToF32(t *testing.T) {
	tests := []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xc000, -2},
		{0x3555, 0.333251953125},
		{0x7bff, 65504},              // largest finite
		{0x0400, 1.0 / (1 << 14)},    // smallest normal
		{0x0001, 1.0 / (1 << 24)},    // smallest subnormal
		{0x03ff, 1023.0 / (1 << 24)}, // largest subnormal
		{0x8001, -1.0 / (1 << 24)},
		{0x7c00, float32(math.Inf(1))},
		{0xfc00, float32(math.Inf(-1))},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, F16ToF32(tt.h), "%#04x", tt.h)
	}
	assert.Equal(t, uint32(0x80000000), math.Float32bits(F16ToF32(0x8000)), "negative zero")
	for _, h := range []uint16{0x7e00, 0x7c01, 0xfe00, 0x7fff} {
		assert.True(t, math.IsNaN(float64(F16ToF32(h))), "%#04x", h)
	}
}

func TestF32ToF16(t *testing.T) {
	p := func(e int) float32 { return float32(math.Ldexp(1, e)) }
	tests := []struct {
		name string
		f    float32
		want uint16
	}{
		{"one", 1, 0x3c00},
		{"neg zero", float32(math.Copysign(0, -1)), 0x8000},
		{"max finite", 65504, 0x7bff},
		{"below overflow tie", 65519, 0x7bff},
		{"overflow tie rounds to even = inf", 65520, 0x7c00},
		{"huge", 1e10, 0x7c00},
		{"-inf", float32(math.Inf(-1)), 0xfc00},
		{"tie down to even", 1 + p(-11), 0x3c00},
		{"tie up to even", 1 + 3*p(-11), 0x3c02},
		{"above tie", 1 + p(-11) + p(-20), 0x3c01},
		{"smallest normal", p(-14), 0x0400},
		{"smallest subnormal", p(-24), 0x0001},
		{"half of smallest subnormal ties to zero", p(-25), 0x0000},
		{"just above half of smallest subnormal", p(-25) + p(-40), 0x0001},
		{"subnormal tie to even 2", 3 * p(-25), 0x0002},
		{"subnormal tie stays even 2", 5 * p(-25), 0x0002},
		{"largest subnormal rounds up to normal", p(-14) - p(-25), 0x0400},
		{"negative subnormal", -p(-20), 0x8010},
		{"tiny", 1e-10, 0},
		{"float32 subnormal", math.Float32frombits(1), 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, F32ToF16(tt.f), "%s: %g", tt.name, tt.f)
	}
	nan := F32ToF16(float32(math.NaN()))
	assert.True(t, nan&0x7c00 == 0x7c00 && nan&0x3ff != 0, "NaN gave %#04x", nan)
	// A NaN whose payload lives only in the low bits must not become inf.
	assert.NotEqual(t, uint16(0x7c00), F32ToF16(math.Float32frombits(0x7f800001))&0x7fff)
}

// Every finite half survives the round trip through float32.
func TestF16RoundTripExhaustive(t *testing.T) {
	for h := range 1 << 16 {
		f := F16ToF32(uint16(h))
		if math.IsNaN(float64(f)) {
			continue
		}
		if got := F32ToF16(f); got != uint16(h) {
			t.Fatalf("%#04x -> %g -> %#04x", h, f, got)
		}
	}
}

// F32ToF16 picks the nearest half; on a tie, the even one.
func TestF32ToF16Nearest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		f := math.Float32frombits(rng.Uint32())
		if math.IsNaN(float64(f)) || math.Abs(float64(f)) >= 65520 {
			continue
		}
		h := F32ToF16(f)
		err := math.Abs(float64(F16ToF32(h)) - float64(f))
		for _, nb := range []uint16{h - 1, h + 1, h ^ 0x8000} {
			v := F16ToF32(nb)
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				continue
			}
			e := math.Abs(float64(v) - float64(f))
			if e < err || e == err && nb&1 == 0 && h&1 == 1 {
				t.Fatalf("%g: got %#04x (err %g), %#04x is closer or even (err %g)", f, h, err, nb, e)
			}
		}
	}
}

func TestBF16(t *testing.T) {
	tests := []struct {
		name string
		bits uint32
		want uint16
	}{
		{"one", 0x3f800000, 0x3f80},
		{"tie down to even", 0x3f808000, 0x3f80},
		{"tie up to even", 0x3f818000, 0x3f82},
		{"above tie", 0x3f808001, 0x3f81},
		{"max float rounds to inf", 0x7f7fffff, 0x7f80},
		{"inf", 0x7f800000, 0x7f80},
		{"-inf", 0xff800000, 0xff80},
		{"subnormal kept", 0x00010000, 0x0001},
		{"subnormal tie to zero", 0x00008000, 0x0000},
		{"subnormal tie to even", 0x00018000, 0x0002},
		{"neg zero", 0x80000000, 0x8000},
		{"quiet nan", 0x7fc00000, 0x7fc0},
		{"signalling nan low payload stays nan", 0x7f800001, 0x7fc0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, F32ToBF16(math.Float32frombits(tt.bits)), tt.name)
	}
	assert.Equal(t, float32(1), BF16ToF32(0x3f80))
	assert.Equal(t, float32(-2), BF16ToF32(0xc000))
	assert.Equal(t, math.Float32frombits(0x00010000), BF16ToF32(0x0001))
	for h := range 1 << 16 {
		f := BF16ToF32(uint16(h))
		if !math.IsNaN(float64(f)) && F32ToBF16(f) != uint16(h) {
			t.Fatalf("bf16 %#04x does not round-trip", h)
		}
	}
}

// The bulk F16 path (a lookup table) agrees bit for bit with F16ToF32.
func TestDequantizeF16AllPatterns(t *testing.T) {
	src := make([]byte, 2<<16)
	for h := range 1 << 16 {
		src[2*h], src[2*h+1] = byte(h), byte(h>>8)
	}
	got := make([]float32, 1<<16)
	if err := Dequantize(F16, src, got); err != nil {
		t.Fatal(err)
	}
	for h, v := range got {
		if math.Float32bits(v) != math.Float32bits(F16ToF32(uint16(h))) {
			t.Fatalf("%#04x: table %#x, F16ToF32 %#x", h, math.Float32bits(v), math.Float32bits(F16ToF32(uint16(h))))
		}
	}
}
