package qliksenseeventsreceiver

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"

	"github.com/senseops/senseops-collector/internal/senseevent"
	"github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver/internal/metadatatest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const samplesDir = "../../testdata/udp"

// receiverAttr is on every count of a receiver made with metadatatest.NewSettings.
var receiverAttr = attribute.String("receiver", "qliksense_events")

func sampleLines(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(samplesDir, name+".txt"))
	require.NoError(t, err)
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sc.Text() != "" {
			lines = append(lines, sc.Text())
		}
	}
	require.NoError(t, sc.Err())
	return lines
}

type testReceiver struct {
	*eventsReceiver
	tel    *componenttest.Telemetry
	sender net.Conn
}

// startReceiver runs a receiver on an ephemeral loopback port with a real
// UDP sender pointed at it.
func startReceiver(t *testing.T, mutate func(*Config), next consumer.Logs) *testReceiver {
	t.Helper()
	return startReceiverReading(t, readPath{name: "platform"}, mutate, next)
}

// readPath is a way the receiver reads its socket: open nil is the
// platform's own (recvmmsg on Linux).
type readPath struct {
	name string
	open func(conn *net.UDPConn, bufSize int, dropCounter bool) (datagramSocket, error)
}

// readPaths are the platform's read path and the poller's, which Windows
// and macOS take: on Linux the tests run that one too.
func readPaths() []readPath {
	return []readPath{{name: "platform"}, {name: "poller", open: func(conn *net.UDPConn, bufSize int, _ bool) (datagramSocket, error) {
		return newPollerSocket(conn, bufSize), nil
	}}}
}

func startReceiverReading(t *testing.T, path readPath, mutate func(*Config), next consumer.Logs) *testReceiver {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = "127.0.0.1:0"
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	r, err := newEventsReceiver(cfg, metadatatest.NewSettings(tel), next)
	require.NoError(t, err)
	if path.open != nil {
		r.openSocket = path.open
	}
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })
	sender, err := net.Dial("udp", r.addr.String())
	require.NoError(t, err)
	t.Cleanup(func() { sender.Close() })
	return &testReceiver{eventsReceiver: r, tel: tel, sender: sender}
}

func (tr *testReceiver) send(t *testing.T, datagrams ...string) {
	t.Helper()
	for _, d := range datagrams {
		_, err := tr.sender.Write([]byte(d))
		require.NoError(t, err)
	}
}

func allLogs(sink *consumertest.LogsSink) plog.Logs {
	out := plog.NewLogs()
	for _, ld := range sink.AllLogs() {
		ld.ResourceLogs().MoveAndAppendTo(out.ResourceLogs())
	}
	return out
}

// withoutReceiveTimes zeroes the times the receiver took from its own clock,
// keeping the event times Sense sent, so output can be compared with files.
func withoutReceiveTimes(ld plog.Logs) plog.Logs {
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			sl.Scope().SetVersion("")
			for _, lr := range sl.LogRecords().All() {
				if _, fallback := lr.Attributes().Get(senseevent.AttrTimestampFallback); fallback {
					lr.SetTimestamp(0)
				}
				lr.SetObservedTimestamp(0)
			}
		}
	}
	return ld
}

// TestSamplesEndToEnd sends every sample file through a real socket and
// compares the records with golden files.
func TestSamplesEndToEnd(t *testing.T) {
	for _, path := range readPaths() {
		for _, name := range []string{"log-engine", "log-proxy", "log-repository", "log-scheduler", "log-qix-perf", "user-events", "edge-cases"} {
			t.Run(path.name+"/"+name, func(t *testing.T) { testSampleEndToEnd(t, path, name) })
		}
	}
}

func testSampleEndToEnd(t *testing.T, path readPath, name string) {
	lines := sampleLines(t, name)
	sink := new(consumertest.LogsSink)
	tr := startReceiverReading(t, path, func(c *Config) {
		c.IncludeUnparsed = true // edge-cases has an unknown marker: keep it to see it
		c.Batch.MaxSize = len(lines)
		c.Batch.Timeout = time.Minute
	}, sink)
	tr.send(t, lines...)
	require.Eventually(t, func() bool { return sink.LogRecordCount() == len(lines) }, 5*time.Second, 5*time.Millisecond)
	require.Len(t, sink.AllLogs(), 1, "one batch expected")
	got := withoutReceiveTimes(allLogs(sink))
	goldenFile := filepath.Join("testdata", "golden", name+".yaml")
	if *update {
		require.NoError(t, golden.WriteLogs(t, goldenFile, got))
	}
	want, err := golden.ReadLogs(goldenFile)
	require.NoError(t, err)
	require.NoError(t, plogtest.CompareLogs(want, got))
}

func TestRecordShape(t *testing.T) {
	sink := new(consumertest.LogsSink)
	tr := startReceiver(t, nil, sink)
	lines := append(sampleLines(t, "user-events")[1:2], sampleLines(t, "log-engine")[0])
	before := time.Now()
	tr.send(t, lines...)
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 2 }, 5*time.Second, 5*time.Millisecond)
	ld := allLogs(sink)
	require.Equal(t, 2, ld.ResourceLogs().Len(), "one resource per host and service")

	user := ld.ResourceLogs().At(0)
	host, _ := user.Resource().Attributes().Get("host.name")
	svc, _ := user.Resource().Attributes().Get("service.name")
	assert.Equal(t, "QS-PROXY-01", host.Str())
	assert.Equal(t, "qliksense-proxy", svc.Str())
	lr := user.ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, "qliksense.connection.open", lr.EventName())
	assert.GreaterOrEqual(t, lr.Timestamp().AsTime(), before.Add(-time.Second), "user events carry no time: receive time")
	fallback, _ := lr.Attributes().Get("qliksense.timestamp.fallback")
	assert.Equal(t, "missing", fallback.Str())
	ua, _ := lr.Attributes().Get("user_agent.original")
	assert.Equal(t, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36", ua.Str())
	client, _ := lr.Attributes().Get("client.address")
	assert.Equal(t, "127.0.0.1", client.Str())

	engine := ld.ResourceLogs().At(1).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, time.Date(2024, 3, 12, 9, 15, 42, 118e6, time.UTC), engine.Timestamp().AsTime().UTC(), "Sense's own time, offset applied")
	assert.Equal(t, plog.SeverityNumberWarn, engine.SeverityNumber())
	assert.Equal(t, "WARN", engine.SeverityText())
	row, _ := engine.Attributes().Get("qliksense.log.row")
	assert.Equal(t, int64(57), row.Int())
	_, hasEmpty := engine.Attributes().Get("qliksense.command")
	assert.False(t, hasEmpty, "fields a kind lacks are left out")
}

