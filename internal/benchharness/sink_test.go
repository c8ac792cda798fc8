//go:build linux

package benchharness

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// testLogs builds resource/scope/record nests with attributes, bodies and
// times, like a collector's export.
func testLogs(rnd *rand.Rand, resources, scopes, records int, base time.Time) plog.Logs {
	ld := plog.NewLogs()
	for r := range resources {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", "qliksense-engine")
		rl.Resource().Attributes().PutInt("r", int64(r))
		rl.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
		for range scopes {
			sl := rl.ScopeLogs().AppendEmpty()
			sl.Scope().SetName("github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver")
			for i := range rnd.IntN(records + 1) {
				lr := sl.LogRecords().AppendEmpty()
				lr.Body().SetStr("Access was denied for User: 'CORP\\jdoe'")
				lr.SetSeverityText("WARN")
				lr.SetSeverityNumber(plog.SeverityNumberWarn)
				lr.Attributes().PutStr("qliksense.source", "qseow-proxy")
				lr.Attributes().PutDouble("qliksense.qix.process_time_ms", 12.5)
				lr.Attributes().PutEmptyMap("qliksense.parse.invalid").PutStr("x", "y")
				lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(base.Add(time.Duration(i) * time.Millisecond)))
				if i%3 != 0 { // some records carry no time of their own
					lr.SetTimestamp(pcommon.NewTimestampFromTime(base.Add(time.Duration(i) * time.Second)))
				}
				lr.SetFlags(plog.DefaultLogRecordFlags.WithIsSampled(true))
			}
		}
	}
	return ld
}

func marshal(t *testing.T, ld plog.Logs) []byte {
	t.Helper()
	b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	require.NoError(t, err)
	return b
}

func TestCountLogRecordsMatchesPdata(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 3, 12, 10, 0, 0, 0, time.UTC)
	for i := range 50 {
		ld := testLogs(rnd, 1+rnd.IntN(3), 1+rnd.IntN(3), 40, base)
		data := marshal(t, ld)

		var times, observed []uint64
		n, err := CountLogRecords(data, func(ts, obs uint64) { times, observed = append(times, ts), append(observed, obs) })
		require.NoError(t, err, "case %d", i)
		assert.EqualValues(t, ld.LogRecordCount(), n, "case %d", i)

		// The times come out in order, as pdata has them.
		var wantT, wantO []uint64
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					wantT, wantO = append(wantT, uint64(lr.Timestamp())), append(wantO, uint64(lr.ObservedTimestamp()))
				}
			}
		}
		assert.Equal(t, wantT, times)
		assert.Equal(t, wantO, observed)

		n2, err := CountLogRecords(data, nil)
		require.NoError(t, err)
		assert.Equal(t, n, n2)
	}
}

func TestCountLogRecordsRejectsTruncated(t *testing.T) {
	data := marshal(t, testLogs(rand.New(rand.NewPCG(3, 4)), 2, 2, 20, time.Now()))
	for _, cut := range []int{1, 7, len(data) / 2, len(data) - 1} {
		_, err := CountLogRecords(data[:cut], func(uint64, uint64) {})
		assert.Error(t, err, "cut at %d of %d", cut, len(data))
	}
	n, err := CountLogRecords(nil, nil)
	require.NoError(t, err)
	assert.Zero(t, n)
}

