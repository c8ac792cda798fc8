package qliksensemetricsconnector

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/senseops/senseops-collector/connector/qliksensemetricsconnector/internal/metadata"
	"github.com/senseops/senseops-collector/connector/qliksensemetricsconnector/internal/metadatatest"
	"github.com/senseops/senseops-collector/internal/senseevent"
)

const (
	appSales     = "5b817efe-472d-43ce-8a31-6cce34af7de9" // "Sales forecast" in the QRS sample
	appInventory = "e7af59a0-c243-480d-9571-08727551a66f" // "Inventory analysis"
)

func newSettings() connector.Settings { return connectortest.NewNopSettings(metadata.Type) }

// harness drives one connector on a test clock, without its goroutines
// unless started.
type harness struct {
	t    *testing.T
	c    *qsConnector
	tel  *componenttest.Telemetry
	sink *consumertest.MetricsSink

	mu    sync.Mutex
	clock time.Time
}

var t0 = time.Date(2024, 3, 12, 10, 0, 0, 0, time.UTC)

func newHarness(t *testing.T, cfg *Config) *harness {
	t.Helper()
	require.NoError(t, cfg.Validate())
	h := &harness{t: t, tel: componenttest.NewTelemetry(), sink: new(consumertest.MetricsSink), clock: t0}
	t.Cleanup(func() { require.NoError(t, h.tel.Shutdown(context.Background())) })
	c, err := newConnector(cfg, metadatatest.NewSettings(h.tel), h.sink)
	require.NoError(t, err)
	c.now = h.now
	h.c = c
	return h
}

func (h *harness) now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.clock
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.clock = h.clock.Add(d)
	h.mu.Unlock()
}

func (h *harness) consume(lds ...plog.Logs) {
	h.t.Helper()
	for _, ld := range lds {
		require.NoError(h.t, h.c.ConsumeLogs(context.Background(), ld))
	}
}

func (h *harness) collect() pmetric.Metrics {
	md := h.c.collect()
	h.c.reportPending(context.Background())
	return md
}

// rec is one log record to build: its level and attributes.
type rec struct {
	level string
	attrs map[string]any
}

// batch builds the logs one Sense host sends, as the receiver would.
func batch(host, service string, recs ...rec) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr(senseevent.AttrServiceNamespace, senseevent.ServiceNamespace)
	rl.Resource().Attributes().PutStr(senseevent.AttrServiceName, service)
	if host != "" {
		rl.Resource().Attributes().PutStr(senseevent.AttrHostName, host)
	}
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for _, r := range recs {
		lr := lrs.AppendEmpty()
		lr.SetSeverityText(r.level)
		if err := lr.Attributes().FromRaw(r.attrs); err != nil {
			panic(err)
		}
	}
	return ld
}

func engineLog(level, subsystem string, categories ...string) rec {
	a := map[string]any{senseevent.AttrSource: "qseow-engine", senseevent.AttrSubsystem: subsystem}
	for i := 0; i+1 < len(categories); i += 2 {
		a[categoryPrefix+categories[i]] = categories[i+1]
	}
	return rec{level: level, attrs: a}
}

// qixRec is a qix-perf record; phases are process, work, lock, validate,
// traverse in ms (fewer leave the rest out).
func qixRec(appID, method, objectType, objectID string, phases ...float64) rec {
	a := map[string]any{
		senseevent.AttrSource: sourceQixPerf, senseevent.AttrSubsystem: "QixPerformance.Engine.Engine",
		senseevent.AttrQixMethod: method, senseevent.AttrObjectType: objectType,
	}
	if appID != "" {
		a[senseevent.AttrAppID] = appID
	}
	if objectID != "" {
		a[senseevent.AttrObjectID] = objectID
	}
	names := []string{senseevent.AttrQixProcessTime, senseevent.AttrQixWorkTime, senseevent.AttrQixLockTime, senseevent.AttrQixValidateTime, senseevent.AttrQixTraverseTime}
	for i, p := range phases {
		a[names[i]] = p
	}
	return rec{level: "INFO", attrs: a}
}

// userRec is a user event as the receiver writes it.
func userRec(action, sessionID, user string) rec {
	source := sourceProxySession
	if strings.HasPrefix(action, "connection.") {
		source = sourceProxyConnection
	}
	a := map[string]any{senseevent.AttrSource: source, senseevent.AttrAction: action, senseevent.AttrOrigin: "AppAccess"}
	if sessionID != "" {
		a[senseevent.AttrSessionID] = sessionID
	}
	if user != "" {
		a[senseevent.AttrUserID] = user
	}
	return rec{attrs: a}
}