func TestRejectionsAreCountedAndDropped(t *testing.T) {
	for _, path := range readPaths() {
		for _, keep := range []bool{false, true} {
			t.Run(path.name+"/"+map[bool]string{false: "dropped", true: "include_unparsed"}[keep], func(t *testing.T) { testRejections(t, path, keep) })
		}
	}
}

func testRejections(t *testing.T, path readPath, keep bool) {
	sink := new(consumertest.LogsSink)
	tr := startReceiverReading(t, path, func(c *Config) {
		c.MaxMessageSize = 2000
		c.IncludeUnparsed = keep
		c.Batch.Timeout = 20 * time.Millisecond
	}, sink)
	good := sampleLines(t, "log-proxy")[0]
	bad := []string{
		"",                         // empty
		"\r\n",                     // empty after the line break
		"/qseow-proxy/;\xff\xfe;x", // invalid UTF-8
		"/qseow-printing/;1;2;3",   // unknown marker
		"/qseow-engine/;1;2",       // field count
		"/qseow-proxy/;" + strings.Repeat("x", 2001), // oversized
	}
	tr.send(t, bad[0], good, bad[1], bad[2], good, bad[3], bad[4], bad[5], good)
	want := 3
	if keep {
		want += len(bad)
	}
	require.Eventually(t, func() bool { return sink.LogRecordCount() == want }, 5*time.Second, 5*time.Millisecond)
	reasons := map[string]int64{}
	for _, rl := range allLogs(sink).ResourceLogs().All() {
		for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
			if v, ok := lr.Attributes().Get(senseevent.AttrParseError); ok {
				reasons[v.Str()]++
			}
		}
	}
	if keep {
		assert.Equal(t, map[string]int64{"empty": 2, "invalid_utf8": 1, "unknown_marker": 1, "field_count": 1, "oversized": 1}, reasons)
	} else {
		assert.Empty(t, reasons)
	}
	require.Eventually(t, func() bool {
		_, err := tr.tel.GetMetric("otelcol_receiver_qliksense_events_datagrams_rejected")
		return err == nil
	}, 5*time.Second, 5*time.Millisecond)
	metadatatest.AssertEqualReceiverQliksenseEventsDatagramsRejected(t, tr.tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(receiverAttr, attribute.String("reason", "empty")), Value: 2},
		{Attributes: attribute.NewSet(receiverAttr, attribute.String("reason", "invalid_utf8")), Value: 1},
		{Attributes: attribute.NewSet(receiverAttr, attribute.String("reason", "unknown_marker")), Value: 1},
		{Attributes: attribute.NewSet(receiverAttr, attribute.String("reason", "field_count")), Value: 1},
		{Attributes: attribute.NewSet(receiverAttr, attribute.String("reason", "oversized")), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualReceiverQliksenseEventsDatagramsReceived(t, tr.tel, []metricdata.DataPoint[int64]{{Attributes: attribute.NewSet(receiverAttr), Value: 9}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualReceiverQliksenseEventsRecordsParsed(t, tr.tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(receiverAttr, attribute.String("source", "qseow-proxy")), Value: 3},
	}, metricdatatest.IgnoreTimestamp())
}

// TestBadInputDoesNotBlockGoodInput interleaves a flood of garbage with good
// events: every good event arrives.
func TestBadInputDoesNotBlockGoodInput(t *testing.T) {
	sink := new(consumertest.LogsSink)
	tr := startReceiver(t, func(c *Config) { c.Batch.Timeout = 10 * time.Millisecond }, sink)
	good := sampleLines(t, "log-qix-perf")
	for i := 0; i < 50; i++ {
		tr.send(t, "garbage "+strings.Repeat(";", i), good[i%len(good)], "\x00\x01\x02")
		if i%10 == 9 { // let the receiver drain, so the kernel buffer never overflows
			require.Eventually(t, func() bool { return sink.LogRecordCount() == i+1 }, 5*time.Second, time.Millisecond)
		}
	}
	require.Equal(t, 50, sink.LogRecordCount())
}

func TestFlagsAmbiguousAndInvalid(t *testing.T) {
	sink := new(consumertest.LogsSink)
	tr := startReceiver(t, func(c *Config) { c.Batch.Timeout = 10 * time.Millisecond }, sink)
	head := "/qseow-proxy/;1;20240312T101542.118+0100;2024-03-12 10:15:42,118;WARN;H;L;U;"
	tr.send(t,
		head+"one; two;three;D;u;C;abc;O;/hub/",                                                  // ambiguous split, non-numeric result code
		strings.Replace(head, "20240312T101542.118+0100", "yesterday", 1)+"m;;D;u;C;200;O;/hub/", // invalid time
	)
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 2 }, 5*time.Second, 5*time.Millisecond)
	recs := allLogs(sink).ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	amb, _ := recs.At(0).Attributes().Get(senseevent.AttrParseAmbiguous)
	assert.Equal(t, "message_exception_split", amb.Str())
	inv, _ := recs.At(0).Attributes().Get(senseevent.AttrParseInvalid)
	assert.Equal(t, map[string]any{"qliksense.result_code": "abc"}, inv.Map().AsRaw())
	fallback, _ := recs.At(1).Attributes().Get(senseevent.AttrTimestampFallback)
	assert.Equal(t, "invalid", fallback.Str())
	inv, _ = recs.At(1).Attributes().Get(senseevent.AttrParseInvalid)
	assert.Equal(t, map[string]any{"qliksense.timestamp": "yesterday"}, inv.Map().AsRaw())
	assert.NotZero(t, recs.At(1).Timestamp())
	require.Eventually(t, func() bool {
		_, err := tr.tel.GetMetric("otelcol_receiver_qliksense_events_records_flagged")
		return err == nil
	}, 5*time.Second, 5*time.Millisecond)
	metadatatest.AssertEqualReceiverQliksenseEventsRecordsFlagged(t, tr.tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(receiverAttr, attribute.String("issue", "ambiguous")), Value: 1},
		{Attributes: attribute.NewSet(receiverAttr, attribute.String("issue", "invalid_field")), Value: 2},
		{Attributes: attribute.NewSet(receiverAttr, attribute.String("issue", "timestamp_invalid")), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
}

