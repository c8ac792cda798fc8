package qliksenseeventsreceiver

import (
	"syscall"
	"testing"
	"unsafe"
)

// socketQueueEmpty reports whether the kernel holds no unread datagram for sock.
func socketQueueEmpty(t *testing.T, sock datagramSocket) bool {
	var pending int32
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(sock.(*polledSocket).fd), syscall.TIOCINQ, uintptr(unsafe.Pointer(&pending)))
	if errno != 0 {
		t.Fatal(errno)
	}
	return pending == 0
}

// socketStopped reports whether stop was called on sock.
func socketStopped(sock datagramSocket) bool {
	if s, ok := sock.(*polledSocket); ok {
		return s.stopped.Load()
	}
	return pollerStopped(sock)
}
