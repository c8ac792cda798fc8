//go:build linux

package benchharness

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const metricsText = `# HELP otelcol_receiver_accepted_log_records_total Number of log records successfully pushed into the pipeline.
# TYPE otelcol_receiver_accepted_log_records_total counter
otelcol_receiver_accepted_log_records_total{otel_scope_name="go.opentelemetry.io/collector/receiver/receiverhelper",receiver="qliksense_events",transport="udp"} 123456
otelcol_receiver_refused_log_records_total{receiver="qliksense_events",transport="udp"} 8192
otelcol_receiver_refused_log_records_total{receiver="other",transport="udp"} 0
otelcol_receiver_qliksense_events_datagrams_rejected_total{reason="buffer_full",receiver="qliksense_events"} 1.5e+03
otelcol_receiver_qliksense_events_datagrams_rejected_total{reason="field_count",receiver="qliksense_events"} 2
otelcol_exporter_send_failed_log_records_total{exporter="otlp_http"} 0
otelcol_process_uptime_seconds_total 12.5
weird_label{a="x\"y"} 1
`

func TestParsePrometheusAndDropCounters(t *testing.T) {
	s := ParsePrometheus(metricsText)
	require.Len(t, s, 8)
	assert.Equal(t, `x"y`, s[7].Labels["a"])

	v, ok := SumMetric(s, "otelcol_receiver_refused_log_records", nil)
	assert.True(t, ok)
	assert.Equal(t, 8192.0, v)
	v, _ = SumMetric(s, "otelcol_receiver_qliksense_events_datagrams_rejected", map[string]string{"reason": "buffer_full"})
	assert.Equal(t, 1500.0, v)
	_, ok = SumMetric(s, "nope", nil)
	assert.False(t, ok)

	var got []string
	for _, c := range DropCounters(s) {
		got = append(got, c.String())
	}
	assert.Equal(t, []string{
		`otelcol_receiver_qliksense_events_datagrams_rejected{receiver="qliksense_events",reason="buffer_full"} = 1500`,
		`otelcol_receiver_qliksense_events_datagrams_rejected{receiver="qliksense_events",reason="field_count"} = 2`,
		`otelcol_receiver_refused_log_records{receiver="qliksense_events",transport="udp"} = 8192`,
	}, got, "non-zero drop counters only")
}

func TestParseSensesimSummary(t *testing.T) {
	out := "sensesim: sent 50000 datagrams (17204190 bytes) in 10.001s (4999.5/s), 0 errors: engine=2981 proxy=2514 repository=1970 scheduler=1487 qix-perf=30028 proxy-session=4050 proxy-connection=6970\n"
	s, err := ParseSensesimSummary("some noise\n" + out)
	require.NoError(t, err)
	assert.EqualValues(t, 50000, s.Sent)
	assert.EqualValues(t, 17204190, s.Bytes)
	assert.Equal(t, 10001*time.Millisecond, s.Elapsed)
	assert.Equal(t, 4999.5, s.Rate)
	assert.Zero(t, s.Errors)
	assert.EqualValues(t, 30028, s.ByKind["qix-perf"])
	assert.Len(t, s.ByKind, 7)

	s, err = ParseSensesimSummary(`sensesim: sent 10 datagrams (3000 bytes) in 1ms (10000.0/s), 3 errors: qix-perf=10; errors by kind: engine=3; last error: write udp 127.0.0.1:1: connection refused`)
	require.NoError(t, err)
	assert.EqualValues(t, 3, s.Errors)
	assert.Equal(t, map[string]int64{"qix-perf": 10}, s.ByKind)

	_, err = ParseSensesimSummary("sensesim udp: bad flag")
	assert.Error(t, err)
}

func TestCapBuffer(t *testing.T) {
	b := newCapBuffer()
	_, _ = b.Write([]byte("start\nEverything is ready\n"))
	_, _ = b.Write([]byte(strings.Repeat("x", capHead)))
	_, _ = b.Write([]byte("\n2026-11-21T13:10:52.757Z\twarn\tqliksenseeventsreceiver/receiver.go:109\tThe kernel capped the socket receive buffer\t{\"receive_buffer_size\": 8388608}\nlast line\n"))
	assert.True(t, b.Contains("Everything is ready"))
	assert.True(t, b.Contains("last line"))
	assert.Less(t, len(b.String()), capHead+capTail+100)
	assert.Equal(t, []string{`warn: The kernel capped the socket receive buffer {"receive_buffer_size": 8388608}`}, b.Matching("capped the socket receive buffer"))
}
