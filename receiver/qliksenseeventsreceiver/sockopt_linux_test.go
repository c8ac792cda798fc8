package qliksenseeventsreceiver

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver/internal/metadata"
)

// A receive_buffer_size above net.core.rmem_max is granted in full when the
// collector may force it (CAP_NET_ADMIN, as root); otherwise the kernel caps
// it and the receiver warns. Which of the two applies here is found out with
// a socket of the test's own.
func TestReceiveBufferPastRmemMax(t *testing.T) {
	raw, err := os.ReadFile("/proc/sys/net/core/rmem_max")
	require.NoError(t, err)
	rmemMax, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	require.NoError(t, err)
	want := 2 * rmemMax

	probe, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer probe.Close()
	mayForce := forceReceiveBuffer(probe, want)

	core, logs := observer.New(zapcore.WarnLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	cfg := createDefaultConfig().(*Config)
	cfg.ReceiveBufferSize = want
	r, err := newEventsReceiver(cfg, set, consumertest.NewNop())
	require.NoError(t, err)
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer conn.Close()
	r.setReceiveBuffer(conn)

	got, ok := receiveBufferSize(conn)
	require.True(t, ok)
	capped := logs.FilterMessageSnippet("capped").All()
	if mayForce {
		assert.GreaterOrEqual(t, got, want, "forced past rmem_max")
		assert.Empty(t, capped)
	} else {
		assert.Less(t, got, want)
		require.Len(t, capped, 1)
		assert.Equal(t, int64(want), capped[0].ContextMap()["requested_bytes"])
	}
}
