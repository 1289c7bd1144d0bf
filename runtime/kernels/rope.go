package kernels

import (
	"fmt"
	"math"

	"github.com/vkllm/vkllm/runtime/vk"
)

// RopeFreqs returns the rotation frequencies of RoPE with the given base
// over dims rotated values, as rope.comp and rope_kvstore.comp read them:
// for pair i, base^(-2i/dims) computed in float64 and split into a float32
// hi and the float32 lo of the remainder, [dims/2][2] (hi, lo). hi + lo
// carries the float64 frequency to about 2^-48, so the shaders' angle
// pos·(hi + lo) matches the float64 reference (cpu.Rope) at any context
// position, where a single float32 frequency is off by up to
// pos·freq·2^-24 (2e-3 rad at position 32767).
func RopeFreqs(base float32, dims int) []float32 {
	out := make([]float32, 2*(dims/2))
	for i := range dims / 2 {
		f := math.Pow(float64(base), -float64(2*i)/float64(dims))
		hi := float32(f)
		out[2*i], out[2*i+1] = hi, float32(f-float64(hi))
	}
	return out
}

// RopeTable is a device buffer of RopeFreqs for one base and rotated
// dimension count, bound by Rope and RopeKVStore. It is immutable after
// NewRopeTable, so any number of dispatches may read it.
type RopeTable struct {
	buf  *vk.Buffer
	base float32
	dims int
}

// NewRopeTable uploads the frequencies of base and dims (even, ≥ 2) to a
// device-local buffer of dev.
func NewRopeTable(dev *vk.Device, base float32, dims int) (*RopeTable, error) {
	if dims < 2 || dims%2 != 0 || !(base > 0) || math.IsInf(float64(base), 0) {
		return nil, fmt.Errorf("kernels: rope table for base %g over %d dims", base, dims)
	}
	f := RopeFreqs(base, dims)
	buf, err := dev.NewBuffer(uint64(4*len(f)), vk.DeviceLocal)
	if err != nil {
		return nil, fmt.Errorf("kernels: rope table: %w", err)
	}
	if err := dev.Upload(buf, 0, f32Bytes(f)); err != nil {
		buf.Close()
		return nil, fmt.Errorf("kernels: rope table: %w", err)
	}
	return &RopeTable{buf, base, dims}, nil
}

// Binding binds the whole table.
func (t *RopeTable) Binding() vk.Binding { return vk.Bind(t.buf) }

// Base returns the frequency base.
func (t *RopeTable) Base() float32 { return t.base }

// Dims returns the rotated values per head the table serves.
func (t *RopeTable) Dims() int { return t.dims }

// Close frees the buffer (after the device's last use of it). Idempotent.
func (t *RopeTable) Close() {
	if t.buf != nil {
		t.buf.Close()
		t.buf = nil
	}
}
