package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestMeanStd(t *testing.T) {
	tests := []struct {
		in        []float64
		mean, std float64
	}{
		{nil, 0, 0},
		{[]float64{3}, 3, 0},
		{[]float64{2, 4, 4, 4, 5, 5, 7, 9}, 5, 2.138089935},
	}
	for _, tt := range tests {
		m, s := meanStd(tt.in)
		assert.InDelta(t, tt.mean, m, 1e-9)
		assert.InDelta(t, tt.std, s, 1e-9)
	}
}

func TestPercentiles(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i))
	}
	assert.Equal(t, Percentiles{P50: 50, P90: 90, P99: 99}, percentiles(d))
	assert.Equal(t, Percentiles{P50: 7, P90: 7, P99: 7}, percentiles([]time.Duration{7}))
	assert.Equal(t, Percentiles{}, percentiles(nil))
	assert.Equal(t, time.Duration(100), d[0], "input left unsorted")
}

func TestMedian(t *testing.T) {
	assert.Equal(t, 0.0, median(nil))
	assert.Equal(t, 2.0, median([]float64{3, 1, 2}))
	assert.Equal(t, 2.5, median([]float64{4, 1, 3, 2}))
}
