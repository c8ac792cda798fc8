package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// polledSocket reads a UDP socket that is kept out of Go's network poller.
//
// The poller wakes the process for every datagram that lands on an idle
// socket: at a few thousand events/s that is a wake-up, two reads and two
// epoll calls per datagram, which the profile showed costing more CPU than
// turning the datagrams into records. This socket is read with recvmmsg
// without blocking; after a read that emptied it, it pauses (nextPause) so
// that the next wake-up finds many datagrams, and heavy traffic fills every
// read and is read back to back. Only an empty socket is waited on, with
// poll(2), so an idle receiver sleeps until the next datagram (polling an
// idle socket on a timer measured 20 times the idle CPU).
type polledSocket struct {
	fd      int
	addr    net.Addr
	wake    int // eventfd that ends a wait when the socket is stopped
	stopped atomic.Bool

	hdrs  []mmsghdr
	iovs  []unix.Iovec
	mem   []byte // the read buffers, mapped outside the Go heap
	bufs  [][]byte
	names []unix.RawSockaddrInet6 // large enough for either family
	oob   [][]byte

	n     int           // datagrams of the last read
	pause time.Duration // before the next read

	// The pause is sized from the rate: backlog datagrams have been read
	// since drainedAt, when a read last emptied the socket, and a wake-up
	// should find about wakeTarget.
	drainedAt  time.Time
	backlog    int
	wakeTarget int
	// longest is the longest pause the receive buffer allows.
	longest time.Duration

	// drops is the kernel's cumulative drop count for the socket, as last
	// learnt (with a drop counter): from the newest datagram's SO_RXQ_OVFL
	// while traffic flows, and from SO_MEMINFO whenever the socket is found
	// empty or is stopped, so drops after the last queued datagram are not
	// left waiting for the next one. A new socket starts from none, as the
	// reader's count does.
	drops       uint32
	dropCounter bool

	drain drainWindow // reading what was queued at stop
}

// mmsghdr is struct mmsghdr: a message header and the length received.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

// The pause after a read that emptied the socket is long enough for about
// wakeTarget datagrams to arrive at the rate of the last cycle, within
// [pollWait, maxPause]; pollWait when there is no rate yet. Every wake-up
// costs, in a VM above all: at 5,000 events/s on one core, a fixed pause of
// 5, 10, 20 and 40 ms measured 9.6-12.9, 9.8-10.9, 8.9-10.9 and 7.6-8.2 % of
// the core, and this sizing (a wake-up every 100 ms there) 6.8-8.5 %.
// Pauses shorter than 5 ms at high rates made the 80,000/s step lose data
// more often. maxPause is the most latency the receiver adds, within the
// batch timeout; at high rates the target bounds the backlog a pause leaves
// in the receive buffer.
const (
	pollWait = 5 * time.Millisecond
	maxPause = 100 * time.Millisecond
)

// wakeTargetFor is how many datagrams a wake-up should find with a receive
// buffer of rcvbuf bytes (as the kernel reports it, overhead included): a
// quarter of what it holds at 4 KiB a datagram (what one costs the buffer
// with some network drivers), from 8 to 512, so a burst during a pause still
// fits.
func wakeTargetFor(rcvbuf int) int {
	return min(max(rcvbuf/(4*4096), 8), 512)
}

// burstRate is the rate a burst may arrive at during a pause: about what one
// core turns into records (80,000 events/s on the benchmark machine); a
// faster burst overflows any buffer in the end.
const burstRate = 80_000

// longestPauseFor is the longest pause with a receive buffer of rcvbuf
// bytes (as the kernel reports it): the time a burst at burstRate takes to
// fill it at 4 KiB a datagram, within [pollWait, maxPause]. After a quiet
// spell the rate says nothing of the next burst: a pause of maxPause with
// Linux's default buffer (208 KiB) lost a burst of 20,000/s after idle.
// The receiver's default 16 MiB allows maxPause.
func longestPauseFor(rcvbuf int) time.Duration {
	return min(max(time.Duration(rcvbuf/4096)*time.Second/burstRate, pollWait), maxPause)
}

// nextPause is the pause after a read that emptied the socket, when backlog
// datagrams came in the elapsed time since it was last empty, at most
// longest.
func nextPause(elapsed time.Duration, backlog, target int, longest time.Duration) time.Duration {
	if backlog <= 0 || elapsed <= 0 {
		return pollWait
	}
	return min(max(elapsed*time.Duration(target)/time.Duration(backlog), pollWait), longest)
}

