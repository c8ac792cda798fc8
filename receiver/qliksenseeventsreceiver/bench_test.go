package qliksenseeventsreceiver

import (
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
	rd := newReader(r, nil, nil) // handle does not touch the socket
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
