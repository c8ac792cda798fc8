//go:build !linux

package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import "net"

// newDatagramSocket reads through Go's network poller on this platform.
func newDatagramSocket(conn *net.UDPConn, bufSize int, _ bool) (datagramSocket, error) {
	return newPollerSocket(conn, bufSize), nil
}