// newDatagramSocket takes conn's socket out of the network poller: it keeps
// a duplicate descriptor and closes conn, which deregisters conn's.
func newDatagramSocket(conn *net.UDPConn, bufSize int, dropCounter bool) (datagramSocket, error) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd, derr := -1, error(nil)
	if err := raw.Control(func(f uintptr) { fd, derr = unix.FcntlInt(f, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, fmt.Errorf("duplicating the socket: %w", derr)
	}
	s := &polledSocket{fd: fd, addr: conn.LocalAddr(), dropCounter: dropCounter, wakeTarget: wakeTargetFor(0), longest: longestPauseFor(0)}
	if rcvbuf, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF); err == nil {
		s.wakeTarget, s.longest = wakeTargetFor(rcvbuf), longestPauseFor(rcvbuf)
	}
	if err := conn.Close(); err != nil {
		_ = unix.Close(fd)
		return nil, err
	}
	if s.wake, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("creating the stop signal: %w", err)
	}
	// The buffers take readBatch times the largest datagram, 2 MiB by
	// default, of which a typical datagram touches a page. On the Go heap
	// they would count as live data all the same and let the garbage
	// collector's target grow by as much again; mapped, they cost only
	// the pages used.
	if s.mem, err = unix.Mmap(-1, 0, readBatch*bufSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS); err != nil {
		_ = unix.Close(fd)
		_ = unix.Close(s.wake)
		return nil, fmt.Errorf("mapping read buffers: %w", err)
	}
	s.hdrs = make([]mmsghdr, readBatch)
	s.iovs = make([]unix.Iovec, readBatch)
	s.bufs = make([][]byte, readBatch)
	s.names = make([]unix.RawSockaddrInet6, readBatch)
	s.oob = make([][]byte, readBatch)
	for i := range s.hdrs {
		s.bufs[i] = s.mem[i*bufSize : (i+1)*bufSize : (i+1)*bufSize]
		s.iovs[i].Base = &s.bufs[i][0]
		s.iovs[i].SetLen(bufSize)
		h := &s.hdrs[i].hdr
		h.Iov = &s.iovs[i]
		h.SetIovlen(1)
		h.Name = (*byte)(unsafe.Pointer(&s.names[i]))
		if dropCounter {
			s.oob[i] = make([]byte, dropCounterSize)
			h.Control = &s.oob[i][0]
		}
	}
	return s, nil
}

func (s *polledSocket) localAddr() net.Addr { return s.addr }

// stop makes read return what is still queued (see readQueued), then
// net.ErrClosed: at once if it is waiting for data, within maxPause if it is
// pausing.
func (s *polledSocket) stop() {
	if s.stopped.Swap(true) {
		return
	}
	one := [8]byte{1}
	_, _ = unix.Write(s.wake, one[:])
}

// release closes the descriptors and unmaps the buffers, once the reader has
// returned (nothing it handed on refers to them: every datagram is copied).
func (s *polledSocket) release() error {
	return errors.Join(unix.Close(s.fd), unix.Close(s.wake), unix.Munmap(s.mem))
}

func (s *polledSocket) read(deadline time.Time) (int, error) {
	for {
		if s.stopped.Load() {
			if n := s.readQueued(); n > 0 {
				return n, nil
			}
			if s.dropCounter {
				s.learnDrops(socketDrops(s.fd)) // still open until release
			}
			return 0, net.ErrClosed
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return 0, errDeadline
		}
		if s.pause > 0 {
			wait := s.pause
			if !deadline.IsZero() {
				wait = min(wait, time.Until(deadline))
			}
			time.Sleep(wait)
		}
		n, err := s.recvmmsg()
		switch {
		case n > 0:
			s.n = n
			s.pause = 0
			s.backlog += n
			if n < len(s.hdrs) { // the socket is empty
				now := time.Now()
				s.pause = pollWait
				if !s.drainedAt.IsZero() {
					s.pause = nextPause(now.Sub(s.drainedAt), s.backlog, s.wakeTarget, s.longest)
				}
				s.drainedAt, s.backlog = now, 0
			}
			s.learnDrops(s.datagramDrops())
			return n, nil
		case errors.Is(err, unix.EINTR):
		case err == nil, errors.Is(err, unix.EAGAIN):
			s.pause = 0
			if s.dropCounter && s.learnDrops(socketDrops(s.fd)) {
				return 0, nil // new drops to count, and maybe no datagram to come
			}
			if err := s.wait(deadline); err != nil {
				s.pause = pollWait // an error that persists must not spin the reader
				return 0, &net.OpError{Op: "read", Net: "udp", Addr: s.addr, Err: err}
			}
		default:
			s.pause = pollWait
			return 0, &net.OpError{Op: "read", Net: "udp", Addr: s.addr, Err: err}
		}
	}
}

