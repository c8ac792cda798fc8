package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import "syscall"

// soExclusiveAddrUse is Winsock's SO_EXCLUSIVEADDRUSE, ~SO_REUSEADDR
// (neither syscall nor x/sys/windows defines it).
const soExclusiveAddrUse = ^syscall.SO_REUSEADDR

// exclusiveAddress binds the socket with SO_EXCLUSIVEADDRUSE. Without it,
// Windows lets sockets of the same user share a UDP port: a socket bound to
// 0.0.0.0:9996 while another program holds 127.0.0.1:9996 (or the reverse,
// later) binds without error, and each then gets only part of the senders.
// With it, binding the wildcard address over another program's socket
// fails, and no other program can bind this socket's port afterwards, as
// on Linux.
func exclusiveAddress(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, soExclusiveAddrUse, 1)
	}); err != nil {
		return err
	}
	return serr
}
