package runner

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/llama"
)

// countStepper is a model-free Stepper over a vocabulary of 16: the logits
// of a row pick (token + 1) mod 16, except that a row whose token is 5
// gives all -Inf (nothing to sample), and a batch holding token 15 fails.
type countStepper struct {
	batchFailures int // failed steps of more than one sequence
}

const fakeVocab = 16

func (c *countStepper) Step(b *llama.Batch) ([]float32, error) {
	var out []float32
	for _, s := range b.Seqs {
		for _, tok := range s.Tokens {
			if tok == 15 {
				if len(b.Seqs) > 1 {
					c.batchFailures++
				}
				return nil, errors.New("poisoned token")
			}
		}
		for _, o := range s.Logits {
			row := make([]float32, fakeVocab)
			next := (s.Tokens[o] + 1) % fakeVocab
			for i := range row {
				row[i] = -1
				if s.Tokens[o] == 5 {
					row[i] = negInf
				}
			}
			row[next] = 1
			if s.Tokens[o] == 5 {
				row[next] = negInf
			}
			out = append(out, row...)
		}
	}
	return out, nil
}

var negInf = float32(math.Inf(-1))

func fakeRunner(t *testing.T, step Stepper) *Runner {
	t.Helper()
	m := &llama.Model{Config: llama.Config{Vocab: fakeVocab, Context: 32}}
	pool, err := cache.NewBlockPool(17, 4)
	require.NoError(t, err)
	r, err := New(m, step, pool, nil, Options{MaxSeqs: 4, MaxBatchTokens: 8})
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

// TestStepFailureIsolated: a step that fails because of one sequence ends
// that sequence with an error; the others in the same batch go on.
func TestStepFailureIsolated(t *testing.T) {
	step := &countStepper{}
	r := fakeRunner(t, step)
	reqs := []Request{
		{Prompt: []int32{1, 2}, MaxTokens: 2, Params: greedy},
		{Prompt: []int32{12}, MaxTokens: 10, Params: greedy},     // samples 15 at step 3: step 4 fails
		{Prompt: []int32{3}, MaxTokens: 5, Params: greedy},       // samples 4, 5, then nothing
		{Prompt: []int32{6, 7, 8}, MaxTokens: 6, Params: greedy}, // in step 4's batch too
	}
	// Hold the loop while submitting, so all four start in the same step.
	gate, held := make(chan struct{}), make(chan struct{})
	go r.do(func() { close(held); <-gate })
	<-held
	streams := make([]*Stream, len(reqs))
	for i, req := range reqs {
		var err error
		streams[i], err = r.Submit(context.Background(), req)
		require.NoError(t, err)
	}
	close(gate)
	got := make([]outcome, len(reqs))
	for i, s := range streams {
		got[i].ids, got[i].text, got[i].res = collect(s)
	}
	assert.Equal(t, 1, step.batchFailures)
	assert.Equal(t, []int32{3, 4}, got[0].ids)
	assert.Equal(t, FinishLength, got[0].res.Finish)
	assert.Equal(t, []int32{13, 14, 15}, got[1].ids)
	assert.Equal(t, FinishError, got[1].res.Finish)
	assert.ErrorContains(t, got[1].res.Err, "poisoned token")
	assert.Equal(t, []int32{4, 5}, got[2].ids)
	assert.Equal(t, FinishError, got[2].res.Finish)
	assert.ErrorContains(t, got[2].res.Err, "no usable logit")
	assert.Equal(t, []int32{9, 10, 11, 12, 13, 14}, got[3].ids)
	assert.Equal(t, FinishLength, got[3].res.Finish)
	checkDrained(t, r)
}

func TestStopper(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stops  []string
		pieces []string
		want   []string // output per piece
		tail   string
		stop   bool
	}{
		{"none", nil, []string{"ab", "c"}, []string{"ab", "c"}, "", false},
		{"whole piece", []string{"END"}, []string{"xy", "END", "z"}, []string{"xy", "", ""}, "", true},
		{"split over pieces", []string{"END"}, []string{"xE", "N", "Dq"}, []string{"x", "", ""}, "", true},
		{"false start released", []string{"END"}, []string{"xE", "Nq"}, []string{"x", "ENq"}, "", false},
		{"held at the end", []string{"END"}, []string{"aEN"}, []string{"a"}, "EN", false},
		{"earliest of two", []string{"cd", "b"}, []string{"abcd"}, []string{"a"}, "", true},
		{"empty stop ignored", []string{""}, []string{"ab"}, []string{"ab"}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStopper(tc.stops)
			stopped := false
			for i, p := range tc.pieces {
				var out string
				out, stopped = s.feed(p)
				assert.Equal(t, tc.want[i], out, "piece %d", i)
			}
			assert.Equal(t, tc.stop, stopped)
			if !stopped {
				assert.Equal(t, tc.tail, s.flush())
			}
		})
	}
}
