package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import (
	"errors"
	"net"
	"net/netip"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// batchSocket reads through Go's network poller with x/net's ReadBatch
// (one datagram per read where the platform has no recvmmsg). It is what
// platforms other than Linux use; Linux tests run it too.
type batchSocket struct {
	conn  *net.UDPConn
	batch interface {
		ReadBatch([]ipv4.Message, int) (int, error)
	}
	msgs     []ipv4.Message
	deadline time.Time
}

func newBatchSocket(conn *net.UDPConn, bufSize int) datagramSocket {
	s := &batchSocket{conn: conn, msgs: make([]ipv4.Message, readBatch)}
	if a, ok := conn.LocalAddr().(*net.UDPAddr); ok && a.IP.To4() == nil {
		s.batch = ipv6.NewPacketConn(conn)
	} else {
		s.batch = ipv4.NewPacketConn(conn)
	}
	for i := range s.msgs {
		s.msgs[i].Buffers = [][]byte{make([]byte, bufSize)}
	}
	return s
}

func (s *batchSocket) localAddr() net.Addr { return s.conn.LocalAddr() }

func (s *batchSocket) stop() { _ = s.conn.Close() }

func (s *batchSocket) release() error { return nil }

func (s *batchSocket) read(deadline time.Time) (int, error) {
	if !deadline.Equal(s.deadline) {
		s.deadline = deadline
		_ = s.conn.SetReadDeadline(deadline)
	}
	n, err := s.batch.ReadBatch(s.msgs, 0)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return 0, errDeadline
	}
	return n, err
}

func (s *batchSocket) datagram(i int) ([]byte, netip.Addr) {
	m := &s.msgs[i]
	var from netip.Addr
	if u, ok := m.Addr.(*net.UDPAddr); ok {
		from, _ = netip.AddrFromSlice(u.IP)
		from = from.Unmap()
	}
	return m.Buffers[0][:m.N], from
}

func (s *batchSocket) dropped() (uint32, bool) { return 0, false }