// TestUserEventsWithEmptyFieldsAreKept: a user event whose origin, context,
// app or message is empty still becomes a record (Butler SOS skips the
// InfluxDB point when origin is empty); the empty fields are left out.
func TestUserEventsWithEmptyFieldsAreKept(t *testing.T) {
	const session = "c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d10"
	tests := []struct {
		name      string
		line      string
		eventName string
		absent    []string
	}{
		{"no origin", "/qseow-proxy-session/;QS-PROXY-01;Start session;CORP;jdoe;;/hub/;Start session for user 'CORP\\jdoe' (session '" + session + "')",
			"qliksense.session.start", []string{senseevent.AttrOrigin, senseevent.AttrAppID}},
		{"no origin, context or message", "/qseow-proxy-session/;QS-PROXY-01;Stop session;CORP;jdoe;;;",
			"qliksense.session.stop", []string{senseevent.AttrOrigin, senseevent.AttrContext, senseevent.AttrAppID, senseevent.AttrSessionID}},
		{"no app id in the context", "/qseow-proxy-connection/;QS-PROXY-01;Open connection;CORP;jdoe;AppAccess;/hub/;Websocket connection Opened for session '" + session + "'",
			"qliksense.connection.open", []string{senseevent.AttrAppID, senseevent.AttrUserAgentOriginal}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			tr := startReceiver(t, func(c *Config) { c.Batch.Timeout = 10 * time.Millisecond }, sink)
			tr.send(t, tt.line)
			require.Eventually(t, func() bool { return sink.LogRecordCount() == 1 }, 5*time.Second, 5*time.Millisecond)
			lr := allLogs(sink).ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
			assert.Equal(t, tt.eventName, lr.EventName())
			user, _ := lr.Attributes().Get(senseevent.AttrUserID)
			assert.Equal(t, "CORP\\jdoe", user.Str())
			for _, k := range tt.absent {
				_, ok := lr.Attributes().Get(k)
				assert.False(t, ok, "%s is left out, not sent empty", k)
			}
		})
	}
}

func TestAllowedSources(t *testing.T) {
	good := sampleLines(t, "log-engine")[0]
	t.Run("sender allowed", func(t *testing.T) {
		sink := new(consumertest.LogsSink)
		tr := startReceiver(t, func(c *Config) { c.AllowedSources = []string{"10.0.0.0/8", "127.0.0.1"} }, sink)
		tr.send(t, good)
		require.Eventually(t, func() bool { return sink.LogRecordCount() == 1 }, 5*time.Second, 5*time.Millisecond)
	})
	t.Run("sender not allowed", func(t *testing.T) {
		sink := new(consumertest.LogsSink)
		tr := startReceiver(t, func(c *Config) {
			c.AllowedSources = []string{"10.0.0.0/8"}
			c.IncludeUnparsed = true // never keeps a stranger's datagrams
			c.Batch.Timeout = 10 * time.Millisecond
		}, sink)
		tr.send(t, good, good)
		require.Eventually(t, func() bool {
			_, err := tr.tel.GetMetric("otelcol_receiver_qliksense_events_datagrams_rejected")
			return err == nil
		}, 5*time.Second, 5*time.Millisecond)
		metadatatest.AssertEqualReceiverQliksenseEventsDatagramsRejected(t, tr.tel, []metricdata.DataPoint[int64]{
			{Attributes: attribute.NewSet(receiverAttr, attribute.String("reason", "source_not_allowed")), Value: 2},
		}, metricdatatest.IgnoreTimestamp())
		assert.Zero(t, sink.LogRecordCount())
	})
	t.Run("host name resolved at start", func(t *testing.T) {
		sink := new(consumertest.LogsSink)
		tr := startReceiver(t, func(c *Config) { c.AllowedSources = []string{"localhost"} }, sink)
		tr.send(t, good)
		require.Eventually(t, func() bool { return sink.LogRecordCount() == 1 }, 5*time.Second, 5*time.Millisecond)
	})
}

type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := f[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

func TestSourceFilter(t *testing.T) {
	r := fakeResolver{"sense1.corp": {netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("2001:db8::10")}}
	f, err := newSourceFilter(context.Background(), []string{"sense1.corp", "typo.corp", "198.51.100.0/24", "::ffff:203.0.113.7", "::ffff:100.64.0.0/112"}, r, zap.NewNop())
	require.NoError(t, err)
	for addr, want := range map[string]bool{
		"192.0.2.10": true, "2001:db8::10": true, "198.51.100.77": true, "203.0.113.7": true,
		"::ffff:192.0.2.10": true, "100.64.0.9": true, "100.65.0.9": false, "192.0.2.11": false, "10.0.0.1": false,
	} {
		assert.Equal(t, want, f.allows(netip.MustParseAddr(addr)), addr)
	}
	// Windows, and every platform reading through the poller, gives a
	// link-local IPv6 sender its zone; a prefix never matches an address
	// with one, so such senders were rejected whatever the list said.
	f, err = newSourceFilter(context.Background(), []string{"fe80::/10", "fe80::1%eth0"}, r, zap.NewNop())
	require.NoError(t, err)
	for addr, want := range map[string]bool{
		"fe80::1": true, "fe80::1%12": true, "fe80::2%eth1": true, "fd00::1%12": false,
	} {
		assert.Equal(t, want, f.allows(netip.MustParseAddr(addr)), addr)
	}
	_, err = newSourceFilter(context.Background(), []string{"typo.corp", "other.typo"}, r, zap.NewNop())
	require.ErrorContains(t, err, "allowed_sources: none of the 2 entries resolved")
	f, err = newSourceFilter(context.Background(), nil, r, zap.NewNop())
	require.NoError(t, err)
	require.Nil(t, f)
}

func TestRefusesToStartWhenNoSourceResolves(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = "127.0.0.1:0"
	cfg.AllowedSources = []string{"no-such-host.invalid"}
	r, err := newEventsReceiver(cfg, metadatatest.NewSettings(componenttest.NewTelemetry()), consumertest.NewNop())
	require.NoError(t, err)
	err = r.Start(context.Background(), componenttest.NewNopHost())
	require.ErrorContains(t, err, "refusing to start")
	require.NoError(t, r.Shutdown(context.Background()))
}

func TestStartFailsOnBusyPort(t *testing.T) {
	busy, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = busy.LocalAddr().String()
	r, err := newEventsReceiver(cfg, metadatatest.NewSettings(componenttest.NewTelemetry()), consumertest.NewNop())
	require.NoError(t, err)
	require.ErrorContains(t, r.Start(context.Background(), componenttest.NewNopHost()), "listening on")
}

// blockingSink holds every batch until released, like a slow exporter.
type blockingSink struct {
	consumertest.LogsSink
	release chan struct{}
	once    sync.Once
}

func (b *blockingSink) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	<-b.release
	return b.LogsSink.ConsumeLogs(ctx, ld)
}

