package qliksensehealthreceiver

import (
	"context"
	"encoding/pem"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver/internal/metadata"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fakeSense serves a healthcheck body and the sample app list over TLS. Its
// certificate is written as the CA file, so the receiver verifies it.
func fakeSense(t *testing.T, healthFile string) (endpoint, caFile string) {
	t.Helper()
	health, err := os.ReadFile(filepath.Join("../../testdata/http", healthFile))
	if os.IsNotExist(err) { // bodies of this receiver's own tests
		health, err = os.ReadFile(filepath.Join("testdata", healthFile))
	}
	require.NoError(t, err)
	apps, err := os.ReadFile("../../testdata/http/qrs-app-list-response-excerpt.json")
	require.NoError(t, err)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/engine/healthcheck":
			_, _ = w.Write(health)
		case "/qrs/app":
			_, _ = w.Write(apps)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "root.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	return srv.URL, caFile
}

// TestAppListReadOnlyForAppStatus: names are used by one metric only, which
// is off by default; the repository is not called without it.
func TestAppListReadOnlyForAppStatus(t *testing.T) {
	for _, appStatus := range []bool{false, true} {
		var calls atomic.Int32
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/qrs/app" {
				calls.Add(1)
				_, _ = w.Write([]byte("[]"))
				return
			}
			_, _ = w.Write([]byte(`{"version":"12.1477.3"}`))
		}))
		caFile := filepath.Join(t.TempDir(), "root.pem")
		require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
		cfg := createDefaultConfig().(*Config)
		cfg.TLS.CAFile = caFile
		cfg.Servers = []ServerConfig{{Name: "central", Endpoint: srv.URL}}
		cfg.AppNames.Endpoint = srv.URL
		cfg.Metrics.QliksenseEngineAppStatus.Enabled = appStatus
		scrapeOnce(t, cfg)
		srv.Close()
		want := int32(0)
		if appStatus {
			want = 1
		}
		assert.Equal(t, want, calls.Load(), "app list reads with qliksense.engine.app.status enabled=%v", appStatus)
	}
}

func scrapeOnce(t *testing.T, cfg *Config) pmetric.Metrics {
	t.Helper()
	sink := new(consumertest.MetricsSink)
	cfg.CollectionInterval = time.Hour // the controller's first scrape happens at start
	cfg.InitialDelay = 0
	r, err := newHealthReceiver(cfg, receivertest.NewNopSettings(metadata.Type), sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, r.Shutdown(context.Background())) }()
	require.Eventually(t, func() bool { return len(sink.AllMetrics()) > 0 }, 10*time.Second, 10*time.Millisecond)
	return sink.AllMetrics()[0]
}

func TestScrapeGolden(t *testing.T) {
	// engine-healthcheck-odd: an older engine that writes some numbers as text,
	// nulls, negative values, duplicate and empty doc ids, and extra fields.
	for _, body := range []string{"engine-healthcheck-response", "engine-healthcheck-response-idle", "engine-healthcheck-odd"} {
		t.Run(body, func(t *testing.T) {
			endpoint, ca := fakeSense(t, body+".json")
			cfg := createDefaultConfig().(*Config)
			cfg.TLS.CAFile = ca
			cfg.Metrics.QliksenseEngineAppStatus.Enabled = true
			cfg.Servers = []ServerConfig{{Name: "central", Endpoint: endpoint, Description: "Central node", Tags: map[string]string{"site": "stockholm"}}}
			cfg.AppNames.Endpoint = endpoint
			got := scrapeOnce(t, cfg)
			// The endpoint's host is 127.0.0.1 with a random port; host.name has no port.
			file := filepath.Join("testdata", "expected", body+".yaml")
			if *update {
				require.NoError(t, golden.WriteMetrics(t, file, got))
			}
			want, err := golden.ReadMetrics(file)
			require.NoError(t, err)
			require.NoError(t, pmetrictest.CompareMetrics(want, got,
				pmetrictest.IgnoreTimestamp(),
				pmetrictest.IgnoreStartTimestamp(), // checked where it matters by TestEngineTimes
				pmetrictest.IgnoreMetricValues("qliksense.engine.uptime"),
				pmetrictest.IgnoreResourceMetricsOrder(),
				pmetrictest.IgnoreMetricsOrder(),
				pmetrictest.IgnoreMetricDataPointsOrder()))
		})
	}
}

