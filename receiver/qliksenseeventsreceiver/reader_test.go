package qliksenseeventsreceiver

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"

	"github.com/senseops/senseops-collector/internal/senseevent"
	"github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver/internal/metadata"
)

// TestRejectedReadsCostNoAllocations: datagrams the reader rejects before
// parsing (a sender that is not allowed, a datagram that is too long) are
// neither copied nor logged once their warning has been given, so a flood
// of them costs only counting.
func TestRejectedReadsCostNoAllocations(t *testing.T) {
	line := []byte(sampleLines(t, "log-engine")[0])
	tests := []struct {
		name      string
		datagrams [][]byte
		from      string
		reason    int
	}{
		{"sender not allowed", [][]byte{line}, "10.9.9.9", reasonIndex(reasonSourceNotAllowed)},
		{"too long", [][]byte{make([]byte, 200)}, "10.0.0.5", reasonIndex(reasonOversized)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.MaxMessageSize = 100
			r, err := newEventsReceiver(cfg, receivertest.NewNopSettings(metadata.Type), consumertest.NewNop())
			require.NoError(t, err)
			r.batches = make(chan plog.Logs, 1)
			sources, err := newSourceFilter(context.Background(), []string{"10.0.0.0/24"}, nil, zap.NewNop())
			require.NoError(t, err)
			sock := &replaySocket{datagrams: tt.datagrams, from: netip.MustParseAddr(tt.from)}
			rd := newReader(r, sock, sources)
			rd.handleRead(readBatch, 1) // the first one is logged
			allocs := testing.AllocsPerRun(10, func() { rd.handleRead(readBatch, 1) })
			assert.Zero(t, allocs)
			assert.Equal(t, int64(12*readBatch), rd.rejected[tt.reason]) // AllocsPerRun warms up with one more run
			assert.Zero(t, rd.batch.count)
		})
	}
}

// replaySocket hands out its datagrams in turn, as reads of readBatch.
type replaySocket struct {
	datagrams [][]byte
	next      int // the first datagram of the current read
	from      netip.Addr
}

func (s *replaySocket) read(time.Time) (int, error) { return readBatch, nil }
func (s *replaySocket) datagram(i int) ([]byte, netip.Addr) {
	return s.datagrams[(s.next+i)%len(s.datagrams)], s.from
}
func (s *replaySocket) dropped() (uint32, bool) { return 0, false }
func (s *replaySocket) localAddr() net.Addr     { return nil }
func (s *replaySocket) stop()                   {}
func (s *replaySocket) release() error          { return nil }

// replayReader returns a receiver whose batches wait in r.batches, and a
// reader of s for it, to be driven with handleRead and flush.
func replayReader(t *testing.T, cfg *Config, s *replaySocket) (*eventsReceiver, *reader) {
	t.Helper()
	r, err := newEventsReceiver(cfg, receivertest.NewNopSettings(metadata.Type), consumertest.NewNop())
	require.NoError(t, err)
	r.batches = make(chan plog.Logs, 1)
	return r, newReader(r, s, nil)
}

// TestRecordsOfOneReadHaveTheirOwnTimes: user events have no time of their
// own and take the time they were observed. Every record of a read gets its
// own, in the order read, so a backend that keeps one point per series and
// time (InfluxDB) does not keep only the last of them.
func TestRecordsOfOneReadHaveTheirOwnTimes(t *testing.T) {
	var datagrams [][]byte
	for _, l := range sampleLines(t, "user-events") {
		datagrams = append(datagrams, []byte(l))
	}
	require.GreaterOrEqual(t, len(datagrams), 2)
	r, rd := replayReader(t, createDefaultConfig().(*Config), &replaySocket{datagrams: datagrams, from: netip.MustParseAddr("10.0.0.5")})
	const observed = 1_700_000_000_000_000_000
	rd.handleRead(readBatch, observed)
	rd.flush()
	ld := <-r.batches

	seen := map[uint64]bool{}
	for i := range ld.ResourceLogs().Len() {
		records := ld.ResourceLogs().At(i).ScopeLogs().At(0).LogRecords()
		last := uint64(0)
		for j := range records.Len() {
			lr := records.At(j)
			ts := uint64(lr.Timestamp())
			assert.Equal(t, lr.ObservedTimestamp(), lr.Timestamp(), "a user event's time is its observed time")
			assert.False(t, seen[ts], "two records with the time %d", ts)
			assert.Greater(t, ts, last, "in the order read")
			assert.Less(t, ts, uint64(observed+readBatch))
			seen[ts], last = true, ts
		}
	}
	assert.Len(t, seen, readBatch)
}