func proxyBatch(host string, recs ...rec) plog.Logs { return batch(host, "qliksense-proxy", recs...) }
func engineBatch(host string, recs ...rec) plog.Logs {
	return batch(host, "qliksense-engine", recs...)
}

// samples reads the receiver's golden output for the sample datagrams.
func samples(t *testing.T, names ...string) []plog.Logs {
	t.Helper()
	if len(names) == 0 {
		names = []string{"log-engine", "log-proxy", "log-repository", "log-scheduler", "log-qix-perf", "user-events", "edge-cases"}
	}
	out := make([]plog.Logs, 0, len(names))
	for _, n := range names {
		ld, err := golden.ReadLogs(filepath.Join("..", "..", "receiver", "qliksenseeventsreceiver", "testdata", "golden", n+".yaml"))
		require.NoError(t, err)
		out = append(out, ld)
	}
	return out
}

// attrKey writes attributes as sorted k=v pairs: a readable map key.
func attrKey(m pcommon.Map) string {
	parts := make([]string, 0, m.Len())
	for k, v := range m.All() {
		parts = append(parts, k+"="+v.AsString())
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func findMetric(md pmetric.Metrics, name string) (pmetric.Metric, bool) {
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				if m.Name() == name {
					return m, true
				}
			}
		}
	}
	return pmetric.Metric{}, false
}

// numbers maps each data point's attributes to its value (sum or gauge).
func numbers(t *testing.T, md pmetric.Metrics, name string) map[string]float64 {
	t.Helper()
	m, ok := findMetric(md, name)
	if !ok {
		return nil
	}
	var dps pmetric.NumberDataPointSlice
	switch m.Type() {
	case pmetric.MetricTypeSum:
		require.True(t, m.Sum().IsMonotonic(), name)
		require.Equal(t, pmetric.AggregationTemporalityCumulative, m.Sum().AggregationTemporality(), name)
		dps = m.Sum().DataPoints()
	case pmetric.MetricTypeGauge:
		dps = m.Gauge().DataPoints()
	default:
		t.Fatalf("%s is a %s", name, m.Type())
	}
	out := map[string]float64{}
	for _, dp := range dps.All() {
		v := dp.DoubleValue()
		if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
			v = float64(dp.IntValue())
		}
		out[attrKey(dp.Attributes())] = v
	}
	return out
}

func histograms(t *testing.T, md pmetric.Metrics, name string) map[string]pmetric.HistogramDataPoint {
	t.Helper()
	m, ok := findMetric(md, name)
	if !ok {
		return nil
	}
	require.Equal(t, pmetric.AggregationTemporalityCumulative, m.Histogram().AggregationTemporality())
	out := map[string]pmetric.HistogramDataPoint{}
	for _, dp := range m.Histogram().DataPoints().All() {
		out[attrKey(dp.Attributes())] = dp
	}
	return out
}

// fakeSense serves the sample session lists for "/" and "/hdr" and the
// sample app list over TLS, checking the Xrfkey as Sense does. failHdr makes
// /hdr answer 503.
type fakeSense struct {
	endpoint string
	caFile   string
	calls    atomic.Int64
	failHdr  atomic.Bool
}

func newFakeSense(t *testing.T) *fakeSense {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "http", name))
		require.NoError(t, err)
		return b
	}
	bodies := map[string][]byte{
		"/qps/session":     read("qps-session-response-default-vp.json"),
		"/qps/hdr/session": read("qps-session-response-hdr-vp.json"),
		"/qrs/app":         read("qrs-app-list-response-excerpt.json"),
	}
	f := &fakeSense{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		if key := r.URL.Query().Get("Xrfkey"); len(key) != 16 || key != r.Header.Get("X-Qlik-Xrfkey") {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		if r.URL.Path == "/qps/hdr/session" && f.failHdr.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if b, ok := bodies[r.URL.Path]; ok {
			_, _ = w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	f.endpoint = srv.URL
	f.caFile = filepath.Join(t.TempDir(), "root.pem")
	require.NoError(t, os.WriteFile(f.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	return f
}

func (f *fakeSense) seedConfig(cfg *Config, host string) {
	cfg.Sessions.Seed.TLS.CAFile = f.caFile
	cfg.Sessions.Seed.Proxies = []ProxyConfig{{Endpoint: f.endpoint, Host: host, VirtualProxies: []string{"/", "/hdr"}}}
}

func sessionKey(host string) string { return fmt.Sprintf("%s=%s", attrHost, host) }