// TestShutdownDeliversWhatWasRead: batches queued behind a slow consumer
// and the open, partly filled batch are all delivered on shutdown.
func TestShutdownDeliversWhatWasRead(t *testing.T) {
	sink := &blockingSink{release: make(chan struct{})}
	tr := startReceiver(t, func(c *Config) {
		c.Batch.MaxSize = 10
		c.Batch.Timeout = time.Hour // only size or shutdown flushes
	}, sink)
	releaseSink := func() { sink.once.Do(func() { close(sink.release) }) }
	// A failed check must not leave the shutdown blocked: cleanups run last
	// registered first, so this one, registered after startReceiver's, runs
	// before that shuts the receiver down.
	t.Cleanup(releaseSink)
	lines := sampleLines(t, "log-qix-perf")
	full := (queuedBatches + 1) * 10 // full batches: one held by the consumer, the rest queued
	for i := 0; i < full; i++ {
		tr.send(t, lines[i%len(lines)])
	}
	require.Eventually(t, func() bool { return len(tr.batches) == queuedBatches }, 5*time.Second, time.Millisecond)
	tr.send(t, lines[0], lines[1], lines[2]) // a partial batch
	// The partial batch is in the reader once the socket's queue is empty.
	require.Eventually(t, func() bool { return socketQueueEmpty(t, tr.sockets[0]) }, 5*time.Second, time.Millisecond)
	done := make(chan error)
	go func() { done <- tr.Shutdown(context.Background()) }()
	releaseSink()
	require.NoError(t, <-done)
	assert.Equal(t, full+3, sink.LogRecordCount())
}

// TestShutdownReadsWhatIsQueued: datagrams still in the socket when the
// receiver stops (here behind a reader held up by the pipeline; in service,
// what came in during the pause after a read) are read and delivered, not
// discarded with the socket. Every restart lost up to 100 ms of events.
func TestShutdownReadsWhatIsQueued(t *testing.T) {
	for _, path := range readPaths() {
		t.Run(path.name, func(t *testing.T) {
			sink := &blockingSink{release: make(chan struct{})}
			tr := startReceiverReading(t, path, func(c *Config) { c.Batch.MaxSize = 1 }, sink)
			releaseSink := func() { sink.once.Do(func() { close(sink.release) }) }
			t.Cleanup(releaseSink)
			lines := sampleLines(t, "log-qix-perf")
			// One record with the consumer, queuedBatches queued, and the
			// reader waiting to queue one more: it reads nothing now.
			for i := range queuedBatches + 2 {
				tr.send(t, lines[i%len(lines)])
			}
			require.Eventually(t, func() bool { return len(tr.batches) == queuedBatches }, 5*time.Second, time.Millisecond)
			const queued = 2 * readBatch
			for i := range queued {
				tr.send(t, lines[i%len(lines)])
			}
			done := make(chan error)
			go func() { done <- tr.Shutdown(context.Background()) }()
			require.Eventually(t, func() bool { return socketStopped(tr.sockets[0]) }, 5*time.Second, time.Millisecond)
			releaseSink() // the reader goes on only now, with the socket stopped
			require.NoError(t, <-done)
			assert.Equal(t, queuedBatches+2+queued, sink.LogRecordCount(), "every datagram sent before the stop is delivered")
		})
	}
}

func TestIPv6Endpoint(t *testing.T) {
	if c, err := net.ListenPacket("udp6", "[::1]:0"); err != nil {
		t.Skip("no IPv6 loopback on this machine")
	} else {
		c.Close()
	}
	sink := new(consumertest.LogsSink)
	tr := startReceiver(t, func(c *Config) { c.Endpoint = "[::1]:0"; c.AllowedSources = []string{"::1"} }, sink)
	tr.send(t, sampleLines(t, "log-engine")...)
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 3 }, 5*time.Second, 5*time.Millisecond)
	client, _ := allLogs(sink).ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Get("client.address")
	assert.Equal(t, "::1", client.Str())
}

// TestSeveralReaders: readers sockets share the port; datagrams from many
// senders (which the kernel spreads across the sockets) all arrive.
func TestSeveralReaders(t *testing.T) {
	if !reusePortSupported {
		t.Skip("SO_REUSEPORT is not available on this platform")
	}
	sink := new(consumertest.LogsSink)
	tr := startReceiver(t, func(c *Config) { c.Readers = 3; c.Batch.Timeout = 10 * time.Millisecond }, sink)
	require.Len(t, tr.sockets, 3)
	lines := sampleLines(t, "log-qix-perf")
	const senders, each = 12, 20
	for s := 0; s < senders; s++ {
		conn, err := net.Dial("udp", tr.addr.String())
		require.NoError(t, err)
		for i := 0; i < each; i++ {
			_, err := conn.Write([]byte(lines[i%len(lines)]))
			require.NoError(t, err)
		}
		conn.Close()
	}
	require.Eventually(t, func() bool { return sink.LogRecordCount() == senders*each }, 10*time.Second, 5*time.Millisecond)
}