func TestEngineTimes(t *testing.T) {
	endpoint, ca := fakeSense(t, "engine-healthcheck-response.json")
	cfg := createDefaultConfig().(*Config)
	cfg.TLS.CAFile = ca
	cfg.Servers = []ServerConfig{{Name: "central", Endpoint: endpoint}}
	cfg.AppNames.Enabled = false
	md := scrapeOnce(t, cfg)
	started := time.Date(2024, 3, 10, 5, 12, 1, 0, time.UTC) // 20240310T061201.000+0100
	found := map[string]bool{}
	for _, rm := range md.ResourceMetrics().All() {
		for _, m := range rm.ScopeMetrics().At(0).Metrics().All() {
			switch m.Name() {
			case "qliksense.engine.calls", "qliksense.engine.cache.hits":
				found[m.Name()] = true
				dp := m.Sum().DataPoints().At(0)
				assert.Equal(t, started, dp.StartTimestamp().AsTime().UTC(), "cumulative counters start when the engine did")
			case "qliksense.engine.uptime":
				found[m.Name()] = true
				dp := m.Gauge().DataPoints().At(0)
				want := dp.Timestamp().AsTime().Sub(started).Seconds()
				assert.InDelta(t, want, dp.DoubleValue(), 1, "uptime honours the +0100 offset")
			case "qliksense.engine.info":
				found[m.Name()] = true
				attrs := m.Gauge().DataPoints().At(0).Attributes().AsRaw()
				assert.Equal(t, map[string]any{"qliksense.engine.version": "14.187.4", "qliksense.engine.start_time": "2024-03-10T05:12:01Z"}, attrs)
			case "qliksense.engine.memory.committed":
				found[m.Name()] = true
				assert.Equal(t, int64(2314.55078125*1048576), m.Gauge().DataPoints().At(0).IntValue(), "MB become bytes")
			}
		}
	}
	assert.Len(t, found, 5)
}

// fakeEngine serves one healthcheck body over TLS; its certificate is
// written as the CA file.
func fakeEngine(t *testing.T, body string) (endpoint, caFile string) {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/engine/healthcheck" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "root.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	return srv.URL, caFile
}

