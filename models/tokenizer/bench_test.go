package tokenizer

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/gguf"
)

// TestLoadSpeed checks that the big vocabularies load (file open and
// tokenizer build) in well under a second: about 10 ms and 30 ms on one
// core, so the best of three runs must stay under half a second even on a
// loaded machine or under -race.
func TestLoadSpeed(t *testing.T) {
	for _, name := range []string{"llama-spm", "gpt-2"} {
		path := testenv.Shared(t, "vocab/ggml-vocab-"+name+".gguf")
		best := time.Hour
		for range 3 {
			start := time.Now()
			loadGGUF(t, path)
			best = min(best, time.Since(start))
		}
		t.Logf("%s: loaded in %v", name, best)
		assert.Less(t, best, 500*time.Millisecond, name)
	}
}

func BenchmarkLoad(b *testing.B) {
	for _, name := range []string{"llama-spm", "gpt-2"} {
		b.Run(name, func(b *testing.B) {
			f, err := gguf.Open(testenv.Shared(b, "vocab/ggml-vocab-"+name+".gguf"))
			require.NoError(b, err)
			defer f.Close()
			for b.Loop() {
				if _, err := FromGGUF(f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncode encodes the TinyStories evaluation text (about 40 KB)
// and reports tokens per second.
func BenchmarkEncode(b *testing.B) {
	raw, err := os.ReadFile(testenv.Shared(b, "reference/tinystories-sampled.txt"))
	require.NoError(b, err)
	text := string(raw)
	for _, name := range vocabNames {
		b.Run(name, func(b *testing.B) {
			tok := loadVocab(b, name)
			n := 0
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				n += len(tok.Encode(text, true))
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "tok/s")
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	raw, err := os.ReadFile(testenv.Shared(b, "reference/tinystories-sampled.txt"))
	require.NoError(b, err)
	tok := loadVocab(b, "llama-spm")
	ids := tok.Encode(string(raw), true)
	for b.Loop() {
		_ = tok.Decode(ids)
	}
	b.ReportMetric(float64(len(ids)*b.N)/b.Elapsed().Seconds(), "tok/s")
}