// TestShutdownHonoursItsContext: with the pipeline stalled and the queue
// full, Shutdown gives up when its context ends instead of hanging, and says
// that it dropped what it could not deliver.
func TestShutdownHonoursItsContext(t *testing.T) {
	sink := &blockingSink{release: make(chan struct{})}
	defer close(sink.release)
	tr := startReceiver(t, func(c *Config) { c.Batch.MaxSize = 1 }, sink)
	lines := sampleLines(t, "log-qix-perf")
	// One held by the consumer, a full queue, and one the reader is blocked
	// handing on: it has then read every datagram, however the kernel split
	// them into reads (with more, some could stay in the socket).
	for i := 0; i < queuedBatches+2; i++ {
		tr.send(t, lines[i%len(lines)])
	}
	require.Eventually(t, func() bool { return len(tr.batches) == queuedBatches }, 5*time.Second, time.Millisecond)
	require.Eventually(t, func() bool { return socketQueueEmpty(t, tr.sockets[0]) }, 5*time.Second, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- tr.Shutdown(ctx) }()
	select {
	case err := <-done:
		require.ErrorContains(t, err, "shutdown ran out of time")
		// All but the record the consumer holds: the one the reader could
		// not hand on and the queued ones, which the warning used to leave
		// out (the sender drops those only once the consumer returns).
		const dropped = queuedBatches + 1
		assert.Equal(t, int64(dropped), tr.droppedOnAbort.Load(), "what could not be handed on is counted")
		refused, err := tr.tel.GetMetric("otelcol_receiver_refused_log_records")
		require.NoError(t, err, "and reported as refused")
		assert.Equal(t, int64(dropped), refused.Data.(metricdata.Sum[int64]).DataPoints[0].Value)
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown ignored its context")
	}
}

// TestShutdownOutOfTimeStopsReading: once Shutdown's context has ended, the
// readers stop, even while a sender keeps the socket full: reading what is
// queued at stop (drainFor) is for a shutdown that delivers, not for one
// that could only drop what it reads.
func TestShutdownOutOfTimeStopsReading(t *testing.T) {
	for _, path := range readPaths() {
		t.Run(path.name, func(t *testing.T) {
			sink := &blockingSink{release: make(chan struct{})}
			defer close(sink.release)
			tr := startReceiverReading(t, path, func(c *Config) { c.Batch.MaxSize = 1 }, sink)
			line := sampleLines(t, "log-qix-perf")[0]
			stop := make(chan struct{})
			sending := make(chan struct{})
			go func() {
				defer close(sending)
				for {
					select {
					case <-stop:
						return
					default:
						_, _ = tr.sender.Write([]byte(line))
						time.Sleep(100 * time.Microsecond)
					}
				}
			}()
			defer func() { close(stop); <-sending }()
			require.Eventually(t, func() bool { return len(tr.batches) == queuedBatches }, 5*time.Second, time.Millisecond)
			const timeout = 100 * time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			require.ErrorContains(t, tr.Shutdown(ctx), "shutdown ran out of time")
			// Reading on until drainFor ran out took timeout+drainFor.
			assert.Less(t, time.Since(start), timeout+drainFor*3/5, "the readers stopped when the shutdown ran out of time")
		})
	}
}

// TestTelemetrySaysWhichReceiver: with two receivers in one collector (the
// log and user ports, as Butler SOS splits them), each one's own counters can
// be told apart by the receiver attribute, as the standard receiver metrics are.
func TestTelemetrySaysWhichReceiver(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	sinks := map[string]*consumertest.LogsSink{}
	lines := map[string]string{"log": sampleLines(t, "log-engine")[0], "user": sampleLines(t, "user-events")[0]}
	for _, name := range []string{"log", "user"} {
		cfg := createDefaultConfig().(*Config)
		cfg.Endpoint = "127.0.0.1:0"
		cfg.Batch.Timeout = 10 * time.Millisecond
		set := metadatatest.NewSettings(tel)
		set.ID = component.NewIDWithName(set.ID.Type(), name)
		sinks[name] = new(consumertest.LogsSink)
		r, err := newEventsReceiver(cfg, set, sinks[name])
		require.NoError(t, err)
		require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
		t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })
		conn, err := net.Dial("udp", r.addr.String())
		require.NoError(t, err)
		defer conn.Close()
		n := map[string]int{"log": 1, "user": 2}[name]
		for i := 0; i < n; i++ {
			_, err = conn.Write([]byte(lines[name]))
			require.NoError(t, err)
		}
		_, err = conn.Write([]byte("garbage"))
		require.NoError(t, err)
		require.Eventually(t, func() bool { return sinks[name].LogRecordCount() == n }, 5*time.Second, 5*time.Millisecond)
	}
	log := attribute.String("receiver", "qliksense_events/log")
	user := attribute.String("receiver", "qliksense_events/user")
	require.Eventually(t, func() bool {
		m, err := tel.GetMetric("otelcol_receiver_qliksense_events_datagrams_rejected")
		return err == nil && len(m.Data.(metricdata.Sum[int64]).DataPoints) == 2
	}, 5*time.Second, 5*time.Millisecond)
	metadatatest.AssertEqualReceiverQliksenseEventsDatagramsReceived(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(log), Value: 2},
		{Attributes: attribute.NewSet(user), Value: 3},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualReceiverQliksenseEventsDatagramsRejected(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(log, attribute.String("reason", "unknown_marker")), Value: 1},
		{Attributes: attribute.NewSet(user, attribute.String("reason", "unknown_marker")), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualReceiverQliksenseEventsRecordsParsed(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(log, attribute.String("source", "qseow-engine")), Value: 1},
		{Attributes: attribute.NewSet(user, attribute.String("source", "qseow-proxy-session")), Value: 2},
	}, metricdatatest.IgnoreTimestamp())
}

// errSink refuses every batch with err, counting the attempts.
type errSink struct {
	err   error
	calls atomic.Int64
}

