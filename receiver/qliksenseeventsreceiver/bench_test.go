package qliksenseeventsreceiver

import (
	"net"
	"net/netip"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver/internal/metadata"
)

// BenchmarkHandle measures the work per datagram after the socket read:
// checks, parse and record building, with batches handed on and dropped.
func BenchmarkHandle(b *testing.B) {
	var datagrams [][]byte
	for _, f := range []string{"log-qix-perf", "user-events", "log-engine", "log-proxy", "log-repository", "log-scheduler"} {
		for _, l := range sampleLines(&testing.T{}, f) {
			datagrams = append(datagrams, []byte(l))
		}
	}
	cfg := createDefaultConfig().(*Config)
	r, err := newEventsReceiver(cfg, receivertest.NewNopSettings(metadata.Type), consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	r.batches = make(chan plog.Logs, 1)
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	rd := newReader(r, conn, nil) // only the socket's read deadline is used
	from := netip.MustParseAddr("10.0.0.5")
	now := pcommon.Timestamp(1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rd.handle(datagrams[i%len(datagrams)], from, now)
		if len(r.batches) > 0 {
			<-r.batches
		}
	}
}
