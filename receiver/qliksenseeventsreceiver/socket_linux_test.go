package qliksenseeventsreceiver

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestPolledSocket(t *testing.T) {
	testSocketContract(t, func(t *testing.T, conn *net.UDPConn, bufSize int) datagramSocket {
		sock, err := newDatagramSocket(conn, bufSize, enableDropCounter(conn))
		require.NoError(t, err)
		_, err = conn.WriteTo([]byte("x"), sock.localAddr())
		assert.Error(t, err, "the original descriptor is closed; the socket lives on in the duplicate")
		_, ok := sock.(*polledSocket)
		require.True(t, ok, "Linux reads outside the network poller")
		return sock
	})
}

// TestNextPause: after a read that emptied the socket the receiver pauses
// for about wakeTarget datagrams at the last cycle's rate, so a wake-up
// finds many at low rates and a pause leaves a bounded backlog at high ones.
func TestNextPause(t *testing.T) {
	for _, tt := range []struct {
		name    string
		elapsed time.Duration
		backlog int
		target  int
		longest time.Duration
		want    time.Duration
	}{
		{"no rate yet", 0, 0, 512, maxPause, pollWait},
		{"no datagram counted", 10 * time.Millisecond, 0, 512, maxPause, pollWait},
		{"5,000/s: the longest pause", 5 * time.Millisecond, 25, 512, maxPause, maxPause},
		{"50,000/s: 512 datagrams' time", 10 * time.Millisecond, 500, 512, maxPause, 10240 * time.Microsecond},
		{"200,000/s: the shortest pause", 10 * time.Millisecond, 2000, 512, maxPause, pollWait},
		{"a small buffer's target", 40 * time.Millisecond, 100, 26, maxPause, 10400 * time.Microsecond},
		// After a quiet spell, a small buffer's ceiling holds the pause.
		{"idle, then one datagram, 4 MiB (rmem_max's cap)", time.Second, 1, 512, longestPauseFor(2 * 4 << 20), 25600 * time.Microsecond},
		{"idle, then one datagram, Linux's default buffer", time.Second, 1, 13, longestPauseFor(212992), pollWait},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, nextPause(tt.elapsed, tt.backlog, tt.target, tt.longest))
		})
	}
	assert.Equal(t, 8, wakeTargetFor(0))
	assert.Equal(t, 13, wakeTargetFor(212992), "Linux's default buffer")
	assert.Equal(t, 512, wakeTargetFor(2*16<<20), "the receiver's default 16 MiB")
	assert.Equal(t, maxPause, longestPauseFor(2*16<<20), "the receiver's default 16 MiB allows the longest pause")
	assert.Equal(t, 25600*time.Microsecond, longestPauseFor(2*4<<20), "4 MiB: 2,048 datagrams of 4 KiB, 25.6 ms at 80,000/s")
	assert.Equal(t, pollWait, longestPauseFor(212992), "Linux's default buffer: the shortest pause")
}

// TestPolledSocketPausesFromTheRate: the pause a read sets follows the
// datagrams read since the socket was last empty.
func TestPolledSocketPausesFromTheRate(t *testing.T) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	sock, err := newDatagramSocket(conn, 64, false)
	require.NoError(t, err)
	ps := sock.(*polledSocket)
	defer func() { sock.stop(); assert.NoError(t, sock.release()) }()
	rcvbuf, err := unix.GetsockoptInt(ps.fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
	require.NoError(t, err)
	assert.Equal(t, wakeTargetFor(rcvbuf), ps.wakeTarget, "sized from the socket's receive buffer")
	assert.Equal(t, longestPauseFor(rcvbuf), ps.longest, "bounded by the socket's receive buffer")
	sender, err := net.Dial("udp", sock.localAddr().String())
	require.NoError(t, err)
	defer sender.Close()

	send := func(k int) {
		for range k {
			_, err := sender.Write([]byte("x"))
			require.NoError(t, err)
		}
	}
	send(1)
	_, err = sock.read(time.Now().Add(5 * time.Second))
	require.NoError(t, err)
	assert.Equal(t, pollWait, ps.pause, "no rate before the socket was first emptied")
	send(1)
	start := time.Now()
	n, err := sock.read(time.Now().Add(5 * time.Second))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	assert.GreaterOrEqual(t, time.Since(start), pollWait, "the pause was kept")
	// One datagram in (at least) a pause's time: the next pause is long
	// enough for wakeTarget of them.
	assert.GreaterOrEqual(t, ps.pause, min(ps.longest, time.Duration(ps.wakeTarget)*pollWait))
	assert.LessOrEqual(t, ps.pause, ps.longest)
	assert.Zero(t, ps.backlog)
}
