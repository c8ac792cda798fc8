package qliksenseeventsreceiver

import (
	"net/netip"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/senseops/senseops-collector/internal/senseevent"
	"github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver/internal/metadata"
)

// BenchmarkHandle measures the work per datagram after the socket read:
// the copy, checks, parse and record building, with batches handed on and
// dropped. An op is one full read (readBatch datagrams of the realistic
// mix); ns/datagram and allocs/datagram are per event.
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
	sock := &replaySocket{datagrams: datagrams, from: netip.MustParseAddr("10.0.0.5")}
	rd := newReader(r, sock, nil)
	now := pcommon.Timestamp(1)
	b.ReportAllocs()
	b.ResetTimer()
	reads := 0
	for b.Loop() {
		rd.handleRead(readBatch, now)
		sock.next += readBatch
		reads++
		if len(r.batches) > 0 {
			<-r.batches
		}
	}
	perDatagram := float64(reads * readBatch)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/perDatagram, "ns/datagram")
	// A read only queues its datagrams; the records are built when the batch
	// is handed on, so allocs/datagram counts a batch's reads and its flush.
	const batchReads = 1000 / readBatch
	drain := func() {
		for len(r.batches) > 0 {
			<-r.batches
		}
	}
	rd.flush()
	drain()
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() {
		for range batchReads {
			rd.handleRead(readBatch, now)
			sock.next += readBatch
		}
		rd.flush()
		drain()
	}))/(batchReads*readBatch), "allocs/datagram")
}

// BenchmarkAppendEvent measures building one record from a parsed event, per
// kind (the first sample line of each): pdata's allocations, which
// attrCapacity sizes, dominate its B/op.
func BenchmarkAppendEvent(b *testing.B) {
	for _, k := range []struct{ name, file string }{
		{"engine", "log-engine"}, {"proxy", "log-proxy"}, {"scheduler", "log-scheduler"},
		{"qix-perf", "log-qix-perf"}, {"user-event", "user-events"},
	} {
		b.Run(k.name, func(b *testing.B) {
			var ev senseevent.Event
			if err := senseevent.Parse(sampleLines(&testing.T{}, k.file)[0], &ev); err != nil {
				b.Fatal(err)
			}
			bb := newBatchBuilder("bench")
			b.ReportAllocs()
			for b.Loop() {
				bb.appendEvent(&ev, "10.0.0.5", 1)
				if bb.count >= defaultBatchSize {
					bb.take()
				}
			}
		})
	}
}
