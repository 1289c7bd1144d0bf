// Package quality holds the measures that tests of the CPU path and of the
// GPU engine share: greedy decoding, KL divergence of next-token
// distributions (as llama-perplexity --kl-divergence reports it), and
// llama.cpp's reference output for stories260K.
//
// Threading: every function is pure; Greedy is stateless.
package quality

import (
	"encoding/json"
	"math"
	"os"
	"sort"
	"testing"

	"github.com/vkllm/vkllm/internal/testenv"
)

// Greedy is a sampler that picks the highest logit, the lowest index on ties;
// it does not depend on runtime/sample.
type Greedy struct{}

// Sample returns the index of the largest logit.
func (Greedy) Sample(logits []float32, _ []int32) int32 {
	best := 0
	for i, v := range logits {
		if v > logits[best] {
			best = i
		}
	}
	return int32(best)
}

// KL summarises the next-token distributions of a run against a baseline.
type KL struct {
	Mean, P99, Max float64
	Top1           float64 // fraction of rows with the same argmax
}

// Compare compares every row of got ([rows][vocab] logits) with the same row
// of base.
func Compare(base, got []float32, vocab int) KL {
	rows := len(base) / vocab
	kls := make([]float64, rows)
	same := 0
	for i := range rows {
		p, q := base[i*vocab:(i+1)*vocab], got[i*vocab:(i+1)*vocab]
		kls[i] = KLDiv(p, q)
		if (Greedy{}).Sample(p, nil) == (Greedy{}).Sample(q, nil) {
			same++
		}
	}
	sort.Float64s(kls)
	var sum float64
	for _, k := range kls {
		sum += k
	}
	return KL{Mean: sum / float64(rows), P99: kls[rows*99/100], Max: kls[rows-1], Top1: float64(same) / float64(rows)}
}

// KLDiv returns KL(softmax(p) ‖ softmax(q)) in nats, computed in float64.
func KLDiv(p, q []float32) float64 {
	lp, lq := logSoftmax(p), logSoftmax(q)
	var kl float64
	for i := range lp {
		kl += math.Exp(lp[i]) * (lp[i] - lq[i])
	}
	return max(kl, 0)
}

func logSoftmax(x []float32) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, float64(v))
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v) - m - math.Log(s)
	}
	return out
}

// Reference is llama.cpp's greedy output for stories260K
// (../shared/reference/stories260K-p1.json).
type Reference struct {
	Prompt       string  `json:"prompt"`
	PromptIDs    []int32 `json:"prompt_ids_with_bos"`
	NPredict     int     `json:"n_predict"`
	GeneratedIDs []int32 `json:"generated_ids"`
	Continuation string  `json:"continuation"`
}

// LoadReference reads the reference, skipping the test when the shared data
// is missing (failing it under CI).
func LoadReference(tb testing.TB) Reference {
	tb.Helper()
	data, err := os.ReadFile(testenv.Shared(tb, "reference/stories260K-p1.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var r Reference
	if err := json.Unmarshal(data, &r); err != nil {
		tb.Fatalf("stories260K-p1.json: %v", err)
	}
	return r
}
