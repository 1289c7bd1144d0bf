package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vkllm/vkllm/models/hub"
)

// isTerminal reports whether f is a character device (a terminal), without
// a terminal library.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar returns a callback drawing a one-line bar on w.
func progressBar(w io.Writer, label string) func(done, total int64) {
	return func(done, total int64) { drawBar(w, label, done, total, "") }
}

// drawBar draws one frame of a bar with an optional suffix, and clears the
// line when done reaches total.
func drawBar(w io.Writer, label string, done, total int64, suffix string) {
	const width = 40
	n := min(max(int(done*width/max(total, 1)), 0), width)
	fmt.Fprintf(w, "\r%s [%s%s] %3d%%%s", label, strings.Repeat("=", n), strings.Repeat(" ", width-n), done*100/max(total, 1), suffix)
	if done == total {
		fmt.Fprint(w, "\r\033[K")
	}
}

// transferBar returns a callback drawing a download bar with bytes, speed
// and time left on w, at most every redrawEvery. Speed counts only bytes
// that arrived since the first call, so a resumed download is not credited
// with its old bytes.
func transferBar(w io.Writer, label string) func(done, total int64) {
	var start, last time.Time
	var base int64
	return func(done, total int64) {
		now := time.Now()
		if start.IsZero() {
			start, base = now, done
		}
		if now.Sub(last) < redrawEvery && done != total {
			return
		}
		last = now
		rate := hub.Rate(done-base, now.Sub(start))
		if total <= 0 { // size unknown: no bar, just the count
			fmt.Fprintf(w, "\r%s %s %s/s\033[K", label, hub.FormatBytes(done), hub.FormatBytes(int64(rate)))
			return
		}
		suffix := fmt.Sprintf(" %s / %s  %s/s", hub.FormatBytes(done), hub.FormatBytes(total), hub.FormatBytes(int64(rate)))
		if eta, ok := hub.ETA(done, total, rate); ok {
			suffix += "  ETA " + eta.String()
		}
		drawBar(w, label, done, total, suffix+"\033[K")
	}
}

const redrawEvery = 100 * time.Millisecond
