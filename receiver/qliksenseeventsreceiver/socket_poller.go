package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import (
	"errors"
	"net"
	"net/netip"
	"sync"
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

	// mu orders stop against read's setting of the deadline, so that stop's
	// deadline, which ends a read that is waiting, is not overwritten.
	mu       sync.Mutex
	stopping bool
	drain    drainWindow // reading what was queued at stop
}

// readErrorPause is the pause before a read that follows a failed one.
const readErrorPause = 5 * time.Millisecond

// drainWait is how long a read after stop waits for a datagram before it
// takes the socket to be empty. What is queued is there at once, but the
// deadline is set before the read: with 1 ms, a reader descheduled between
// the two on a busy machine found the deadline passed and read nothing.
const drainWait = 50 * time.Millisecond

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

// stop ends a read that is waiting; read then returns what is still queued
// (see drainFor) and net.ErrClosed after it.
func (s *pollerSocket) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopping {
		s.stopping = true
		_ = s.conn.SetReadDeadline(time.Now())
	}
}

func (s *pollerSocket) release() error { return s.conn.Close() }

func (s *pollerSocket) read(deadline time.Time) (int, error) {
	if s.failed {
		// An error that persists must not spin the reader (as on Linux).
		wait := readErrorPause
		if !deadline.IsZero() {
			wait = max(0, min(wait, time.Until(deadline)))
		}
		s.sleep(wait)
	}
	s.mu.Lock()
	stopping := s.stopping
	if !stopping && !deadline.Equal(s.deadline) {
		s.deadline = deadline
		_ = s.conn.SetReadDeadline(deadline)
	}
	s.mu.Unlock()
	if stopping {
		// Read what is queued: closing the socket would discard it.
		now := time.Now()
		if !s.drain.open(now) {
			return 0, net.ErrClosed
		}
		_ = s.conn.SetReadDeadline(now.Add(drainWait))
	}
	n, from, err := s.conn.ReadFromUDPAddrPort(s.buf)
	if stopping && err != nil && !errors.Is(err, wsaMessageTooLong) {
		s.drain.close(time.Now()) // nothing more queued (or the socket failed)
		return 0, net.ErrClosed
	}
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
		s.mu.Lock()
		stopped := s.stopping
		s.mu.Unlock()
		if stopped { // stop ended the wait: read what is queued
			return s.read(deadline)
		}
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