// TestBodyEdgeCases: what Sense may send besides the documented body. A
// part that is missing or null is left out, the rest is still reported;
// numbers are read whatever their spelling.
func TestBodyEdgeCases(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		want   map[string]float64 // metric -> value
		absent []string
	}{
		{"older engine without totalPhysical, floats for counts",
			`{"version":"12.515.3","started":"20191118T082711.000-0500","mem":{"committed":1096.5,"allocated":1219.5,"free":13159.25},` +
				`"cpu":{"total":250},"session":{"active":1.0,"total":2e0},"apps":{"active_docs":[],"in_memory_docs":["a"],"loaded_docs":[],"calls":228.0,"selections":0},` +
				`"users":{"active":1,"total":1},"cache":{"hits":0,"lookups":0,"added":0,"replaced":0,"bytes_added":0},"saturated":false,"newField":{"x":1}}`,
			map[string]float64{
				"qliksense.engine.up": 1, "qliksense.engine.memory.committed": 1096.5 * 1048576, "qliksense.engine.cpu.utilization": 2.5,
				"qliksense.engine.session.active": 1, "qliksense.engine.session.count": 2, "qliksense.engine.calls": 228,
				"qliksense.engine.app.in_memory": 1, "qliksense.engine.saturated": 0,
			},
			[]string{"qliksense.engine.memory.physical"}},
		{"Sense 2.x/3.x engine: mem.comitted, no in_memory_docs, no saturated",
			`{"version":"2.7.50501.0409.10","started":"20160314T103522.000+0100","mem":{"comitted":63.98046875,"allocated":228.5625,"free":21680.28515625},` +
				`"cpu":{"total":0},"session":{"active":2,"total":2},"apps":{"active_docs":["a"],"loaded_docs":["a"],"calls":34,"selections":0},` +
				`"users":{"active":1,"total":1},"cache":{"hits":0,"lookups":0,"added":0,"replaced":0,"bytes_added":0}}`,
			map[string]float64{"qliksense.engine.up": 1, "qliksense.engine.memory.committed": 63.98046875 * 1048576, "qliksense.engine.memory.allocated": 228.5625 * 1048576,
				"qliksense.engine.app.loaded": 1, "qliksense.engine.calls": 34},
			[]string{"qliksense.engine.app.in_memory", "qliksense.engine.saturated", "qliksense.engine.memory.physical"}},
		{"missing and null parts",
			`{"version":"14.187.4","started":"garbage","mem":null,"apps":{"active_docs":null,"calls":5},"saturated":true}`,
			map[string]float64{"qliksense.engine.up": 1, "qliksense.engine.app.active": 0, "qliksense.engine.calls": 5, "qliksense.engine.saturated": 1, "qliksense.engine.info": 1},
			[]string{"qliksense.engine.memory.committed", "qliksense.engine.cpu.utilization", "qliksense.engine.session.count", "qliksense.engine.uptime", "qliksense.engine.cache.hits"}},
		{"not the healthcheck", `<html>Sign in</html>`,
			map[string]float64{"qliksense.engine.up": 0, "qliksense.engine.scrape.errors": 1},
			[]string{"qliksense.engine.info"}},
		{"null body", `null`,
			map[string]float64{"qliksense.engine.up": 0, "qliksense.engine.scrape.errors": 1},
			[]string{"qliksense.engine.info"}},
		{"a JSON error document", `{"error":"Forbidden","status":403}`,
			map[string]float64{"qliksense.engine.up": 0, "qliksense.engine.scrape.errors": 1},
			[]string{"qliksense.engine.info"}},
		{"byte order mark", "\ufeff" + `{"version":"14.187.4","session":{"active":1,"total":2}}`,
			map[string]float64{"qliksense.engine.up": 1, "qliksense.engine.session.count": 2},
			nil},
		{"doc lists with duplicates, nulls and empty ids count each app once", `{"version":"14.187.4","apps":{"active_docs":["a","a",null,""],` +
			`"loaded_docs":["a","a","b"],"in_memory_docs":["a","b","b","c","SessionApp_1","SessionApp_1"],"calls":1,"selections":0}}`,
			map[string]float64{"qliksense.engine.up": 1, "qliksense.engine.app.active": 1, "qliksense.engine.app.loaded": 2, "qliksense.engine.app.in_memory": 4},
			nil},
		// An entry that is no id would make the count too low: it is left
		// out, as any value that cannot be read.
		{"a doc list with an entry that is no id is not counted", `{"version":"14.187.4","apps":{"active_docs":[{"id":"a"}],"loaded_docs":["a",7],"in_memory_docs":["a"],"calls":1,"selections":0}}`,
			map[string]float64{"qliksense.engine.up": 1, "qliksense.engine.app.in_memory": 1},
			[]string{"qliksense.engine.app.active", "qliksense.engine.app.loaded"}},
		{"a list the engine does not send is left out, not 0", `{"version":"11.11.1","apps":{"active_docs":[],"loaded_docs":[],"calls":1,"selections":0}}`,
			map[string]float64{"qliksense.engine.up": 1, "qliksense.engine.app.active": 0},
			[]string{"qliksense.engine.app.in_memory"}},
		{"numbers as text, null leaves", `{"version":"14.187.4","mem":{"committed":"1024","allocated":null,"free":"2048.5"},"cpu":{"total":null},` +
			`"session":{"active":"3","total":9},"saturated":"false"}`,
			map[string]float64{"qliksense.engine.up": 1, "qliksense.engine.memory.committed": 1024 * 1048576, "qliksense.engine.memory.free": 2048.5 * 1048576,
				"qliksense.engine.session.active": 3, "qliksense.engine.session.count": 9, "qliksense.engine.saturated": 0},
			[]string{"qliksense.engine.memory.allocated", "qliksense.engine.cpu.utilization"}},
		{"one unreadable field costs only itself", `{"version":"14.187.4","mem":{"committed":"n/a","allocated":2,"free":3},"session":{"active":"three","total":9},` +
			`"apps":{"calls":true,"selections":4},"saturated":"maybe"}`,
			map[string]float64{"qliksense.engine.up": 1, "qliksense.engine.memory.allocated": 2 * 1048576, "qliksense.engine.session.count": 9, "qliksense.engine.selections": 4},
			[]string{"qliksense.engine.memory.committed", "qliksense.engine.session.active", "qliksense.engine.calls", "qliksense.engine.saturated"}},
		{"negative and huge values", `{"version":"14.187.4","mem":{"committed":1e20,"allocated":-1,"free":3},"session":{"active":-1,"total":9},` +
			`"apps":{"calls":-7,"selections":1e300},"cache":{"hits":-1,"lookups":5,"added":1,"replaced":0,"bytes_added":-2068853448}}`,
			map[string]float64{"qliksense.engine.up": 1, "qliksense.engine.memory.free": 3 * 1048576, "qliksense.engine.session.count": 9,
				"qliksense.engine.cache.lookups": 5, "qliksense.engine.cache.addition.size": -2068853448},
			[]string{"qliksense.engine.memory.committed", "qliksense.engine.memory.allocated", "qliksense.engine.session.active",
				"qliksense.engine.calls", "qliksense.engine.selections", "qliksense.engine.cache.hits"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endpoint, ca := fakeEngine(t, tt.body)
			cfg := createDefaultConfig().(*Config)
			cfg.TLS.CAFile = ca
			cfg.Servers = []ServerConfig{{Name: "central", Endpoint: endpoint}}
			cfg.AppNames.Enabled = false
			md := scrapeOnce(t, cfg)
			got := map[string]float64{}
			for _, rm := range md.ResourceMetrics().All() {
				for _, m := range rm.ScopeMetrics().At(0).Metrics().All() {
					var dp pmetric.NumberDataPoint
					if m.Type() == pmetric.MetricTypeSum {
						dp = m.Sum().DataPoints().At(0)
					} else {
						dp = m.Gauge().DataPoints().At(0)
					}
					if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
						got[m.Name()] = float64(dp.IntValue())
					} else {
						got[m.Name()] = dp.DoubleValue()
					}
				}
			}
			for name, v := range tt.want {
				assert.Contains(t, got, name)
				assert.InDelta(t, v, got[name], 1e-9, name)
			}
			for _, name := range tt.absent {
				assert.NotContains(t, got, name)
			}
		})
	}
}

