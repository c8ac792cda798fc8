package qliksenseeventsreceiver

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPolledSocket(t *testing.T) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	sock, err := newDatagramSocket(conn, 16, enableDropCounter(conn))
	require.NoError(t, err)
	defer func() { assert.NoError(t, sock.release()) }()
	_, err = conn.WriteTo([]byte("x"), sock.localAddr())
	assert.Error(t, err, "the original descriptor is closed; the socket lives on in the duplicate")

	sender, err := net.Dial("udp", sock.localAddr().String())
	require.NoError(t, err)
	defer sender.Close()

	n, err := sock.read(time.Now().Add(-time.Second))
	assert.Equal(t, 0, n)
	assert.ErrorIs(t, err, errDeadline, "a passed deadline ends the read even before any datagram")

	for _, d := range []string{"first", "second datagram, truncated"} {
		_, err = sender.Write([]byte(d))
		require.NoError(t, err)
	}
	got := map[string]netip.Addr{}
	for len(got) < 2 {
		n, err := sock.read(time.Now().Add(5 * time.Second))
		require.NoError(t, err)
		for i := 0; i < n; i++ {
			d, from := sock.datagram(i)
			got[string(d)] = from
		}
	}
	loopback := netip.MustParseAddr("127.0.0.1")
	assert.Equal(t, map[string]netip.Addr{"first": loopback, "second datagram,": loopback}, got,
		"datagrams longer than the buffer are cut to it, so the reader can tell them oversized")
	total, _ := sock.dropped() // Linux attaches the counter only once it is non-zero
	assert.Zero(t, total)

	sock.stop()
	_, err = sock.read(time.Time{})
	assert.ErrorIs(t, err, net.ErrClosed)
}

// TestPolledSocketWaits: an empty socket is waited on, and the wait ends for
// a deadline, a datagram or stop, whichever comes first.
func TestPolledSocketWaits(t *testing.T) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	sock, err := newDatagramSocket(conn, 64, false)
	require.NoError(t, err)
	defer func() { assert.NoError(t, sock.release()) }()

	_, err = sock.read(time.Now().Add(20 * time.Millisecond))
	assert.ErrorIs(t, err, errDeadline)

	sender, err := net.Dial("udp", sock.localAddr().String())
	require.NoError(t, err)
	defer sender.Close()
	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = sender.Write([]byte("late"))
	}()
	n, err := sock.read(time.Time{})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	d, _ := sock.datagram(0)
	assert.Equal(t, "late", string(d))

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
}
