package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// isTerminal reports whether f is a character device (a terminal), without
// a terminal library.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar returns a callback drawing a one-line bar on w.
func progressBar(w io.Writer, label string) func(done, total int64) {
	return func(done, total int64) {
		const width = 40
		n := int(done * width / max(total, 1))
		fmt.Fprintf(w, "\r%s [%s%s] %3d%%", label, strings.Repeat("=", n), strings.Repeat(" ", width-n), done*100/max(total, 1))
		if done == total {
			fmt.Fprint(w, "\r\033[K")
		}
	}
}