// TestUnreadableFieldsAreLogged: a field the engine writes oddly is left
// out and named in one warning, not one per scrape.
func TestUnreadableFieldsAreLogged(t *testing.T) {
	endpoint, ca := fakeEngine(t, `{"version":"14.187.4","mem":{"committed":"n/a","allocated":2,"free":3},"session":{"active":-1,"total":9}}`)
	cfg := createDefaultConfig().(*Config)
	cfg.TLS.CAFile = ca
	cfg.Servers = []ServerConfig{{Name: "central", Endpoint: endpoint}}
	cfg.AppNames.Enabled = false
	cfg.CollectionInterval, cfg.InitialDelay = 20*time.Millisecond, 0
	c, logs := run(t, cfg)
	require.Eventually(t, func() bool { return len(c.points("central", "qliksense.engine.up")) >= 3 }, 10*time.Second, 10*time.Millisecond)
	warned := logs.FilterMessageSnippet("could not be read")
	require.Equal(t, 1, warned.Len(), "one warning, not one per scrape")
	assert.Equal(t, []any{"mem.committed", "session.active"}, warned.All()[0].ContextMap()["fields"])
	assert.Equal(t, "central", warned.All()[0].ContextMap()["server"])
	up, _ := c.last("central", "qliksense.engine.up")
	assert.Equal(t, int64(1), up)
	_, gotCommitted := c.last("central", "qliksense.engine.memory.committed")
	assert.False(t, gotCommitted)
}

