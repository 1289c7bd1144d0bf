package sample

import (
	"fmt"
	"math"
)

// Params configures a Sampler. The zero value of a filter field disables it
// except where noted; DefaultParams gives llama.cpp's usual defaults.
type Params struct {
	// Temperature divides the logits before the softmax; 0 means greedy
	// (argmax, lowest token id on ties).
	Temperature float32
	// TopK keeps the K most likely tokens; 0 keeps all.
	TopK int
	// TopP keeps the smallest most-likely set whose probability mass is at
	// least TopP, in (0, 1]; 1 keeps all.
	TopP float32
	// MinP drops tokens whose probability is below MinP times the top
	// token's, in [0, 1); 0 keeps all.
	MinP float32
	// RepeatPenalty divides positive logits and multiplies negative ones of
	// tokens seen in the last RepeatLastN history tokens; 1 is off.
	RepeatPenalty float32
	// RepeatLastN is the penalty window: 0 is off, -1 is the whole history.
	RepeatLastN int
	// Seed seeds the sampler's own PRNG, so equal seeds replay equal draws.
	Seed uint64
}

// DefaultParams returns temperature 0.8, top-k 40, top-p 0.95, min-p 0.05,
// no repetition penalty (window 64) and seed 0.
func DefaultParams() Params {
	return Params{
		Temperature:   0.8,
		TopK:          40,
		TopP:          0.95,
		MinP:          0.05,
		RepeatPenalty: 1,
		RepeatLastN:   64,
	}
}

// Validate reports parameters outside their documented ranges.
func (p Params) Validate() error {
	switch {
	case !finite(p.Temperature) || p.Temperature < 0:
		return fmt.Errorf("sample: temperature %v must be finite and >= 0", p.Temperature)
	case p.TopK < 0:
		return fmt.Errorf("sample: top-k %d must be >= 0", p.TopK)
	case !(p.TopP > 0 && p.TopP <= 1):
		return fmt.Errorf("sample: top-p %v must be in (0, 1]", p.TopP)
	case !(p.MinP >= 0 && p.MinP < 1):
		return fmt.Errorf("sample: min-p %v must be in [0, 1)", p.MinP)
	case !finite(p.RepeatPenalty) || p.RepeatPenalty <= 0:
		return fmt.Errorf("sample: repeat penalty %v must be finite and > 0", p.RepeatPenalty)
	case p.RepeatLastN < -1:
		return fmt.Errorf("sample: repeat window %d must be >= -1", p.RepeatLastN)
	}
	return nil
}

func finite(f float32) bool {
	return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0)
}

// String describes the parameters for logs.
func (p Params) String() string {
	return fmt.Sprintf("temp=%g top_k=%d top_p=%g min_p=%g repeat_penalty=%g last_n=%d seed=%d",
		p.Temperature, p.TopK, p.TopP, p.MinP, p.RepeatPenalty, p.RepeatLastN, p.Seed)
}
