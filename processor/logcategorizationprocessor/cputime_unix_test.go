//go:build unix

package logcategorizationprocessor

import "syscall"

// processCPUTime is the CPU time the process has used, in nanoseconds. On a
// shared machine it measures a benchmark better than the wall clock does.
func processCPUTime() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