// readQueued reads what is still queued once the socket is stopped:
// closing it would discard that uncounted, and after a pause it holds up to
// maxPause of traffic. It gives up after drainFor, so that a sender that
// keeps sending cannot hold up the stop.
func (s *polledSocket) readQueued() int {
	now := time.Now()
	if !s.drain.open(now) {
		return 0
	}
	n, err := s.recvmmsg()
	for errors.Is(err, unix.EINTR) {
		n, err = s.recvmmsg()
	}
	if err != nil || n <= 0 {
		s.drain.close(now) // empty (EAGAIN), or failing
		return 0
	}
	s.n = n
	s.learnDrops(s.datagramDrops())
	return n
}

// wait blocks until a datagram arrives, the deadline passes or stop is
// called; the caller's loop tells which.
func (s *polledSocket) wait(deadline time.Time) error {
	timeout := -1 // milliseconds; none
	if !deadline.IsZero() {
		// Rounded up, so the wait does not end just before the deadline.
		timeout = int((time.Until(deadline) + time.Millisecond - 1) / time.Millisecond)
		if timeout <= 0 {
			return nil
		}
	}
	fds := [2]unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}, {Fd: int32(s.wake), Events: unix.POLLIN}}
	if _, err := unix.Poll(fds[:], timeout); err != nil && !errors.Is(err, unix.EINTR) {
		return err
	}
	return nil
}

func (s *polledSocket) recvmmsg() (int, error) {
	for i := range s.hdrs {
		h := &s.hdrs[i].hdr
		h.Namelen = uint32(unsafe.Sizeof(s.names[i]))
		if h.Control != nil {
			h.SetControllen(len(s.oob[i]))
		}
	}
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(s.fd), uintptr(unsafe.Pointer(&s.hdrs[0])),
		uintptr(len(s.hdrs)), unix.MSG_DONTWAIT, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

func (s *polledSocket) datagram(i int) ([]byte, netip.Addr) {
	return s.bufs[i][:s.hdrs[i].n], s.sender(i)
}

// sender reads the address the kernel wrote for datagram i, without
// allocating.
func (s *polledSocket) sender(i int) netip.Addr {
	name := &s.names[i]
	switch name.Family {
	case unix.AF_INET:
		in4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(name))
		return netip.AddrFrom4(in4.Addr)
	case unix.AF_INET6:
		return netip.AddrFrom16(name.Addr).Unmap()
	}
	return netip.Addr{}
}

func (s *polledSocket) dropped() (uint32, bool) { return s.drops, s.dropCounter }

// learnDrops takes a newer reading of the drop counter and reports whether
// it was news. The counter only grows (modulo 2^32), so a reading behind the
// one held is ignored.
func (s *polledSocket) learnDrops(total uint32, ok bool) bool {
	if !ok || int32(total-s.drops) <= 0 {
		return false
	}
	s.drops = total
	return true
}

// datagramDrops reads the drop counter the kernel attached to the newest
// datagram of the last read.
func (s *polledSocket) datagramDrops() (uint32, bool) {
	if s.n == 0 || s.hdrs[s.n-1].hdr.Control == nil {
		return 0, false
	}
	last := &s.hdrs[s.n-1].hdr
	return droppedSoFar(s.oob[s.n-1][:last.Controllen])
}

// socketDrops asks the kernel for the socket's drop count (SO_MEMINFO,
// Linux 4.12+), which needs no datagram to carry it.
func socketDrops(fd int) (uint32, bool) {
	var info [unix.SK_MEMINFO_VARS]uint32
	size := uint32(unsafe.Sizeof(info))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_MEMINFO,
		uintptr(unsafe.Pointer(&info[0])), uintptr(unsafe.Pointer(&size)), 0)
	if errno != 0 || size < (unix.SK_MEMINFO_DROPS+1)*4 {
		return 0, false
	}
	return info[unix.SK_MEMINFO_DROPS], true
}
