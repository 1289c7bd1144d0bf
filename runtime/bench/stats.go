package bench

import (
	"math"
	"slices"
	"time"
)

// meanStd returns the mean and the sample standard deviation (n-1, as
// llama-bench computes it; 0 for fewer than two values).
func meanStd(v []float64) (mean, std float64) {
	if len(v) == 0 {
		return 0, 0
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)-1))
}

// Percentiles are latency quantiles in nanoseconds.
type Percentiles struct {
	P50 int64 `json:"p50"`
	P90 int64 `json:"p90"`
	P99 int64 `json:"p99"`
}

// percentiles returns the nearest-rank quantiles of d (zero when empty).
func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := func(q float64) int64 {
		i := int(math.Ceil(q*float64(len(s)))) - 1
		return int64(s[max(0, min(i, len(s)-1))])
	}
	return Percentiles{P50: rank(0.50), P90: rank(0.90), P99: rank(0.99)}
}

// median returns the middle value of v (the mean of the two middle ones
// for an even count; 0 when empty).
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
