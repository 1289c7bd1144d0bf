package runner

import "time"

// Stats is a snapshot of the runner for metrics and the Go API.
type Stats struct {
	Waiting, Running  int
	FreeBlocks        int // blocks free to allocate (cached free blocks included)
	TotalBlocks       int
	CachedBlocks      int // blocks in the prefix cache
	PrefixHitTokens   int64
	PrefixQueryTokens int64
	PrefixHitRate     float64 // PrefixHitTokens / PrefixQueryTokens
	Preemptions       int64
	Steps             int64         // steps that computed tokens
	GeneratedTokens   int64         // tokens sampled
	StepTime          time.Duration // wall time spent in computing steps
	TokensPerSecond   float64       // GeneratedTokens / StepTime
	Completed         int64         // requests ended, for any reason
	MeanTTFT          time.Duration // over ended requests that sampled a token

	ttftCount int64
}

// Stats returns the latest snapshot; the loop refreshes it after every step.
func (r *Runner) Stats() Stats {
	r.statsMu.Lock()
	defer r.statsMu.Unlock()
	return r.stats
}

// publishStats adds a step's sampled tokens and time and copies the
// scheduler's counters; it runs on the loop goroutine.
func (r *Runner) publishStats(generated int, dt time.Duration) {
	ss := r.sched.Stats()
	r.statsMu.Lock()
	defer r.statsMu.Unlock()
	st := &r.stats
	st.Waiting, st.Running = ss.Waiting, ss.Running
	st.FreeBlocks, st.TotalBlocks, st.CachedBlocks = ss.FreeBlocks, ss.TotalBlocks, ss.CachedBlocks
	st.PrefixHitTokens, st.PrefixQueryTokens, st.PrefixHitRate = ss.PrefixHitTokens, ss.PrefixQueryTokens, ss.PrefixHitRate()
	st.Preemptions = ss.Preemptions
	if dt > 0 {
		st.Steps++
		st.GeneratedTokens += int64(generated)
		st.StepTime += dt
		st.TokensPerSecond = float64(st.GeneratedTokens) / st.StepTime.Seconds()
	}
}

// recordEnd counts an ended request and its time to first token.
func (r *Runner) recordEnd(res Result) {
	r.statsMu.Lock()
	defer r.statsMu.Unlock()
	st := &r.stats
	if res.TTFT > 0 {
		n := st.ttftCount
		st.MeanTTFT = (st.MeanTTFT*time.Duration(n) + res.TTFT) / time.Duration(n+1)
		st.ttftCount++
	}
	st.Completed++
}
