package server

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/vkllm/vkllm/runtime/runner"
)

// BenchmarkConcurrentCompletions: 16 clients at once, each a greedy
// 32-token completion, through HTTP on 127.0.0.1 to the CPU runner.
// Reports generated tokens per second of wall time and mean TTFT.
func BenchmarkConcurrentCompletions(b *testing.B) {
	for _, clients := range []int{1, 16} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			f := newFixture(b, runner.CPUOptions{Options: runner.Options{MaxSeqs: 16}}, Options{})
			tokens := 0
			start := time.Now()
			for b.Loop() {
				var wg sync.WaitGroup
				for i := range clients {
					wg.Go(func() {
						code, body := f.post(b, "/v1/completions", map[string]any{"prompt": starts[i%len(starts)], "max_tokens": 32, "temperature": 0})
						if code != http.StatusOK {
							b.Errorf("status %d: %s", code, body)
						}
					})
				}
				wg.Wait()
				tokens += clients * 32
			}
			b.ReportMetric(float64(tokens)/time.Since(start).Seconds(), "tok/s")
			b.ReportMetric(float64(f.r.Stats().MeanTTFT.Microseconds())/1e3, "ms-ttft")
		})
	}
}
