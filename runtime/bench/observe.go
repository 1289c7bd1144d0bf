package bench

import (
	"sync"
	"time"

	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/runtime/runner"
)

// observer wraps a runner's Stepper to see every step: how many sequences
// it computed together (the scheduler's admissions, including sequences
// that finish within the step, which the runner's Running count misses),
// its token rows and its time.
type observer struct {
	runner.Stepper
	mu    sync.Mutex
	steps stepStats
}

// stepStats sums the steps since the last take.
type stepStats struct {
	steps   int
	rows    int
	maxSeqs int
	time    time.Duration
}

func (o *observer) Step(b *llama.Batch) ([]float32, error) {
	start := time.Now()
	logits, err := o.Stepper.Step(b)
	dt := time.Since(start)
	o.mu.Lock()
	o.steps.steps++
	o.steps.rows += b.Rows()
	o.steps.maxSeqs = max(o.steps.maxSeqs, len(b.Seqs))
	o.steps.time += dt
	o.mu.Unlock()
	return logits, err
}

// take returns the sums and starts new ones.
func (o *observer) take() stepStats {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.steps
	o.steps = stepStats{}
	return s
}
