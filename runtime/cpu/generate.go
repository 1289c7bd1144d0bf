package cpu

import (
	"context"
	"fmt"
	"time"
)

// Sampler picks the next token from logits given the tokens so far
// (runtime/sample.Sampler implements it).
type Sampler interface {
	Sample(logits []float32, history []int32) int32
}

// GenerateParams controls Generate.
type GenerateParams struct {
	MaxTokens int // stop after this many generated tokens; <= 0 means until EOG or the context is full
	Sampler   Sampler
	IsEOG     func(id int32) bool // end-of-generation tokens; nil means none
}

// Stats reports a generation's timings and KV usage.
type Stats struct {
	PromptTokens    int
	PromptTime      time.Duration
	GenTokens       int // tokens sampled, including a final EOG
	GenTime         time.Duration
	KVBytesPerToken int
	KVBytesUsed     int // bytes of the KV blocks the sequence holds
}

// PromptRate returns prompt tokens per second.
func (s Stats) PromptRate() float64 { return rate(s.PromptTokens, s.PromptTime) }

// GenRate returns generated tokens per second.
func (s Stats) GenRate() float64 { return rate(s.GenTokens, s.GenTime) }

func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Generate resets the session, prefills the prompt and samples up to
// MaxTokens tokens, calling emit with each generated token that is not an
// end-of-generation token. It stops early on EOG, on a full context, on
// ctx's cancellation or on an emit error (which it returns).
func (s *Session) Generate(ctx context.Context, prompt []int32, p GenerateParams, emit func(id int32) error) (Stats, error) {
	s.Reset()
	st := Stats{PromptTokens: len(prompt), KVBytesPerToken: s.KVBytesPerToken()}
	if len(prompt) == 0 {
		return st, fmt.Errorf("cpu: empty prompt")
	}
	if len(prompt) > s.ctx {
		return st, fmt.Errorf("cpu: prompt of %d tokens is longer than the context of %d tokens: %w", len(prompt), s.ctx, ErrContextFull)
	}
	t0 := time.Now()
	logits, err := s.Eval(prompt, false)
	if err != nil {
		return st, err
	}
	st.PromptTime = time.Since(t0)
	t0 = time.Now()
	for p.MaxTokens <= 0 || st.GenTokens < p.MaxTokens {
		if err := ctx.Err(); err != nil {
			return s.finish(st, t0), err
		}
		id := p.Sampler.Sample(logits, s.history)
		st.GenTokens++
		if p.IsEOG != nil && p.IsEOG(id) {
			break
		}
		if err := emit(id); err != nil {
			return s.finish(st, t0), err
		}
		if st.GenTokens == p.MaxTokens || s.Len() == s.ctx {
			break
		}
		if logits, err = s.Eval([]int32{id}, false); err != nil {
			return s.finish(st, t0), err
		}
	}
	return s.finish(st, t0), nil
}

func (s *Session) finish(st Stats, t0 time.Time) Stats {
	st.GenTime = time.Since(t0)
	st.KVBytesUsed = s.KVBytesUsed()
	return st
}
