package hub

import (
	"fmt"
	"time"
)

// progress reports a download either through Options.Progress or, without
// one, as a log line at most every LogEvery.
type progress struct {
	c         *Client
	ref       string
	start     time.Time
	startOff  int64 // bytes already here when this pull started
	lastLog   time.Time
	announced bool
	last      [2]int64 // the last (done, total) passed to the callback
}

func newProgress(c *Client, ref string, off int64) *progress {
	now := time.Now()
	return &progress{c: c, ref: ref, start: now, startOff: off, lastLog: now}
}

// rebase restarts the rate measurement at off bytes, after a restart.
func (p *progress) rebase(off int64) {
	p.start, p.startOff = time.Now(), off
}

func (p *progress) update(done, total int64) {
	if p.c.opt.Progress != nil {
		p.last = [2]int64{done, total}
		p.c.opt.Progress(done, total)
		return
	}
	if !p.announced {
		p.announced = true
		p.c.log.Info("downloading", "ref", p.ref, "bytes", total, "from", p.startOff)
	}
	if now := time.Now(); now.Sub(p.lastLog) >= p.c.opt.LogEvery {
		p.lastLog = now
		p.log(done, total, now)
	}
}

// done makes sure a progress callback sees the final count with
// total == done (a bar's cue to finish), unless it already has.
func (p *progress) done(done, total int64) {
	total = max(total, done)
	if p.c.opt.Progress != nil && p.last != [2]int64{done, total} {
		p.last = [2]int64{done, total}
		p.c.opt.Progress(done, total)
	}
}

func (p *progress) log(done, total int64, now time.Time) {
	rate := Rate(done-p.startOff, now.Sub(p.start))
	args := []any{"ref", p.ref, "done", FormatBytes(done), "rate", FormatBytes(int64(rate)) + "/s"}
	if total > 0 {
		args = append(args, "total", FormatBytes(total), "percent", fmt.Sprintf("%.1f", float64(done)*100/float64(total)))
		if eta, ok := ETA(done, total, rate); ok {
			args = append(args, "eta", eta.String())
		}
	}
	p.c.log.Info("download progress", args...)
}

// Rate returns bytes per second.
func Rate(bytes int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(bytes) / d.Seconds()
}

// ETA estimates the time left at rate bytes per second, rounded to seconds.
func ETA(done, total int64, rate float64) (time.Duration, bool) {
	if rate <= 0 || total <= 0 || done > total {
		return 0, false
	}
	return time.Duration(float64(total-done) / rate * float64(time.Second)).Round(time.Second), true
}

// FormatBytes prints a byte count with a binary unit: 1.5 MiB.
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
