package qliksenseeventsreceiver

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// socketOpener opens a datagramSocket on conn with bufSize-byte buffers.
type socketOpener func(t *testing.T, conn *net.UDPConn, bufSize int) datagramSocket

// testSocketContract checks what the reader relies on, for any
// datagramSocket: deadlines, datagrams with their senders, truncation to the
// buffer, and stop ending a wait.
func testSocketContract(t *testing.T, open socketOpener) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	sock := open(t, conn, 16)
	released := false
	defer func() {
		if !released {
			sock.stop()
			assert.NoError(t, sock.release())
		}
	}()
	sender, err := net.Dial("udp", sock.localAddr().String())
	require.NoError(t, err)
	defer sender.Close()

	n, err := sock.read(time.Now().Add(-time.Second))
	assert.Equal(t, 0, n)
	assert.ErrorIs(t, err, errDeadline, "a passed deadline ends the read before any datagram")
	_, err = sock.read(time.Now().Add(20 * time.Millisecond))
	assert.ErrorIs(t, err, errDeadline, "a deadline ends a wait on an empty socket")

	datagrams := []string{"first", "second datagram, truncated"}
	for _, d := range datagrams {
		_, err = sender.Write([]byte(d))
		require.NoError(t, err)
	}
	got := map[string]netip.Addr{}
	for len(got) < len(datagrams) {
		n, err := sock.read(time.Now().Add(5 * time.Second))
		require.NoError(t, err)
		for i := 0; i < n; i++ {
			d, from := sock.datagram(i)
			got[string(d)] = from
		}
	}
	loopback := netip.MustParseAddr("127.0.0.1")
	// The second is cut to the buffer, so the reader can tell it is
	// oversized. Windows fails its read (WSAEMSGSIZE) with the buffer filled
	// but no sender, which the poller hands on as a datagram without one.
	want := map[string]netip.Addr{"first": loopback, "second datagram,": loopback}
	if runtime.GOOS == "windows" {
		want["second datagram,"] = netip.Addr{}
	}
	assert.Equal(t, want, got)

	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = sender.Write([]byte("late"))
	}()
	n, err = sock.read(time.Time{})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	d, _ := sock.datagram(0)
	assert.Equal(t, "late", string(d), "a wait without deadline ends with the next datagram")

	done := make(chan error)
	go func() {
		_, err := sock.read(time.Time{})
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // let it reach the wait
	sock.stop()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, net.ErrClosed)
	case <-time.After(5 * time.Second):
		t.Fatal("stop did not end the wait")
	}
	released = true
	assert.NoError(t, sock.release())

	testSocketDrainsOnStop(t, open)
}

// testSocketDrainsOnStop: what is queued when the socket is stopped (on
// Linux, what came in during the pause after a read) is still read, then
// net.ErrClosed: closing the socket would discard it, uncounted. Every
// restart of the collector lost up to 100 ms of events that way.
func testSocketDrainsOnStop(t *testing.T, open socketOpener) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	sock := open(t, conn, 64)
	sender, err := net.Dial("udp", sock.localAddr().String())
	require.NoError(t, err)
	defer sender.Close()
	var sent []string
	for i := range 3 * readBatch / 2 {
		d := fmt.Sprintf("queued %d", i)
		_, err := sender.Write([]byte(d))
		require.NoError(t, err)
		sent = append(sent, d)
	}
	sock.stop()
	var got []string
	for len(got) <= len(sent) {
		n, err := sock.read(time.Time{})
		if errors.Is(err, net.ErrClosed) {
			break
		}
		require.NoError(t, err)
		for i := range n {
			d, _ := sock.datagram(i)
			got = append(got, string(d))
		}
	}
	assert.Equal(t, sent, got, "every datagram queued at stop is read, then the socket reports closed")
	n, err := sock.read(time.Time{})
	assert.Zero(t, n)
	assert.ErrorIs(t, err, net.ErrClosed, "and stays closed")
	assert.NoError(t, sock.release())
}

func TestPollerSocket(t *testing.T) {
	testSocketContract(t, func(_ *testing.T, conn *net.UDPConn, bufSize int) datagramSocket {
		return newPollerSocket(conn, bufSize)
	})
}

// windowsConn fails its reads as Windows does for a datagram longer than
// the buffer: WSAEMSGSIZE, with the buffer filled and no sender.
type windowsConn struct{ *net.UDPConn }

func (c windowsConn) ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error) {
	copy(b, strings.Repeat("x", len(b)))
	return len(b), netip.AddrPort{}, &net.OpError{Op: "read", Net: "udp", Err: os.NewSyscallError("wsarecvfrom", wsaMessageTooLong)}
}

func TestPollerSocketWindowsOversized(t *testing.T) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	sock := newPollerSocket(windowsConn{conn}, 16)
	defer func() { sock.stop(); _ = sock.release() }()
	n, err := sock.read(time.Time{})
	require.NoError(t, err, "a datagram too long for the buffer is no read error")
	require.Equal(t, 1, n)
	d, from := sock.datagram(0)
	assert.Len(t, d, 16, "handed on at the buffer's length, which the reader rejects as oversized")
	assert.False(t, from.IsValid())
}

// failingConn fails every read, as a socket error that persists would.
type failingConn struct {
	*net.UDPConn
	reads int
}

func (c *failingConn) ReadFromUDPAddrPort([]byte) (int, netip.AddrPort, error) {
	c.reads++
	return 0, netip.AddrPort{}, &net.OpError{Op: "read", Net: "udp", Err: errors.New("persisting failure")}
}

// TestPollerSocketPausesAfterAnError: the reader retries a failed read at
// once; a failure that persists must not spin a core.
func TestPollerSocketPausesAfterAnError(t *testing.T) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	fc := &failingConn{UDPConn: conn}
	sock := newPollerSocket(fc, 16)
	defer func() { sock.stop(); _ = sock.release() }()
	var slept []time.Duration
	sock.sleep = func(d time.Duration) { slept = append(slept, d) }
	for range 3 {
		_, err := sock.read(time.Time{})
		require.Error(t, err)
	}
	assert.Equal(t, 3, fc.reads)
	assert.Equal(t, []time.Duration{readErrorPause, readErrorPause}, slept, "a pause before every read after a failed one")
}

// pollerStopped reports whether stop was called on a pollerSocket.
func pollerStopped(sock datagramSocket) bool {
	s := sock.(*pollerSocket)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}
