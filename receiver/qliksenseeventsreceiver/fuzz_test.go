package qliksenseeventsreceiver

import (
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver/internal/metadata"
)

// FuzzHandle runs any datagram through the reader as the socket would hand
// it on, with include_unparsed, so every path is taken: nothing may panic,
// every datagram yields at least one record (an event or its raw line), and
// every text the records carry is valid UTF-8, as OTLP requires.
func FuzzHandle(f *testing.F) {
	for _, file := range []string{"log-engine", "log-proxy", "log-repository", "log-scheduler", "log-qix-perf", "user-events"} {
		lines := sampleLines(&testing.T{}, file)
		for _, l := range lines {
			f.Add([]byte(l))
		}
		// several events in one datagram, and a rejected line before one
		f.Add([]byte(strings.Join(lines, "\r\n")))
		f.Add([]byte("/qseow-unknown/;x\n" + lines[0]))
	}
	// A rejected Windows-1252 line before an event whose text grows when read
	// (every 0xE9 becomes two bytes): the reader once cut the rejected line
	// by the length of the converted rest, and panicked.
	f.Add([]byte("/qseow-engine/;\xff\n/qseow-proxy-session/;P1;Start session;CORP;j\xe9;;;m" + strings.Repeat("\xe9", 40)))
	f.Fuzz(func(t *testing.T, datagram []byte) {
		cfg := createDefaultConfig().(*Config)
		cfg.IncludeUnparsed = true
		r, err := newEventsReceiver(cfg, receivertest.NewNopSettings(metadata.Type), consumertest.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		r.batches = make(chan plog.Logs, 1)
		rd := newReader(r, &replaySocket{datagrams: [][]byte{datagram}, from: netip.MustParseAddr("10.0.0.5")}, nil)
		rd.handleRead(1, pcommon.Timestamp(1_700_000_000_000_000_000))
		rd.flush()
		if len(r.batches) == 0 {
			t.Fatalf("no record for %q", datagram)
		}
		ld := <-r.batches
		if ld.LogRecordCount() == 0 {
			t.Fatalf("no record for %q", datagram)
		}
		for i := range ld.ResourceLogs().Len() {
			records := ld.ResourceLogs().At(i).ScopeLogs().At(0).LogRecords()
			for j := range records.Len() {
				lr := records.At(j)
				if body := lr.Body(); body.Type() == pcommon.ValueTypeStr && !utf8.ValidString(body.Str()) {
					t.Fatalf("body %q is not UTF-8", body.Str())
				}
				for k, v := range lr.Attributes().All() {
					if v.Type() == pcommon.ValueTypeStr && !utf8.ValidString(v.Str()) {
						t.Fatalf("attribute %s %q is not UTF-8", k, v.Str())
					}
				}
			}
		}
	})
}
