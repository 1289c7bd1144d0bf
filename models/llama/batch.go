package llama

import (
	"fmt"

	"github.com/vkllm/vkllm/cache"
)

// Seq is one sequence's share of a step: a run of consecutive tokens
// (a prefill chunk, or one decode token) and where they go in the KV cache.
type Seq struct {
	Tokens []int32 // token ids computed this step
	Start  int     // position of Tokens[0]; the sequence holds Start earlier tokens in the cache
	// Blocks is the sequence's block table: token t lives in block
	// Blocks[t/B], slot t%B. It covers positions [0, Start+len(Tokens)).
	Blocks []cache.BlockID
	// Logits lists the offsets into Tokens whose next-token logits the step
	// returns, in increasing order (usually just the last token).
	Logits []int
}

// Batch is the input of one forward step: several sequences, each with its
// own tokens, positions and block table. Rows of the step's activations are
// the sequences' tokens concatenated in order.
type Batch struct {
	Seqs      []Seq
	BlockSize int // tokens per KV block (B)
}

// Rows returns the number of token rows in the step.
func (b *Batch) Rows() int {
	n := 0
	for _, s := range b.Seqs {
		n += len(s.Tokens)
	}
	return n
}

// LogitRows returns the number of rows that need logits.
func (b *Batch) LogitRows() int {
	n := 0
	for _, s := range b.Seqs {
		n += len(s.Logits)
	}
	return n
}

// Validate checks the batch against the model: token ids inside the
// vocabulary, positions inside the context, block tables long enough and
// logit offsets in range and increasing.
func (b *Batch) Validate(c Config) error {
	if b.BlockSize <= 0 {
		return fmt.Errorf("llama: batch block size %d", b.BlockSize)
	}
	for i, s := range b.Seqs {
		end := s.Start + len(s.Tokens)
		if s.Start < 0 || end > c.Context {
			return fmt.Errorf("llama: sequence %d: positions [%d, %d) outside the context of %d", i, s.Start, end, c.Context)
		}
		if need := (end + b.BlockSize - 1) / b.BlockSize; len(s.Blocks) < need {
			return fmt.Errorf("llama: sequence %d: %d blocks cannot hold %d tokens", i, len(s.Blocks), end)
		}
		for _, t := range s.Tokens {
			if t < 0 || int(t) >= c.Vocab {
				return fmt.Errorf("llama: sequence %d: token %d outside the vocabulary of %d", i, t, c.Vocab)
			}
		}
		for j, o := range s.Logits {
			if o < 0 || o >= len(s.Tokens) || (j > 0 && o <= s.Logits[j-1]) {
				return fmt.Errorf("llama: sequence %d: logit offsets %v not increasing in [0, %d)", i, s.Logits, len(s.Tokens))
			}
		}
	}
	return nil
}