// TestRecordsOfConsecutiveReadsHaveTheirOwnTimes: the times of one read's
// records stay apart from the next read's, also when the clock has not moved
// on between the reads (Windows' wall clock advances in ticks of 0.5-15.6 ms,
// and there every read takes one datagram) or has stepped back. Otherwise two
// user events of one server, which take their observed time, would share a
// time, and InfluxDB would keep only one.
func TestRecordsOfConsecutiveReadsHaveTheirOwnTimes(t *testing.T) {
	users := sampleLines(t, "user-events")
	datagrams := [][]byte{[]byte(users[0] + "\n" + users[3])} // two events in one datagram
	for _, l := range users[1:] {
		datagrams = append(datagrams, []byte(l))
	}
	r, rd := replayReader(t, createDefaultConfig().(*Config), &replaySocket{datagrams: datagrams, from: netip.MustParseAddr("10.0.0.5")})
	const observed = 1_700_000_000_000_000_000
	for _, now := range []pcommon.Timestamp{observed, observed, observed + 10, observed - 1000} {
		rd.handleRead(1, now) // one datagram a read, as the poller reads
		rd.handleRead(readBatch, now)
	}
	rd.flush()
	ld := <-r.batches

	seen := map[pcommon.Timestamp]bool{}
	for _, rl := range ld.ResourceLogs().All() {
		for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
			assert.False(t, seen[lr.ObservedTimestamp()], "two records with the time %d", lr.ObservedTimestamp())
			seen[lr.ObservedTimestamp()] = true
		}
	}
	assert.Equal(t, ld.LogRecordCount(), len(seen))

	// A large step back of the clock is followed, not held at the old time.
	rd.handleRead(1, observed-pcommon.Timestamp(time.Hour))
	rd.flush()
	ld = <-r.batches
	assert.Equal(t, observed-pcommon.Timestamp(time.Hour), ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).ObservedTimestamp())
}

// TestOversizedWithoutSenderHasNoClientAddress: Windows fails the read of a
// datagram longer than the buffer without saying who sent it (see
// TestPollerSocketWindowsOversized). Its raw record then has no
// client.address, rather than the text of an invalid address.
func TestOversizedWithoutSenderHasNoClientAddress(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.MaxMessageSize = 100
	cfg.IncludeUnparsed = true
	r, rd := replayReader(t, cfg, &replaySocket{datagrams: [][]byte{make([]byte, 101)}})
	rd.handleRead(1, 1)
	rd.flush()
	ld := <-r.batches
	require.Equal(t, 1, ld.LogRecordCount())
	attrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes()
	reason, _ := attrs.Get("qliksense.parse.error")
	assert.Equal(t, "oversized", reason.Str())
	_, ok := attrs.Get("client.address")
	assert.False(t, ok, "no client.address: attributes %v", attrs.AsRaw())
}

// TestDatagramsAreBuiltWhenTheBatchIsHandedOn: a read only queues its
// datagrams; records are built, and counted, when the batch is handed on.
// Records waiting for their batch held about 1.5 KB each of live heap more
// than the queued text does, which the garbage collector doubles.
func TestDatagramsAreBuiltWhenTheBatchIsHandedOn(t *testing.T) {
	var datagrams [][]byte
	for _, l := range sampleLines(t, "log-qix-perf") {
		datagrams = append(datagrams, []byte(l))
	}
	r, rd := replayReader(t, createDefaultConfig().(*Config), &replaySocket{datagrams: datagrams, from: netip.MustParseAddr("10.0.0.5")})
	rd.handleRead(readBatch, 1)
	assert.Zero(t, rd.batch.count, "no record is built before the batch is handed on")
	assert.Len(t, rd.queue, readBatch)
	assert.Equal(t, int64(readBatch), rd.received)
	assert.Zero(t, rd.parsed[senseevent.KindQixPerf])

	rd.flush()
	ld := <-r.batches
	assert.Equal(t, readBatch, ld.LogRecordCount())
	assert.Empty(t, rd.queue)
	assert.Zero(t, rd.parsed[senseevent.KindQixPerf], "published with the batch")
	assert.Equal(t, senseevent.Event{}, rd.ev, "an idle reader keeps no read's string alive")
}