func (s *errSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (s *errSink) ConsumeLogs(context.Context, plog.Logs) error {
	s.calls.Add(1)
	return s.err
}

// TestRefusedBatchesAreCountedNotRetried: a pipeline that refuses batches,
// permanently or not, gets each batch once (UDP cannot be replayed, and a
// retry would spin); the records are counted as refused and the receiver
// keeps going.
func TestRefusedBatchesAreCountedNotRetried(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
	}{
		{"retryable", errors.New("memory limit exceeded")},
		{"permanent", consumererror.NewPermanent(errors.New("bad data"))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sink := &errSink{err: tt.err}
			tr := startReceiver(t, func(c *Config) { c.Batch.MaxSize = 2; c.Batch.Timeout = time.Hour }, sink)
			lines := sampleLines(t, "log-qix-perf")
			for i := 0; i < 6; i++ {
				tr.send(t, lines[i%len(lines)])
			}
			require.Eventually(t, func() bool { return sink.calls.Load() == 3 }, 5*time.Second, 5*time.Millisecond)
			require.Eventually(t, func() bool {
				_, err := tr.tel.GetMetric("otelcol_receiver_refused_log_records")
				return err == nil
			}, 5*time.Second, 5*time.Millisecond)
			time.Sleep(50 * time.Millisecond)
			assert.Equal(t, int64(3), sink.calls.Load(), "no batch is retried")
			refused, err := tr.tel.GetMetric("otelcol_receiver_refused_log_records")
			require.NoError(t, err)
			require.Len(t, refused.Data.(metricdata.Sum[int64]).DataPoints, 1)
			assert.Equal(t, int64(6), refused.Data.(metricdata.Sum[int64]).DataPoints[0].Value)
			accepted, err := tr.tel.GetMetric("otelcol_receiver_accepted_log_records")
			require.NoError(t, err)
			assert.Equal(t, int64(0), accepted.Data.(metricdata.Sum[int64]).DataPoints[0].Value)
		})
	}
}

// TestNoStartAfterShutdown: a receiver that was shut down refuses to start
// again, with a clear error, rather than starting readers on its closed
// sockets and then never letting go of the port; the port is free after
// the first Shutdown. (The collector creates a new receiver to restart.)
func TestNoStartAfterShutdown(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = "127.0.0.1:0"
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	r, err := newEventsReceiver(cfg, metadatatest.NewSettings(tel), new(consumertest.LogsSink))
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	addr := r.addr.String()
	require.NoError(t, r.Shutdown(context.Background()))
	assert.ErrorContains(t, r.Start(context.Background(), componenttest.NewNopHost()), "cannot be started again")
	require.NoError(t, r.Shutdown(context.Background()))
	free, err := net.ListenPacket("udp", addr)
	require.NoError(t, err, "the port is free")
	require.NoError(t, free.Close())
}

// TestStartAfterFailedStart: a receiver whose Start failed (port in use)
// starts once the port is free, and Shutdown after a failed Start is clean.
func TestStartAfterFailedStart(t *testing.T) {
	busy, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = busy.LocalAddr().String()
	cfg.Batch.Timeout = 10 * time.Millisecond
	sink := new(consumertest.LogsSink)
	r, err := newEventsReceiver(cfg, metadatatest.NewSettings(componenttest.NewTelemetry()), sink)
	require.NoError(t, err)
	require.ErrorContains(t, r.Start(context.Background(), componenttest.NewNopHost()), "the port is in use")
	require.NoError(t, r.Shutdown(context.Background()))
	require.NoError(t, busy.Close())
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, r.Shutdown(context.Background())) }()
	conn, err := net.Dial("udp", cfg.Endpoint)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte(sampleLines(t, "log-engine")[0]))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 1 }, 5*time.Second, 5*time.Millisecond)
}

// TestStartFailsOnPortInUse: a port another socket holds fails Start with the
// endpoint and the reason, whatever readers is; several readers share the port
// (SO_REUSEPORT) only among themselves, not with another receiver or process
// that also uses SO_REUSEPORT (which would silently take a share of the senders).
func TestStartFailsOnPortInUse(t *testing.T) {
	tests := []struct {
		name          string
		holderReaders int // 0: a plain socket holds the port
		readers       int
	}{
		{"plain socket, one reader", 0, 1},
		{"plain socket, several readers", 0, 2},
		{"another receiver with several readers, one reader", 2, 1},
		{"another receiver with several readers, several readers", 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (tt.holderReaders > 1 || tt.readers > 1) && !reusePortSupported {
				t.Skip("SO_REUSEPORT is not available on this platform")
			}
			var endpoint string
			if tt.holderReaders == 0 {
				busy, err := net.ListenPacket("udp", "127.0.0.1:0")
				require.NoError(t, err)
				defer busy.Close()
				endpoint = busy.LocalAddr().String()
			} else {
				holder := startReceiver(t, func(c *Config) { c.Readers = tt.holderReaders }, consumertest.NewNop())
				endpoint = holder.addr.String()
			}
			cfg := createDefaultConfig().(*Config)
			cfg.Endpoint = endpoint
			cfg.Readers = tt.readers
			r, err := newEventsReceiver(cfg, metadatatest.NewSettings(componenttest.NewTelemetry()), consumertest.NewNop())
			require.NoError(t, err)
			err = r.Start(context.Background(), componenttest.NewNopHost())
			if err == nil {
				require.NoError(t, r.Shutdown(context.Background()))
			}
			require.ErrorContains(t, err, "listening on "+endpoint)
			require.ErrorContains(t, err, "the port is in use") // in every platform's wording of EADDRINUSE
			require.NoError(t, r.Shutdown(context.Background()))
		})
	}
}

// TestUnparsedRecords: with include_unparsed, a datagram that is not an event
// is forwarded with its reason; a body that is valid UTF-8 is a string, any
// other the bytes as received.
func TestUnparsedRecords(t *testing.T) {
	tests := []struct {
		name      string
		datagram  string
		reason    string
		source    string // "": not known
		bytesBody bool
	}{
		{"unknown marker", "/qseow-printing/;1;2;3", "unknown_marker", "", false},
		{"field count", "/qseow-engine/;1;2", "field_count", "qseow-engine", false},
		{"invalid UTF-8", "/qseow-proxy/;\xff\xfe;x", "invalid_utf8", "", true},
		{"empty", "", "empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			tr := startReceiver(t, func(c *Config) { c.IncludeUnparsed = true; c.Batch.Timeout = 10 * time.Millisecond }, sink)
			tr.send(t, tt.datagram)
			require.Eventually(t, func() bool { return sink.LogRecordCount() == 1 }, 5*time.Second, 5*time.Millisecond)
			lr := allLogs(sink).ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
			if tt.bytesBody {
				assert.Equal(t, pcommon.ValueTypeBytes, lr.Body().Type())
				assert.Equal(t, []byte(tt.datagram), lr.Body().Bytes().AsRaw())
			} else {
				assert.Equal(t, pcommon.ValueTypeStr, lr.Body().Type())
				assert.Equal(t, tt.datagram, lr.Body().Str())
			}
			reason, _ := lr.Attributes().Get(senseevent.AttrParseError)
			assert.Equal(t, tt.reason, reason.Str())
			client, _ := lr.Attributes().Get(senseevent.AttrClientAddress)
			assert.Equal(t, "127.0.0.1", client.Str())
			source, ok := lr.Attributes().Get(senseevent.AttrSource)
			assert.Equal(t, tt.source != "", ok)
			assert.Equal(t, tt.source, source.Str())
			assert.NotZero(t, lr.Timestamp())
		})
	}
}

