//go:build unix

package cpu

import (
	"syscall"
	"time"
)

// processCPUTime is the user+system CPU time of this process so far, so
// benchmarks on a shared machine can report CPU time per op beside the
// wall clock, which other processes' load distorts.
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