func post(t *testing.T, url, contentType, encoding string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func TestSinkCountsOTLPRequests(t *testing.T) {
	sink, err := NewSink()
	require.NoError(t, err)
	defer sink.Close()

	base := time.Date(2026, 3, 12, 10, 0, 0, 0, time.UTC)
	ld := plog.NewLogs()
	sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	observed := pcommon.NewTimestampFromTime(base.Add(10 * time.Second))
	for i := range 5 {
		lr := sl.LogRecords().AppendEmpty()
		lr.Body().SetStr("x")
		lr.SetObservedTimestamp(observed)
		switch {
		case i < 4:
			lr.SetTimestamp(pcommon.NewTimestampFromTime(base.Add(time.Duration(i) * 400 * time.Millisecond)))
		case i == 4:
			lr.SetTimestamp(observed) // a user event: stamped on receipt
		}
	}
	lr := sl.LogRecords().AppendEmpty() // no time at all
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(base.Add(11 * time.Second)))
	data := marshal(t, ld)

	a, b := sink.NewSession(false), sink.NewSession(true)
	resp, body := post(t, sink.LogsURL(a), "application/x-protobuf", "", data)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/x-protobuf", resp.Header.Get("Content-Type"))
	var er = plogotlp.NewExportResponse()
	require.NoError(t, er.UnmarshalProto(body), "an ExportLogsServiceResponse")
	assert.Zero(t, er.PartialSuccess().RejectedLogRecords())

	// A different batch, gzip-compressed.
	ld2 := plog.NewLogs()
	ld2.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("y")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(marshal(t, ld2))
	require.NoError(t, zw.Close())
	resp, _ = post(t, sink.LogsURL(a), "application/x-protobuf", "gzip", gz.Bytes())
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	js, err := plogotlp.NewExportRequestFromLogs(ld).MarshalJSON()
	require.NoError(t, err)
	resp, _ = post(t, sink.LogsURL(b), "application/json", "", js)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = post(t, sink.LogsURL(b), "application/x-protobuf", "", data)
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	assert.EqualValues(t, 7, a.Records())
	assert.EqualValues(t, 2, a.Requests())
	assert.EqualValues(t, 12, b.Records(), "sessions count apart")
	assert.False(t, a.LastDelivery().IsZero())

	// Timeline: records with their own time by it, the others by their
	// observed time. (JSON and protobuf alike: twice each.)
	assert.EqualValues(t, 6, b.CountBetween(base, base.Add(time.Second), true), "records at 0, 0.4, 0.8 s")
	assert.EqualValues(t, 2, b.CountBetween(base.Add(time.Second), base.Add(2*time.Second), true))
	assert.EqualValues(t, 0, b.CountBetween(base.Add(10*time.Second), base.Add(12*time.Second), true))
	assert.EqualValues(t, 2, b.CountBetween(base.Add(10*time.Second), base.Add(11*time.Second), false))
	assert.EqualValues(t, 4, b.CountBetween(base, base.Add(time.Hour), false))
	assert.Zero(t, a.CountBetween(base, base.Add(time.Hour), true), "no timeline without asking")

	// Bad requests are refused and not counted; ended sessions are 404.
	resp, _ = post(t, sink.LogsURL(a), "application/x-protobuf", "", data[:len(data)-3])
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, _ = post(t, sink.LogsURL(a), "application/x-protobuf", "zstd", data)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.EqualValues(t, 7, a.Records())
	assert.EqualValues(t, 2, a.Errors())

	// A retried batch (same body) is answered but not counted again.
	resp, _ = post(t, sink.LogsURL(a), "application/x-protobuf", "", data)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.EqualValues(t, 7, a.Records())
	assert.EqualValues(t, 1, a.Duplicates())
	assert.Positive(t, a.MaxHandle())
	sink.EndSession(a)
	resp, _ = post(t, sink.LogsURL(a), "application/x-protobuf", "", data)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.EqualValues(t, 1, sink.Unrouted.Load())
}

// A retry that arrives while the sink is still counting the first copy
// (an exporter that timed out on a busy sink) is a duplicate too: the
// check and the record of a body's hash are one step.
func TestSinkCountsConcurrentCopiesOnce(t *testing.T) {
	sink, err := NewSink()
	require.NoError(t, err)
	defer sink.Close()
	data := marshal(t, testLogs(rand.New(rand.NewPCG(5, 6)), 4, 4, 2000, time.Now()))
	n, err := CountLogRecords(data, nil)
	require.NoError(t, err)

	for round := range 5 {
		ss := sink.NewSession(round%2 == 1)
		const copies = 16
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range copies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodPost, "/"+ss.id+"/v1/logs", bytes.NewReader(data))
				req.Header.Set("Content-Type", "application/x-protobuf")
				<-start
				sink.ServeHTTP(httptest.NewRecorder(), req)
			}()
		}
		close(start)
		wg.Wait()
		assert.Equal(t, n, ss.Records(), "round %d", round)
		assert.EqualValues(t, copies-1, ss.Duplicates(), "round %d", round)
	}
}
