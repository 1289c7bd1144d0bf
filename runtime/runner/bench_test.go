package runner

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
)

// BenchmarkDecode measures batched decode throughput on the CPU backend:
// seqs concurrent greedy requests of 64 tokens after a short prompt, all
// tokens of all sequences per second (no tokenizer, so no early EOG).
func BenchmarkDecode(b *testing.B) {
	f := load(b)
	const genTokens = 64
	for _, seqs := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("seqs=%d", seqs), func(b *testing.B) {
			r, err := NewCPU(f.l.Model, nil, CPUOptions{Options: Options{MaxSeqs: seqs, Context: 128}, KVType: cache.KVF32})
			require.NoError(b, err)
			defer r.Close()
			reqs := f.requests(seqs)
			for i := range reqs {
				reqs[i].MaxTokens = genTokens
			}
			total := 0
			for b.Loop() {
				total += runBench(b, r, reqs)
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "tok/s")
			b.ReportMetric(float64(r.Stats().Steps)/float64(b.N), "steps/op")
		})
	}
}

// runBench runs every request to its end and returns the tokens generated.
func runBench(b *testing.B, r *Runner, reqs []Request) int {
	var wg sync.WaitGroup
	counts := make([]int, len(reqs))
	for i, req := range reqs {
		s, err := r.Submit(context.Background(), req)
		require.NoError(b, err)
		wg.Go(func() { counts[i] = s.Wait().GeneratedTokens })
	}
	wg.Wait()
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}
