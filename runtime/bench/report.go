package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vkllm/vkllm/runtime/kernels"
)

// WriteJSON writes results as a JSON array (llama-bench's -o json shape).
func WriteJSON(w io.Writer, rs []Result) error {
	if rs == nil {
		rs = []Result{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rs)
}

// WriteMarkdown writes llama-bench's table (model, size, params, backend,
// device, test, t/s mean ± stddev), with the concurrency as a column, and
// when any test ran more than one sequence a second table of batching
// figures: per-sequence rate, latency percentiles and sequences admitted.
func WriteMarkdown(w io.Writer, rs []Result) error {
	tw := &tableWriter{w: w}
	tw.row("model", "size", "params", "backend", "device", "kv", "conc", "test", "t/s")
	tw.rule(false, false, false, false, false, false, true, true, true)
	batched := false
	for _, r := range rs {
		tw.row(r.ModelType, humanBytes(r.ModelSize), humanCount(r.ModelNParams), r.Backend, r.Device, r.TypeK,
			fmt.Sprint(r.Concurrency), r.Test(), fmt.Sprintf("%.2f ± %.2f", r.AvgTS, r.StddevTS))
		batched = batched || r.Concurrency > 1
	}
	if batched {
		tw.line("")
		tw.row("model", "device", "conc", "test", "total t/s", "per-seq t/s", "TTFT p50/p90/p99 ms", "ITL p50/p90/p99 ms",
			"max running", "preempted", "steps", "rows/step", "ms/step", "step share")
		tw.rule(false, false, true, true, true, true, true, true, true, true, true, true, true, true)
		for _, r := range rs {
			tw.row(r.ModelType, r.Device, fmt.Sprint(r.Concurrency), r.Test(), fmt.Sprintf("%.2f", r.AvgTS),
				fmt.Sprintf("%.2f", r.PerSeqTS), msTriple(r.TTFT), msTriple(r.ITL), fmt.Sprint(r.MaxRunning), fmt.Sprint(r.Preemptions),
				fmt.Sprintf("%.1f", r.Steps), fmt.Sprintf("%.1f", r.MeanStepRows), fmt.Sprintf("%.2f", float64(r.MeanStepNS)/1e6),
				fmt.Sprintf("%.0f%%", 100*r.StepShare))
		}
	}
	writeProfiles(tw, rs)
	return tw.err
}

// writeProfiles writes, per result with a profile, each kernel's share of
// the GPU time.
func writeProfiles(tw *tableWriter, rs []Result) {
	for _, r := range rs {
		if len(r.Profile) == 0 {
			continue
		}
		var total int64
		for _, k := range r.Profile {
			total += k.TimeNS
		}
		tw.line(fmt.Sprintf("\n%s %s ×%d: GPU time per kernel (%.1f ms in all)\n", r.ModelType, r.Test(), r.Concurrency, float64(total)/1e6))
		tw.row("kernel", "calls", "ms", "share")
		tw.rule(false, true, true, true)
		for _, k := range r.Profile {
			tw.row(k.Name, fmt.Sprint(k.Calls), fmt.Sprintf("%.2f", float64(k.TimeNS)/1e6), fmt.Sprintf("%.1f%%", 100*float64(k.TimeNS)/float64(total)))
		}
	}
}

// WriteKernels writes one row per kernel rate: bandwidth, GPU time and the
// ratio to the copy kernel's bandwidth.
func WriteKernels(w io.Writer, device string, rs []kernels.KernelRate) error {
	tw := &tableWriter{w: w}
	tw.line("device: " + device + "\n")
	tw.row("kernel", "type", "variant", "shape", "MiB moved", "GPU µs", "GB/s", "GFLOP/s", "ratio to copy")
	tw.rule(false, false, false, false, true, true, true, true, true)
	for _, r := range rs {
		gf := ""
		if r.Flops > 0 {
			gf = fmt.Sprintf("%.1f", r.GFlops())
		}
		tw.row(r.Kernel, r.Type, r.Variant, r.Shape, fmt.Sprintf("%.2f", float64(r.Bytes)/(1<<20)),
			fmt.Sprintf("%.0f", float64(r.GPUTime)/float64(time.Microsecond)), fmt.Sprintf("%.2f", r.GBs), gf,
			fmt.Sprintf("%.2f", r.RatioToCopy))
	}
	return tw.err
}

func msTriple(p Percentiles) string {
	ms := func(ns int64) string { return fmt.Sprintf("%.2f", float64(ns)/1e6) }
	return ms(p.P50) + " / " + ms(p.P90) + " / " + ms(p.P99)
}

// humanBytes writes n in binary units, as llama-bench's size column.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.2f KiB", float64(n)/(1<<10))
}

// tableWriter writes markdown rows, keeping the first error.
type tableWriter struct {
	w   io.Writer
	err error
}

func (t *tableWriter) line(s string) {
	if t.err == nil {
		_, t.err = fmt.Fprintln(t.w, s)
	}
}

func (t *tableWriter) row(cells ...string) { t.line("| " + strings.Join(cells, " | ") + " |") }

// rule writes the header rule; right-aligned columns end with a colon.
func (t *tableWriter) rule(right ...bool) {
	cells := make([]string, len(right))
	for i, r := range right {
		cells[i] = "---"
		if r {
			cells[i] = "--:"
		}
	}
	t.row(cells...)
}
