package qliksenseeventsreceiver

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
