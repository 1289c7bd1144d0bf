//go:build !unix

package cpu

import "time"

// processCPUTime is unavailable here: benchmarks report the wall clock only.
func processCPUTime() (time.Duration, bool) { return 0, false }
