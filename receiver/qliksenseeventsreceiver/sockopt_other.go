//go:build !linux

package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import (
	"net"
	"syscall"
)

// receiveBufferSize is not read back on this platform.
func receiveBufferSize(*net.UDPConn) (int, bool) { return 0, false }

// SO_RCVBUFFORCE is Linux-only.
func forceReceiveBuffer(*net.UDPConn, int) bool { return false }

// The kernel's per-socket drop counter is Linux-only.
func enableDropCounter(*net.UDPConn) bool { return false }

const reusePortSupported = false

func reusePort(_, _ string, _ syscall.RawConn) error { return nil }
