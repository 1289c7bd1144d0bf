package cpu

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
)

// argmax is a greedy Sampler that does not depend on runtime/sample.
type argmax struct{}

func (argmax) Sample(logits []float32, _ []int32) int32 {
	best := 0
	for i, v := range logits {
		if v > logits[best] {
			best = i
		}
	}
	return int32(best)
}

// reference is llama.cpp's greedy output for stories260K.
type reference struct {
	Prompt       string  `json:"prompt"`
	PromptIDs    []int32 `json:"prompt_ids_with_bos"`
	NPredict     int     `json:"n_predict"`
	GeneratedIDs []int32 `json:"generated_ids"`
	Continuation string  `json:"continuation"`
}

func loadReference(t testing.TB) reference {
	t.Helper()
	data, err := os.ReadFile(testenv.Shared(t, "reference/stories260K-p1.json"))
	require.NoError(t, err)
	var r reference
	require.NoError(t, json.Unmarshal(data, &r))
	return r
}

func openModel(t testing.TB, name string) *Loaded {
	t.Helper()
	l, err := Open(testenv.Model(t, name))
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}
