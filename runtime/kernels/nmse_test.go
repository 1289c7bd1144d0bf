package kernels

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNMSE(t *testing.T) {
	tests := []struct {
		name      string
		got, want []float32
		nmse      float64
	}{
		{"equal", []float32{1, -2, 3}, []float32{1, -2, 3}, 0},
		{"scaled", []float32{1.5, 3}, []float32{1, 2}, 0.25},
		{"zero want", []float32{0.5}, []float32{0}, 0.25},
		{"length", []float32{1}, []float32{1, 2}, math.Inf(1)},
		{"nan", []float32{float32(math.NaN())}, []float32{1}, math.Inf(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.nmse, NMSE(tt.got, tt.want), 1e-9)
		})
	}
}