// TestZeroTimeoutStillNamesApps: timeout 0 is scraperhelper's "no timeout";
// the app list must still be read at start.
func TestZeroTimeoutStillNamesApps(t *testing.T) {
	endpoint, ca := fakeSense(t, "engine-healthcheck-response.json")
	cfg := createDefaultConfig().(*Config)
	cfg.TLS.CAFile = ca
	cfg.Timeout = 0
	cfg.Metrics.QliksenseEngineAppStatus.Enabled = true
	cfg.Servers = []ServerConfig{{Name: "central", Endpoint: endpoint}}
	cfg.AppNames.Endpoint = endpoint
	require.NoError(t, cfg.Validate())
	md := scrapeOnce(t, cfg)
	names := appStatusNames(md)
	assert.Equal(t, "Sales forecast", names["5b817efe-472d-43ce-8a31-6cce34af7de9"])
}

// TestEngineClockAhead: an engine whose clock runs ahead of the collector's
// reports a start time after the scrape; points must never start after
// they end, and uptime is not negative.
func TestEngineClockAhead(t *testing.T) {
	started := time.Now().Add(time.Hour).UTC().Format("20060102T150405.000-0700")
	endpoint, ca := fakeEngine(t, `{"version":"14.187.4","started":"`+started+`","apps":{"calls":5,"selections":1},"cache":{"hits":1,"lookups":2,"added":0,"replaced":0,"bytes_added":0}}`)
	cfg := createDefaultConfig().(*Config)
	cfg.TLS.CAFile = ca
	cfg.Servers = []ServerConfig{{Name: "central", Endpoint: endpoint}}
	cfg.AppNames.Enabled = false
	md := scrapeOnce(t, cfg)
	checked := 0
	for _, rm := range md.ResourceMetrics().All() {
		for _, m := range rm.ScopeMetrics().At(0).Metrics().All() {
			switch m.Type() {
			case pmetric.MetricTypeSum:
				dp := m.Sum().DataPoints().At(0)
				assert.LessOrEqual(t, dp.StartTimestamp(), dp.Timestamp(), m.Name())
				checked++
			case pmetric.MetricTypeGauge:
				if m.Name() == "qliksense.engine.uptime" {
					assert.GreaterOrEqual(t, m.Gauge().DataPoints().At(0).DoubleValue(), 0.0)
					checked++
				}
			}
		}
	}
	assert.Equal(t, 8, checked) // seven counters and the uptime
}

// A tag named like a resource attribute the receiver sets replaces it, as the
// README says: host.name is the endpoint's host, which for an IP address or
// a proxy is not the server's name.
func TestTagReplacesResourceAttribute(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	server := ServerConfig{Name: "central", Endpoint: "https://10.0.0.5:4747", Tags: map[string]string{"host.name": "QS-CENTRAL-01", "site": "stockholm"}}
	s := newServerScraper(cfg, server, receivertest.NewNopSettings(metadata.Type), &appNamesHolder{}, nil)
	attrs := s.resource().Attributes().AsRaw()
	assert.Equal(t, "QS-CENTRAL-01", attrs["host.name"])
	assert.Equal(t, "stockholm", attrs["site"])
	assert.Equal(t, "central", attrs["qliksense.server.name"])
}

