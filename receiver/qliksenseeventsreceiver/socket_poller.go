package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import (
	"errors"
	"net"
	"net/netip"
	"time"
)

// pollerSocket reads through Go's network poller, one datagram per read. It
// is what platforms other than Linux use (Linux tests run it too): x/net's
// ReadBatch would read one datagram there as well, and on Windows, where
// the sidecar runs, none at all (its recvmsg is not implemented there).
type pollerSocket struct {
	conn     datagramConn
	buf      []byte
	n        int        // length of the last datagram read
	from     netip.Addr // its sender
	deadline time.Time

	failed bool                // the last read failed
	sleep  func(time.Duration) // time.Sleep; a test's clock
}

// readErrorPause is the pause before a read that follows a failed one.
const readErrorPause = 5 * time.Millisecond

// datagramConn is what pollerSocket needs of a *net.UDPConn.
type datagramConn interface {
	ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error)
	SetReadDeadline(t time.Time) error
	LocalAddr() net.Addr
	Close() error
}

func newPollerSocket(conn datagramConn, bufSize int) *pollerSocket {
	return &pollerSocket{conn: conn, buf: make([]byte, bufSize), sleep: time.Sleep}
}

func (s *pollerSocket) localAddr() net.Addr { return s.conn.LocalAddr() }

func (s *pollerSocket) stop() { _ = s.conn.Close() }

func (s *pollerSocket) release() error { return nil }

func (s *pollerSocket) read(deadline time.Time) (int, error) {
	if s.failed {
		// An error that persists must not spin the reader (as on Linux).
		wait := readErrorPause
		if !deadline.IsZero() {
			wait = max(0, min(wait, time.Until(deadline)))
		}
		s.sleep(wait)
	}
	if !deadline.Equal(s.deadline) {
		s.deadline = deadline
		_ = s.conn.SetReadDeadline(deadline)
	}
	n, from, err := s.conn.ReadFromUDPAddrPort(s.buf)
	if errors.Is(err, wsaMessageTooLong) { // elsewhere the datagram is cut to the buffer silently
		// Handed on as a datagram of the buffer's length, which the reader
		// rejects as oversized (Windows does not say who sent it, so with
		// allowed_sources set it counts as source_not_allowed).
		n, err = len(s.buf), nil
	}
	var ne net.Error
	s.failed = false
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return 0, errDeadline
	case errors.Is(err, net.ErrClosed):
		return 0, err
	case err != nil:
		s.failed = true
		return 0, err
	}
	s.n, s.from = n, from.Addr().Unmap()
	return 1, nil
}

func (s *pollerSocket) datagram(int) ([]byte, netip.Addr) { return s.buf[:s.n], s.from }

func (s *pollerSocket) dropped() (uint32, bool) { return 0, false }
