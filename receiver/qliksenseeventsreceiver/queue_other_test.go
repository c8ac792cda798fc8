//go:build !linux

package qliksenseeventsreceiver

import "testing"

func socketQueueEmpty(t *testing.T, _ datagramSocket) bool {
	t.Skip("reading the socket queue length needs Linux")
	return false
}

// socketStopped reports whether stop was called on sock.
func socketStopped(sock datagramSocket) bool { return pollerStopped(sock) }
