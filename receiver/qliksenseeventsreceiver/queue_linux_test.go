package qliksenseeventsreceiver

import (
	"net"
	"syscall"
	"testing"
	"unsafe"
)

// socketQueueEmpty reports whether the kernel holds no unread datagram for conn.
func socketQueueEmpty(t *testing.T, conn *net.UDPConn) bool {
	raw, err := conn.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var pending int32
	var errno syscall.Errno
	if err := raw.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&pending)))
	}); err != nil {
		t.Fatal(err)
	}
	if errno != 0 {
		t.Fatal(errno)
	}
	return pending == 0
}
