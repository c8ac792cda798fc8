package qliksenseeventsreceiver

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver/internal/metadatatest"
)

// bindError is a failed bind as net.ListenConfig.ListenPacket returns it.
func bindError(errno syscall.Errno) error {
	return &net.OpError{Op: "listen", Net: "udp", Err: os.NewSyscallError("bind", errno)}
}

// TestListenError: a port in use is named as such whatever the platform's
// error number: Linux's and macOS's EADDRINUSE, and Windows' WSAEADDRINUSE,
// which is not syscall.EADDRINUSE there (Go's Windows EADDRINUSE is a number
// of its own). Windows' WSAEACCES (a port held with SO_EXCLUSIVEADDRUSE, or
// in a reserved range) gets its own hint.
func TestListenError(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		hint  string // "": none
		noHit []string
	}{
		{"EADDRINUSE", bindError(syscall.EADDRINUSE), "the port is in use", nil},
		{"Windows WSAEADDRINUSE", bindError(wsaAddressInUse), "the port is in use", nil},
		{"Windows WSAEACCES", bindError(wsaAccessDenied), "excludedportrange", nil},
		{"other", bindError(syscall.EINVAL), "", []string{"in use", "excludedportrange"}},
		{"not an errno", errors.New("no such host"), "", []string{"in use", "excludedportrange"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := listenError("127.0.0.1:9996", tt.err)
			assert.ErrorIs(t, err, tt.err)
			assert.ErrorContains(t, err, "listening on 127.0.0.1:9996: ")
			if tt.hint != "" {
				assert.ErrorContains(t, err, tt.hint)
			}
			for _, s := range tt.noHit {
				assert.NotContains(t, err.Error(), s)
			}
		})
	}
}

// TestExclusiveBind: a single socket is bound through exclusive (Windows:
// SO_EXCLUSIVEADDRUSE, so that no other program's socket shares the port),
// before the bind, and its failure fails the start with the endpoint named.
func TestExclusiveBind(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = "127.0.0.1:0"
	newReceiver := func(exclusive func(network, address string, c syscall.RawConn) error) *eventsReceiver {
		r, err := newEventsReceiver(cfg, metadatatest.NewSettings(componenttest.NewTelemetry()), consumertest.NewNop())
		require.NoError(t, err)
		require.NotNil(t, r.exclusive, "the platform's exclusiveAddress by default")
		r.exclusive = exclusive
		return r
	}

	var calls []string
	r := newReceiver(func(network, address string, c syscall.RawConn) error {
		calls = append(calls, network+" "+address)
		return exclusiveAddress(network, address, c) // the platform's: a no-op here
	})
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, r.Shutdown(context.Background()))
	assert.Equal(t, []string{"udp4 127.0.0.1:0"}, calls)

	refused := bindError(wsaAccessDenied)
	r = newReceiver(func(string, string, syscall.RawConn) error { return refused })
	err := r.Start(context.Background(), componenttest.NewNopHost())
	require.ErrorIs(t, err, wsaAccessDenied)
	assert.ErrorContains(t, err, "listening on 127.0.0.1:0")
	require.NoError(t, r.Shutdown(context.Background()))
}
