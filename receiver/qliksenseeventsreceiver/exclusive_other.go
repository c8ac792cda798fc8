//go:build !windows

package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import "syscall"

// exclusiveAddress does nothing here: Linux and macOS already refuse a bind
// that overlaps another socket's address and port (unless both ask to share
// it with SO_REUSEPORT or SO_REUSEADDR). Windows needs SO_EXCLUSIVEADDRUSE.
func exclusiveAddress(_, _ string, _ syscall.RawConn) error { return nil }
