package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import (
	"encoding/binary"
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// receiveBufferSize reads back SO_RCVBUF. Linux reports twice the usable
// size (it counts its bookkeeping), so the value is halved.
func receiveBufferSize(conn *net.UDPConn) (int, bool) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return 0, false
	}
	var size int
	var serr error
	if err := raw.Control(func(fd uintptr) {
		size, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	}); err != nil || serr != nil {
		return 0, false
	}
	return size / 2, true
}

// forceReceiveBuffer sets SO_RCVBUFFORCE, which may exceed
// net.core.rmem_max but needs CAP_NET_ADMIN; false when it is refused.
func forceReceiveBuffer(conn *net.UDPConn, size int) bool {
	raw, err := conn.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, size)
	}); err != nil || serr != nil {
		return false
	}
	return true
}

// dropCounterSize is the ancillary-data space one datagram needs for the
// kernel's drop counter.
var dropCounterSize = unix.CmsgSpace(4)

// enableDropCounter asks the kernel to attach, to every datagram read, how
// many datagrams this socket has dropped because its buffer was full
// (SO_RXQ_OVFL): drops that would otherwise be invisible to the receiver.
func enableDropCounter(conn *net.UDPConn) bool {
	raw, err := conn.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RXQ_OVFL, 1)
	}); err != nil || serr != nil {
		return false
	}
	return true
}

// droppedSoFar reads the socket's cumulative drop count from a datagram's
// ancillary data.
func droppedSoFar(oob []byte) (uint32, bool) {
	for len(oob) >= unix.SizeofCmsghdr {
		// The header is read in place, laid out as the kernel wrote it.
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		if h.Len < unix.SizeofCmsghdr || int(h.Len) > len(oob) {
			return 0, false
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SO_RXQ_OVFL && int(h.Len) >= unix.CmsgLen(4) {
			data := oob[unix.CmsgLen(0):]
			return binary.NativeEndian.Uint32(data[:4]), true
		}
		oob = oob[unix.CmsgSpace(int(h.Len)-unix.CmsgLen(0)):]
	}
	return 0, false
}

const reusePortSupported = true

// reusePort lets several sockets bind the same address and port; the
// kernel then spreads senders across them.
func reusePort(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	}); err != nil {
		return err
	}
	return serr
}
