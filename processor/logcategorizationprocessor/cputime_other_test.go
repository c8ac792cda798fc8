//go:build !unix

package logcategorizationprocessor

func processCPUTime() (int64, bool) { return 0, false }
