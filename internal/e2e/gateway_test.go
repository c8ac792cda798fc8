package e2e

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/senseops/senseops-collector/internal/sensesim"
)

// backends records what the gateway's exporters deliver: an InfluxDB 2.x
// write endpoint and an OTLP/HTTP endpoint standing in for New Relic's.
type backends struct {
	mu sync.Mutex

	influxLines []string // line protocol, one point per entry
	influxReqs  []*http.Request

	nrLogs       int
	nrMetrics    map[string]bool // metric names
	nrAPIKeys    map[string]bool
	nrLogRecords []map[string]any // attributes, resource attributes merged in
}

func body(t *testing.T, r *http.Request) []byte {
	var rd io.Reader = r.Body
	switch r.Header.Get("Content-Encoding") {
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if !assert.NoError(t, err) {
			return nil
		}
		rd = zr
	case "deflate", "zlib":
		zr, err := zlib.NewReader(r.Body)
		if !assert.NoError(t, err) {
			return nil
		}
		rd = zr
	}
	b, err := io.ReadAll(rd)
	assert.NoError(t, err)
	return b
}

func (b *backends) influx(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data := body(t, r)
		b.mu.Lock()
		defer b.mu.Unlock()
		b.influxReqs = append(b.influxReqs, r)
		for _, l := range strings.Split(string(data), "\n") {
			if l != "" {
				b.influxLines = append(b.influxLines, l)
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func (b *backends) otlp(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data := body(t, r)
		b.mu.Lock()
		defer b.mu.Unlock()
		b.nrAPIKeys[r.Header.Get("Api-Key")] = true
		switch r.URL.Path {
		case "/v1/logs":
			req := plogotlp.NewExportRequest()
			if !assert.NoError(t, req.UnmarshalProto(data)) {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			for _, rl := range req.Logs().ResourceLogs().All() {
				for _, sl := range rl.ScopeLogs().All() {
					for _, lr := range sl.LogRecords().All() {
						attrs := lr.Attributes().AsRaw()
						for k, v := range rl.Resource().Attributes().AsRaw() {
							attrs[k] = v
						}
						b.nrLogRecords = append(b.nrLogRecords, attrs)
					}
				}
			}
			out, _ := plogotlp.NewExportResponse().MarshalProto()
			w.Header().Set("Content-Type", "application/x-protobuf")
			_, _ = w.Write(out)
		case "/v1/metrics":
			req := pmetricotlp.NewExportRequest()
			if !assert.NoError(t, req.UnmarshalProto(data)) {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			for _, rm := range req.Metrics().ResourceMetrics().All() {
				for _, sm := range rm.ScopeMetrics().All() {
					for _, m := range sm.Metrics().All() {
						b.nrMetrics[m.Name()] = true
					}
				}
			}
			out, _ := pmetricotlp.NewExportResponse().MarshalProto()
			w.Header().Set("Content-Type", "application/x-protobuf")
			_, _ = w.Write(out)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
}

// lineTags returns the measurement and tags of a line protocol line (the part
// before the first unescaped space).
func lineTags(line string) (string, map[string]string) {
	end := len(line)
	for i := 0; i < len(line); i++ {
		if line[i] == '\\' {
			i++
			continue
		}
		if line[i] == ' ' {
			end = i
			break
		}
	}
	var parts []string
	cur := strings.Builder{}
	head := line[:end]
	for i := 0; i < len(head); i++ {
		if head[i] == '\\' && i+1 < len(head) {
			cur.WriteByte(head[i+1])
			i++
			continue
		}
		if head[i] == ',' {
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(head[i])
	}
	parts = append(parts, cur.String())
	tags := map[string]string{}
	for _, p := range parts[1:] {
		if k, v, ok := strings.Cut(p, "="); ok {
			tags[k] = v
		}
	}
	return parts[0], tags
}

// TestGatewayConfigToBackends runs the shipped gateway.yaml (addresses, ports
// and the connector's interval changed, Kafka left out: no broker here)
// against an InfluxDB and an OTLP endpoint that record what they receive, with
// the simulator sending log events to 9996's stand-in and user events to
// 9997's. Every event the rules do not drop reaches both backends, with the
// Sense server and source as InfluxDB tags, and the derived metrics reach
// InfluxDB, the OTLP endpoint and the Prometheus page.
func TestGatewayConfigToBackends(t *testing.T) {
	be := &backends{nrMetrics: map[string]bool{}, nrAPIKeys: map[string]bool{}}
	influx := httptest.NewServer(be.influx(t))
	t.Cleanup(influx.Close)
	nr := httptest.NewServer(be.otlp(t))
	t.Cleanup(nr.Close)

	c := newCollector(t)
	userAddr, promPort := startGateway(t, c, influx.URL, nr.URL, "", []string{"INFLUXDB_TOKEN=influx-secret"})

	const n = 400
	// The shipped rules drop WARN events ending "was terminated due to
	// inactivity" (the simulator sends that message only at WARN): exactly
	// those are missing.
	peek, err := sensesim.NewGenerator(11, sensesim.Options{})
	require.NoError(t, err)
	droppable := 0
	for range n {
		if strings.HasSuffix(peek.Next().Message, "was terminated due to inactivity") {
			droppable++
		}
	}
	require.NotZero(t, droppable, "a seed whose events exercise the drop rule")
	gen, err := sensesim.NewGenerator(11, sensesim.Options{})
	require.NoError(t, err)
	stats, err := sensesim.SendUDP(context.Background(), gen, c.udpAddr, userAddr, sensesim.RunConfig{Rate: 2000, Count: n})
	require.NoError(t, err)
	require.EqualValues(t, n, stats.Sent.Total())

	influxLogs := func() (logs [][2]any) {
		be.mu.Lock()
		defer be.mu.Unlock()
		for _, l := range be.influxLines {
			if m, tags := lineTags(l); m == "logs" {
				logs = append(logs, [2]any{l, tags})
			}
		}
		return logs
	}
	require.Eventually(t, func() bool {
		be.mu.Lock()
		nrn := len(be.nrLogRecords)
		be.mu.Unlock()
		return nrn >= n-droppable && len(influxLogs()) >= n-droppable
	}, 30*time.Second, 100*time.Millisecond, "logs did not reach both backends")
	time.Sleep(500 * time.Millisecond) // anything still in flight
	logs := influxLogs()

	be.mu.Lock()
	defer be.mu.Unlock()
	t.Logf("sent %d events (%d droppable by the rules): %d to InfluxDB, %d to the OTLP endpoint", n, droppable, len(logs), len(be.nrLogRecords))
	assert.Len(t, be.nrLogRecords, len(logs), "the same records to New Relic and InfluxDB")
	assert.Len(t, logs, n-droppable, "every event but the dropped ones")
	assert.Equal(t, map[string]bool{"nr-secret": true}, be.nrAPIKeys, "every OTLP request carries the license key")
	for _, r := range be.influxReqs {
		assert.Equal(t, "/api/v2/write", r.URL.Path)
		assert.Equal(t, "senseops", r.URL.Query().Get("org"))
		assert.Equal(t, "qliksense", r.URL.Query().Get("bucket"))
		assert.Equal(t, "Token influx-secret", r.Header.Get("Authorization"))
	}

	// log_record_dimensions: the Sense server, source and subsystem are tags.
	sources, categorised := map[string]bool{}, 0
	for _, l := range logs {
		line, tags := l[0].(string), l[1].(map[string]string)
		assert.NotEmpty(t, tags["host.name"], "host.name tag: %s", line)
		assert.NotEmpty(t, tags["service.name"], "service.name tag: %s", line)
		sources[tags["qliksense.source"]] = true
		if tags["qliksense.category.qs_log_category"] != "" {
			categorised++
		}
		if !strings.HasPrefix(tags["qliksense.source"], "qseow-proxy-") {
			assert.NotEmpty(t, tags["qliksense.subsystem"], "subsystem tag on log events: %s", line)
		}
	}
	assert.Len(t, sources, 7, "all seven kinds, tagged with their source: %v", sources)
	assert.NotZero(t, categorised, "categories from the shipped rules as tags")

	// Derived metrics: a measurement per metric in InfluxDB, by name over OTLP.
	eventCounts := 0
	for _, l := range be.influxLines {
		if m, tags := lineTags(l); m == "qliksense.events" {
			eventCounts++
			assert.NotEmpty(t, tags["qliksense.source"], l)
		}
	}
	assert.NotZero(t, eventCounts, "qliksense.events in InfluxDB")
	assert.True(t, be.nrMetrics["qliksense.events"], "qliksense.events over OTLP: %v", be.nrMetrics)

	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", promPort))
	require.NoError(t, err)
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	assert.True(t, bytes.Contains(page, []byte(`qliksense_events_total{`)), "qliksense_events_total on the Prometheus page")
}

// startGateway runs the shipped gateway.yaml as c with local addresses: its
// InfluxDB and New Relic exporters point at influxURL and nrURL, influxExtra
// is added to the influxdb exporter after its bucket, Kafka is left out (no
// broker here) and the derived metrics are emitted every 200 ms. It returns
// the user-event address and the Prometheus exporter's port.
func startGateway(t *testing.T, c *collector, influxURL, nrURL, influxExtra string, env []string) (userAddr string, promPort int) {
	userAddr = fmt.Sprintf("127.0.0.1:%d", freePort(t, "udp"))
	promPort, healthPort := freePort(t, "tcp"), freePort(t, "tcp")
	cfg := shippedConfig(t, "gateway.yaml",
		"0.0.0.0:9996", c.udpAddr,
		"0.0.0.0:9997", userAddr,
		"0.0.0.0:9464", fmt.Sprintf("127.0.0.1:%d", promPort),
		"0.0.0.0:13133", fmt.Sprintf("127.0.0.1:%d", healthPort),
		"http://influxdb.corp.example:8086", influxURL,
		"    bucket: qliksense\n", "    bucket: qliksense\n"+influxExtra,
		"https://otlp.nr-data.net\n", nrURL+"\n",
		"exporters: [otlp_http/newrelic, influxdb, kafka, qliksense_metrics]", "exporters: [otlp_http/newrelic, influxdb, qliksense_metrics]",
		"qliksense_metrics: {}", "qliksense_metrics: {emit_interval: 200ms}",
	)
	c.startFile(t, cfg, append(env, "NEW_RELIC_LICENSE_KEY=nr-secret"),
		fmt.Sprintf("--set=service::telemetry::metrics::readers=[{pull: {exporter: {prometheus: {host: 127.0.0.1, port: %d}}}}]", c.metricsPort))
	return userAddr, promPort
}
