package cpu

import (
	"context"
	"fmt"
	"io"

	"github.com/vkllm/vkllm/models/tokenizer"
	"github.com/vkllm/vkllm/runtime/sample"
)

// TextOptions configures Complete: a prompt, how many tokens to generate
// and how to sample them, on a session made with Options.
type TextOptions struct {
	Prompt    string
	MaxTokens int // <= 0: until EOG or a full context
	Sample    sample.Params
	Session   Options
}

// Complete tokenizes the prompt (with BOS when the model asks for it),
// generates a continuation and streams its text to out token by token. The
// streaming decoder holds back incomplete UTF-8, so out never receives half
// a character.
func (l *Loaded) Complete(ctx context.Context, opt TextOptions, out io.Writer) (Stats, error) {
	s, err := NewSession(l.Model, opt.Session)
	if err != nil {
		return Stats{}, err
	}
	return l.CompleteOn(ctx, s, opt, out)
}

// CompleteOn is Complete on an existing session, such as one made with
// NewSessionOn for another backend; opt.Session is not used.
func (l *Loaded) CompleteOn(ctx context.Context, s *Session, opt TextOptions, out io.Writer) (Stats, error) {
	tok, err := tokenizer.FromGGUF(l.File)
	if err != nil {
		return Stats{}, err
	}
	smp, err := sample.New(opt.Sample)
	if err != nil {
		return Stats{}, err
	}
	prompt := tok.Encode(opt.Prompt, true)
	dec := tok.NewDecoder()
	st, err := s.Generate(ctx, prompt, GenerateParams{MaxTokens: opt.MaxTokens, Sampler: smp, IsEOG: tok.IsEOG},
		func(id int32) error {
			_, err := io.WriteString(out, dec.Next(id))
			return err
		})
	if err != nil {
		return st, err
	}
	if _, err := io.WriteString(out, dec.Flush()); err != nil {
		return st, fmt.Errorf("cpu: write output: %w", err)
	}
	return st, nil
}

// Touch reads one byte of every page of the model's tensors, so that a
// mapped file is resident before the first step, calling progress (if not
// nil) with the bytes done and the total after each tensor.
func (l *Loaded) Touch(progress func(done, total int64)) byte {
	var total, done int64
	for _, t := range l.Model.Weights.All {
		total += int64(len(t.Data))
	}
	var sum byte // returned so the reads cannot be optimised away
	for _, t := range l.Model.Weights.All {
		for i := 0; i < len(t.Data); i += 4096 {
			sum += t.Data[i]
		}
		done += int64(len(t.Data))
		if progress != nil {
			progress(done, total)
		}
	}
	return sum
}