// TestRealWorldDatagrams sends what real Sense servers send beyond the
// samples and checks the records and the counters: an appender without
// encoding="utf-8" (log4net then sends Windows-1252), log4net's "(null)" for
// properties not set, Qlik's "UserDirectory=X; UserId=Y" user form, a
// trailing line break, and levels other than WARN/ERROR.
func TestRealWorldDatagrams(t *testing.T) {
	const (
		head  = "1;20240312T101542.118+0100;2024-03-12 10:15:42,118;"
		guidA = "c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d10"
		guidB = "5b817efe-472d-43ce-8a31-6cce34af7de9"
	)
	tests := []struct {
		name     string
		datagram string
		severity plog.SeverityNumber
		body     string
		attrs    map[string]any // expected values; nil: must be absent
	}{
		{"Windows-1252 user and message", "/qseow-proxy/;" + head + "WARN;QS-PROXY-01;Audit.Proxy;CORP\\svc;Zugriff f\xfcr J\xf6rg verweigert;;CORP;j\xf6rg;Check access;403;AppAccess;/hub/",
			plog.SeverityNumberWarn, "Zugriff für Jörg verweigert",
			map[string]any{senseevent.AttrUserID: `CORP\jörg`, senseevent.AttrUserName: "jörg", senseevent.AttrResultCode: int64(403)}},
		{"Windows-1252 user event", "/qseow-proxy-session/;QS-PROXY-01;Start session;CORP;M\xfcller;AppAccess;/hub/;Start session for user 'CORP\\M\xfcller'",
			plog.SeverityNumberUnspecified, `Start session for user 'CORP\Müller'`,
			map[string]any{senseevent.AttrUserID: `CORP\Müller`, senseevent.AttrAction: "session.start"}},
		{"(null) properties", "/qseow-engine/;" + head + "TRACE;QS-CENTRAL-01;System.Engine.Engine;CORP\\svc;m;(null);(null);(null);(null);(null);(null);(null);(null);(null);(null)\r\n",
			plog.SeverityNumberTrace, "m",
			map[string]any{senseevent.AttrUserID: nil, senseevent.AttrUserDirectory: nil, senseevent.AttrEngineTimestamp: nil,
				senseevent.AttrEngineVersion: nil, senseevent.AttrParseInvalid: nil, senseevent.AttrActivitySource: nil}},
		{"scheduler user in Qlik's form", "/qseow-scheduler/;" + head + "FATAL;QS-CENTRAL-01;System.Scheduler;CORP\\svc;Reload failed;;;;UserDirectory=INTERNAL; UserId=sa_scheduler;Reload of Sales;Sales;" + guidA + ";" + guidB + ";" + guidA,
			plog.SeverityNumberFatal, "Reload failed",
			map[string]any{senseevent.AttrUserID: `INTERNAL\sa_scheduler`, senseevent.AttrUserDirectory: "INTERNAL", senseevent.AttrUserName: "sa_scheduler",
				senseevent.AttrParseAmbiguous: nil, senseevent.AttrTaskName: "Reload of Sales"}},
		{"engine SessionId 0 during a reload", "/qseow-engine/;" + head + "ERROR;QS-CENTRAL-01;System.Engine.Engine;CORP\\svc;m;0;INTERNAL;sa_scheduler;ts;;14.187.4;st;Server;0;" + guidB,
			plog.SeverityNumberError, "m",
			map[string]any{senseevent.AttrActivitySource: "non-user", senseevent.AttrParseInvalid: nil, senseevent.AttrEngineSessionID: nil, senseevent.AttrAppID: guidB}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			tr := startReceiver(t, func(c *Config) { c.Batch.Timeout = 10 * time.Millisecond }, sink)
			tr.send(t, tt.datagram)
			require.Eventually(t, func() bool { return sink.LogRecordCount() == 1 }, 5*time.Second, 5*time.Millisecond)
			lr := allLogs(sink).ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
			assert.Equal(t, tt.severity, lr.SeverityNumber())
			assert.Equal(t, tt.body, lr.Body().Str())
			for k, want := range tt.attrs {
				v, ok := lr.Attributes().Get(k)
				if want == nil {
					assert.False(t, ok, "%s is left out", k)
					continue
				}
				assert.Equal(t, want, v.AsRaw(), k)
			}
			_, flagged := tr.tel.GetMetric("otelcol_receiver_qliksense_events_records_flagged")
			assert.Error(t, flagged, "nothing to flag")
			_, rejected := tr.tel.GetMetric("otelcol_receiver_qliksense_events_datagrams_rejected")
			assert.Error(t, rejected, "nothing rejected")
		})
	}
}

