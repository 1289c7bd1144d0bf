package engine

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/vkllm/vkllm/runtime/vk"
)

// KernelTime is the GPU time one kernel (or copy) took over the profiled
// steps, from timestamp queries.
type KernelTime struct {
	Name  string
	Calls int
	Time  time.Duration
}

// profiler writes a timestamp after every op of a step and adds the
// differences to per-name totals.
type profiler struct {
	ts     *vk.Timestamps
	n      uint32
	names  []string // op i ended at timestamp i+1
	totals map[string]*KernelTime
	steps  int
}

func newProfiler(dev *vk.Device, n int) (*profiler, error) {
	ts, err := dev.NewTimestamps(uint32(n))
	if err != nil {
		return nil, fmt.Errorf("engine: profile: %w", err)
	}
	return &profiler{ts: ts, n: uint32(n), totals: map[string]*KernelTime{}}, nil
}

func (p *profiler) begin(c *vk.Commands) {
	p.names = p.names[:0]
	c.ResetTimestamps(p.ts)
	c.WriteTimestamp(p.ts, 0)
}

// mark ends the op called name; ops past the pool's size go unmeasured.
func (p *profiler) mark(c *vk.Commands, name string) {
	if uint32(len(p.names))+1 >= p.n {
		return
	}
	p.names = append(p.names, name)
	c.WriteTimestamp(p.ts, uint32(len(p.names)))
}

// end writes the step's unused queries too, since Results reads them all.
func (p *profiler) end(c *vk.Commands) {
	for i := uint32(len(p.names)) + 1; i < p.n; i++ {
		c.WriteTimestamp(p.ts, i)
	}
}

// collect reads the step's timestamps after its submission completed.
func (p *profiler) collect() error {
	if len(p.names) == 0 {
		return nil
	}
	ns, err := p.ts.Results()
	if err != nil {
		return fmt.Errorf("engine: profile: %w", err)
	}
	for i, name := range p.names {
		kt := p.totals[name]
		if kt == nil {
			kt = &KernelTime{Name: name}
			p.totals[name] = kt
		}
		kt.Calls++
		kt.Time += time.Duration(ns[i+1] - ns[i])
	}
	p.steps++
	return nil
}

func (p *profiler) close() { p.ts.Close() }

// Profile returns the GPU time per kernel since New or the last
// ResetProfile, longest first, and the number of steps profiled; nil
// without Options.Profile.
func (e *Engine) Profile() ([]KernelTime, int) {
	if e.prof == nil {
		return nil, 0
	}
	out := make([]KernelTime, 0, len(e.prof.totals))
	for _, kt := range e.prof.totals {
		out = append(out, *kt)
	}
	slices.SortFunc(out, func(a, b KernelTime) int { return cmp.Compare(b.Time, a.Time) })
	return out, e.prof.steps
}

// ResetProfile clears the profile totals.
func (e *Engine) ResetProfile() {
	if e.prof != nil {
		clear(e.prof.totals)
		e.prof.steps = 0
	}
}