// TestAppNamedWhateverItsGUIDCase: an engine that lists an app's GUID in
// upper case still gets the name the repository (lower case) has for it.
func TestAppNamedWhateverItsGUIDCase(t *testing.T) {
	apps, err := os.ReadFile("../../testdata/http/qrs-app-list-response-excerpt.json")
	require.NoError(t, err)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/engine/healthcheck":
			_, _ = w.Write([]byte(`{"version":"14.187.4","apps":{"active_docs":["5B817EFE-472D-43CE-8A31-6CCE34AF7DE9"],` +
				`"loaded_docs":["5B817EFE-472D-43CE-8A31-6CCE34AF7DE9"],"in_memory_docs":["5B817EFE-472D-43CE-8A31-6CCE34AF7DE9","E7af59a0-C243-480d-9571-08727551a66f"],"calls":1,"selections":0}}`))
		case "/qrs/app":
			_, _ = w.Write(apps)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "root.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	cfg := createDefaultConfig().(*Config)
	cfg.TLS.CAFile = ca
	cfg.Metrics.QliksenseEngineAppStatus.Enabled = true
	cfg.Servers = []ServerConfig{{Name: "central", Endpoint: srv.URL}}
	cfg.AppNames.Endpoint = srv.URL
	md := scrapeOnce(t, cfg)
	names := appStatusNames(md)
	assert.Equal(t, map[string]string{
		"5B817EFE-472D-43CE-8A31-6CCE34AF7DE9": "Sales forecast",
		"E7af59a0-C243-480d-9571-08727551a66f": "Inventory analysis",
	}, names, "the id is kept as the engine sent it; the name is found whatever its case")
}

// appStatusNames maps each app id of qliksense.engine.app.status to the name
// its data point carries.
func appStatusNames(md pmetric.Metrics) map[string]string {
	names := map[string]string{}
	for _, m := range md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().All() {
		if m.Name() == "qliksense.engine.app.status" {
			for _, dp := range m.Gauge().DataPoints().All() {
				id, _ := dp.Attributes().Get("qliksense.app.id")
				name, _ := dp.Attributes().Get("qliksense.app.name")
				names[id.Str()] = name.Str()
			}
		}
	}
	return names
}

// TestAppGUIDInTwoCasesIsOneApp: lists that spell one app's GUID in
// different cases count it once, and give it one status point, in its most
// specific state.
func TestAppGUIDInTwoCasesIsOneApp(t *testing.T) {
	const upper, lower, other = "5B817EFE-472D-43CE-8A31-6CCE34AF7DE9", "5b817efe-472d-43ce-8a31-6cce34af7de9", "e7af59a0-c243-480d-9571-08727551a66f"
	endpoint, ca := fakeEngine(t, `{"version":"14.187.4","apps":{"active_docs":["`+upper+`"],"loaded_docs":["`+lower+`","`+upper+`"],`+
		`"in_memory_docs":["`+lower+`","`+other+`","`+upper+`"],"calls":1,"selections":0}}`)
	cfg := createDefaultConfig().(*Config)
	cfg.TLS.CAFile = ca
	cfg.Metrics.QliksenseEngineAppStatus.Enabled = true
	cfg.Servers = []ServerConfig{{Name: "central", Endpoint: endpoint}}
	cfg.AppNames.Enabled = false
	md := scrapeOnce(t, cfg)
	states, counts := map[string]string{}, map[string]int64{}
	for _, m := range md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().All() {
		switch m.Name() {
		case "qliksense.engine.app.status":
			for _, dp := range m.Gauge().DataPoints().All() {
				id, _ := dp.Attributes().Get("qliksense.app.id")
				state, _ := dp.Attributes().Get("qliksense.app.state")
				states[id.Str()] = state.Str()
			}
		case "qliksense.engine.app.active", "qliksense.engine.app.loaded", "qliksense.engine.app.in_memory":
			counts[m.Name()] = m.Gauge().DataPoints().At(0).IntValue()
		}
	}
	assert.Equal(t, map[string]string{upper: "active", other: "in_memory"}, states)
	assert.Equal(t, map[string]int64{"qliksense.engine.app.active": 1, "qliksense.engine.app.loaded": 1, "qliksense.engine.app.in_memory": 2}, counts)
}