// TestQueueFullHandsOnBatches: batch.max_size queued datagrams hand the batch
// on, and a datagram that a relay joined from several events' lines still
// makes batches of at most batch.max_size records, each observed at its
// own time.
func TestQueueFullHandsOnBatches(t *testing.T) {
	users := sampleLines(t, "user-events")
	require.GreaterOrEqual(t, len(users), 5)
	joined := []byte(strings.Join(users[:5], "\n"))
	cfg := createDefaultConfig().(*Config)
	cfg.Batch.MaxSize = 3
	sock := &replaySocket{datagrams: [][]byte{joined, []byte(users[0]), []byte(users[1])}, from: netip.MustParseAddr("10.0.0.5")}
	r, rd := replayReader(t, cfg, sock)
	r.batches = make(chan plog.Logs, 8)

	rd.handleRead(2, 1) // 2 queued: below max_size
	assert.Empty(t, r.batches)
	sock.next = 2
	rd.handleRead(1, 100) // the third hands on 5+1+1 records as 3, 3 and 1
	require.Len(t, r.batches, 3)
	var sizes []int
	observed := map[pcommon.Timestamp]bool{}
	for range 3 {
		ld := <-r.batches
		sizes = append(sizes, ld.LogRecordCount())
		for _, rl := range ld.ResourceLogs().All() {
			for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
				observed[lr.ObservedTimestamp()] = true
			}
		}
	}
	assert.Equal(t, []int{3, 3, 1}, sizes)
	// The joined lines at 1-5, the next datagram at 6, the next read's at 100.
	assert.Equal(t, map[pcommon.Timestamp]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 100: true}, observed)
	assert.Empty(t, rd.queue)
	assert.True(t, rd.deadline.IsZero())
}

// TestOversizedRawRecordKeepsItsPlace: with include_unparsed, a datagram
// too long is counted as it is read and kept as a raw record observed
// between the records of the datagrams read before and after it.
func TestOversizedRawRecordKeepsItsPlace(t *testing.T) {
	engine := sampleLines(t, "log-engine")[0]
	cfg := createDefaultConfig().(*Config)
	cfg.MaxMessageSize = len(engine)
	cfg.IncludeUnparsed = true
	r, rd := replayReader(t, cfg, &replaySocket{
		datagrams: [][]byte{[]byte(engine), []byte(engine + "x"), []byte(engine)},
		from:      netip.MustParseAddr("10.0.0.5"),
	})
	rd.handleRead(3, 1)
	assert.Equal(t, int64(1), rd.rejected[reasonIndex(reasonOversized)], "counted as read")
	rd.flush()
	ld := <-r.batches
	reasons := map[pcommon.Timestamp]string{}
	for _, rl := range ld.ResourceLogs().All() {
		for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
			reason, _ := lr.Attributes().Get("qliksense.parse.error")
			reasons[lr.ObservedTimestamp()] = reason.Str()
		}
	}
	assert.Equal(t, map[pcommon.Timestamp]string{1: "", 2: "oversized", 3: ""}, reasons)
}

// TestQueuedTextIsBounded: datagrams are parsed only when the queue is
// flushed, so large ones that are not events (include_unparsed off) would
// be held until then; more than maxQueuedBytes of text flushes the queue.
func TestQueuedTextIsBounded(t *testing.T) {
	junk := []byte("/qseow-printing/;" + strings.Repeat("x", 60_000))
	_, rd := replayReader(t, createDefaultConfig().(*Config), &replaySocket{datagrams: [][]byte{junk}, from: netip.MustParseAddr("10.0.0.5")})
	for range 4 {
		rd.handleRead(readBatch, 1) // 128 datagrams, 7.7 MB
	}
	assert.LessOrEqual(t, rd.queuedBytes, maxQueuedBytes)
	assert.Less(t, len(rd.queue), 128)
}
