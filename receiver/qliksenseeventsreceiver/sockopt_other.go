//go:build !linux

package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import "net"

// receiveBufferSize is not read back on this platform.
func receiveBufferSize(*net.UDPConn) (int, bool) { return 0, false }
