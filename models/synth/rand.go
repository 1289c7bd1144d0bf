package synth

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// gaussian draws N(0,1) values with Marsaglia's polar method over PCG-DXSM.
// math/rand/v2 specifies PCG's output but not NormFloat64's algorithm, so
// doing the transform here keeps files identical across Go releases.
type gaussian struct {
	src    *rand.PCG
	spare  float64
	hasSpr bool
}

// newGaussian seeds a stream from the model seed and a tensor name, so every
// tensor has its own independent stream.
func newGaussian(seed uint64, name string) *gaussian {
	h := fnv.New64a()
	h.Write([]byte(name))
	return &gaussian{src: rand.NewPCG(seed, h.Sum64())}
}

// uniform returns a value in (-1, 1) from the top 53 bits of the stream.
func (g *gaussian) uniform() float64 {
	return float64(g.src.Uint64()>>11)*(2.0/(1<<53)) - 1
}

func (g *gaussian) next() float64 {
	if g.hasSpr {
		g.hasSpr = false
		return g.spare
	}
	for {
		u, v := g.uniform(), g.uniform()
		s := u*u + v*v
		if s >= 1 || s == 0 {
			continue
		}
		f := math.Sqrt(-2 * math.Log(s) / s)
		g.spare, g.hasSpr = v*f, true
		return u * f
	}
}