// TestSeveralEventsInOneDatagram: a relay that joins lines sends several
// events in one datagram; each becomes its own record, with its own
// ObservedTimestamp, and is counted by kind (the datagram once).
func TestSeveralEventsInOneDatagram(t *testing.T) {
	sink := new(consumertest.LogsSink)
	tr := startReceiver(t, func(c *Config) { c.Batch.Timeout = 10 * time.Millisecond; c.IncludeUnparsed = true }, sink)
	proxy := sampleLines(t, "log-proxy")[0]
	users := sampleLines(t, "user-events")
	tr.send(t, proxy+"\r\n"+users[0]+"\r\n"+users[3]+"\r\n", "/qseow-engine/;1;2\n"+users[1])
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 5 }, 5*time.Second, 5*time.Millisecond)
	observed := map[pcommon.Timestamp]bool{}
	var bodies []string
	for _, rl := range allLogs(sink).ResourceLogs().All() {
		for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
			observed[lr.ObservedTimestamp()] = true
			bodies = append(bodies, lr.Body().Str())
		}
	}
	assert.Len(t, observed, 5, "every record has its own ObservedTimestamp")
	assert.ElementsMatch(t, []string{
		"Access was denied for User: 'CORP\\guest1', with AccessID '7a9d0e12', SessionID: 'c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d10', SessionCreated: '2024-03-12 10:05:01', Resource: '/app/5b817efe-472d-43ce-8a31-6cce34af7de9'",
		"Start session for user 'CORP\\jdoe' (session 'c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d10')",
		"Stop session for user 'CORP\\jdoe' (session 'c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d10')",
		"/qseow-engine/;1;2",
		users[1][strings.LastIndexByte(users[1][:strings.Index(users[1], "Websocket")], ';')+1:],
	}, bodies)
	require.Eventually(t, func() bool {
		_, err := tr.tel.GetMetric("otelcol_receiver_qliksense_events_datagrams_rejected")
		return err == nil
	}, 5*time.Second, 5*time.Millisecond)
	metadatatest.AssertEqualReceiverQliksenseEventsDatagramsReceived(t, tr.tel, []metricdata.DataPoint[int64]{{Attributes: attribute.NewSet(receiverAttr), Value: 2}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualReceiverQliksenseEventsDatagramsRejected(t, tr.tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(receiverAttr, attribute.String("reason", "field_count")), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualReceiverQliksenseEventsRecordsParsed(t, tr.tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(receiverAttr, attribute.String("source", "qseow-proxy")), Value: 1},
		{Attributes: attribute.NewSet(receiverAttr, attribute.String("source", "qseow-proxy-session")), Value: 2},
		{Attributes: attribute.NewSet(receiverAttr, attribute.String("source", "qseow-proxy-connection")), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
}

// TestEventsAfterAFullBatchInOneDatagram: when a batch fills in the middle of
// a datagram that holds several events, the events after it wait at most
// batch.timeout, as every record does, and are not left until the next
// datagram comes (here none does). So are their counts.
func TestEventsAfterAFullBatchInOneDatagram(t *testing.T) {
	for _, path := range readPaths() {
		t.Run(path.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			tr := startReceiverReading(t, path, func(c *Config) { c.Batch.MaxSize = 2; c.Batch.Timeout = 10 * time.Millisecond }, sink)
			users := sampleLines(t, "user-events")
			tr.send(t, users[0]+"\n"+users[1]+"\n/qseow-engine/;1;2\n"+users[2])
			require.Eventually(t, func() bool { return sink.LogRecordCount() == 3 }, 2*time.Second, 5*time.Millisecond,
				"the event after the full batch is delivered within batch.timeout")
			require.Eventually(t, func() bool {
				_, err := tr.tel.GetMetric("otelcol_receiver_qliksense_events_datagrams_rejected")
				return err == nil
			}, 2*time.Second, 5*time.Millisecond, "the rejected line after the full batch is counted")
			metadatatest.AssertEqualReceiverQliksenseEventsDatagramsRejected(t, tr.tel, []metricdata.DataPoint[int64]{
				{Attributes: attribute.NewSet(receiverAttr, attribute.String("reason", "field_count")), Value: 1},
			}, metricdatatest.IgnoreTimestamp())
		})
	}
}

// TestUnparsedLineOfSeveral: when a datagram holds several events and one is
// rejected, include_unparsed keeps that line as it came, whatever follows:
// a trailing line break, a line in Windows-1252 (whose text is longer once
// read), an unknown marker before a known one. And the reader survives it.
func TestUnparsedLineOfSeveral(t *testing.T) {
	users := sampleLines(t, "user-events")
	tests := []struct {
		name     string
		datagram string
		raw      string
		bytes    bool
		reason   string
	}{
		{"CRLF after the last line", "/qseow-engine/;1;2\n" + users[0] + "\r\n", "/qseow-engine/;1;2", false, "field_count"},
		{"Windows-1252", "/qseow-engine/;\xff\n" + users[0] + " " + strings.Repeat("\xe9", 64), "/qseow-engine/;\xff", true, "invalid_utf8"},
		{"unknown marker first", "/qseow-printing/;1;2\r\n" + users[0], "/qseow-printing/;1;2", false, "unknown_marker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			tr := startReceiver(t, func(c *Config) { c.IncludeUnparsed = true; c.Batch.Timeout = 10 * time.Millisecond }, sink)
			tr.send(t, tt.datagram)
			require.Eventually(t, func() bool { return sink.LogRecordCount() == 2 }, 5*time.Second, 5*time.Millisecond)
			var raw, event plog.LogRecord
			for _, rl := range allLogs(sink).ResourceLogs().All() {
				for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
					if _, ok := lr.Attributes().Get(senseevent.AttrParseError); ok {
						raw = lr
					} else {
						event = lr
					}
				}
			}
			reason, _ := raw.Attributes().Get(senseevent.AttrParseError)
			assert.Equal(t, tt.reason, reason.Str())
			if tt.bytes {
				assert.Equal(t, []byte(tt.raw), raw.Body().Bytes().AsRaw())
			} else {
				assert.Equal(t, tt.raw, raw.Body().Str())
			}
			action, _ := event.Attributes().Get(senseevent.AttrAction)
			assert.Equal(t, "session.start", action.Str())
		})
	}
}

// TestReceiveBufferRefusedIsHalved: macOS and the BSDs refuse a
// receive_buffer_size past their limit (ENOBUFS past kern.ipc.maxsockbuf,
// 8 MiB by default on macOS) instead of capping it as Linux does. The
// receiver then asks for half until a size is taken, rather than keeping the
// operating system's far smaller default.
func TestReceiveBufferRefusedIsHalved(t *testing.T) {
	refuseAbove := func(limit int, asked *[]int) func(int) error {
		return func(n int) error {
			*asked = append(*asked, n)
			if n > limit {
				return syscall.ENOBUFS
			}
			return nil
		}
	}
	tests := []struct {
		name    string
		limit   int
		want    int
		wantErr bool
		asks    int
	}{
		{"taken at once", 32 << 20, 16 << 20, false, 1},
		{"macOS default limit", 8 << 20, 8 << 20, false, 2},
		{"small limit", 300 << 10, 256 << 10, false, 7},
		{"nothing taken", 100 << 10, 256 << 10, true, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked []int
			got, err := largestTaken(16<<20, refuseAbove(tt.limit, &asked))
			assert.Equal(t, tt.wantErr, err != nil, "%v", err)
			assert.Equal(t, tt.want, got)
			assert.Len(t, asked, tt.asks, "%v", asked)
		})
	}
}
