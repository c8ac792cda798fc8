package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/senseops/senseops-collector/internal/sensesim"
)

// simulatedSite starts what make run starts: a simulated site of two servers
// and the built collector with the shipped config.yaml, only its addresses,
// ports, certificate paths and intervals changed. It returns the collector and
// the address of its prometheus exporter.
func simulatedSite(t *testing.T) (*collector, string) {
	t.Helper()
	dir := t.TempDir()
	site, err := sensesim.StartSite(context.Background(), sensesim.SiteOptions{Servers: 2, Dir: dir, Seed: 3, VirtualProxies: []string{"/", "/hdr"}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = site.Close() })
	c := newCollector(t)
	promPort, healthPort := freePort(t, "tcp"), freePort(t, "tcp")
	cfg := shippedConfig(t, "config.yaml",
		"localhost:9996", c.udpAddr,
		"https://127.0.0.1:14747", site.Servers[0].BaseURL(),
		"https://127.0.0.1:14748", site.Servers[1].BaseURL(),
		"_build/sensesim-certs/", dir+"/",
		"localhost:9464", fmt.Sprintf("127.0.0.1:%d", promPort),
		"health_check: {}", fmt.Sprintf("health_check: {endpoint: '127.0.0.1:%d'}", healthPort),
		"collection_interval: 10s", "collection_interval: 200ms",
		"emit_interval: 10s", "emit_interval: 200ms",
	)
	c.startFile(t, cfg, nil, fmt.Sprintf("--set=service::telemetry::metrics::readers=[{pull: {exporter: {prometheus: {host: 127.0.0.1, port: %d}}}}]", c.metricsPort))
	return c, fmt.Sprintf("127.0.0.1:%d", promPort)
}

// TestSimulatedSiteThroughCollector runs what make run runs: the shipped
// distributions/otelcol-senseops/config.yaml (only its addresses, ports,
// certificate paths and intervals changed) against a simulated site. The
// built collector scrapes the site's engines and proxies over mutual TLS,
// categorises its events and derives metrics from them, and serves all of it
// in Prometheus format with one label set per Sense server.
func TestSimulatedSiteThroughCollector(t *testing.T) {
	c, promAddr := simulatedSite(t)
	gen, err := sensesim.NewGenerator(5, sensesim.Options{})
	require.NoError(t, err)
	_, err = sensesim.SendUDP(context.Background(), gen, c.udpAddr, "", sensesim.RunConfig{Rate: 2000, Count: 300})
	require.NoError(t, err)

	var page string
	want := []string{
		`qliksense_engine_up{`, `qliksense_server_name="qs-central-01"`, `qliksense_server_name="qs-rim-01"`,
		`site="demo"`, `qliksense_engine_memory_committed_bytes{`, `qliksense_engine_calls_total{`,
		`qliksense_proxy_session_count{`, `qliksense_virtual_proxy="/hdr"`,
		`qliksense_events_total{`, `qliksense_qix_request_duration_seconds_bucket{`,
		// log_categorization with the shipped rules ran before the connector.
		`qliksense_category_qs_log_category="`,
	}
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + promAddr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		page = string(b)
		for _, w := range want {
			if !strings.Contains(page, w) {
				return false
			}
		}
		return true
	}, 60*time.Second, 200*time.Millisecond, "metrics page lacks some of %v", want)
	up := 0
	for _, line := range strings.Split(page, "\n") {
		if strings.HasPrefix(line, "qliksense_engine_up{") || strings.HasPrefix(line, "qliksense_proxy_up{") {
			up++
			assert.True(t, strings.HasSuffix(line, " 1"), "every engine and virtual proxy up: %s", line)
		}
	}
	assert.GreaterOrEqual(t, up, 2, "an up series per engine at least")
	// The events were printed by the debug exporter, as the README says.
	assert.Contains(t, c.logs.String(), "qliksense.source")
	assert.NotContains(t, c.logs.String(), "resource_to_telemetry_conversion is deprecated")
}

// TestSimulatedSiteToPrometheus puts a real Prometheus server (the Debian
// package) behind the site test's collector: it scrapes the shipped config's
// prometheus exporter every second, and PromQL over its HTTP API finds each
// Sense server's health series under its own labels and every event counted
// by source, as a Grafana dashboard would query them.
func TestSimulatedSiteToPrometheus(t *testing.T) {
	serverBinary(t, "prometheus", "prometheus") // before starting anything
	c, promAddr := simulatedSite(t)
	prom := startPrometheus(t, promAddr)

	const n, seed = 300, 5
	want := expectedEvents(t, seed, n)
	gen, err := sensesim.NewGenerator(seed, sensesim.Options{})
	require.NoError(t, err)
	stats, err := sensesim.SendUDP(context.Background(), gen, c.udpAddr, "", sensesim.RunConfig{Rate: 2000, Count: n})
	require.NoError(t, err)
	require.EqualValues(t, n, stats.Sent.Total())

	query := func(q string) []promSample {
		t.Helper()
		res, err := promQuery(prom, q)
		require.NoError(t, err)
		return res
	}
	// Prometheus has scraped the collector and holds the count of every event
	// the shipped rules keep.
	var total []promSample
	if !assert.Eventually(t, func() bool {
		total, err = promQuery(prom, `sum(qliksense_events_total{job="senseops"})`)
		return err == nil && len(total) == 1 && total[0].value() == float64(want.kept)
	}, 30*time.Second, 250*time.Millisecond) {
		names, _ := promQuery(prom, `group by (__name__) ({job="senseops"})`)
		t.Fatalf("Prometheus never counted %d events: %v (%v); series names: %v", want.kept, total, err, names)
	}

	up := query(`up{job="senseops"}`)
	require.Len(t, up, 1)
	assert.Equal(t, 1.0, up[0].value(), "the collector's exporter is a healthy target")
	assert.Equal(t, promAddr, up[0].Metric["instance"])

	// Per source, the counts the simulator sent.
	got := map[string]float64{}
	for _, s := range query(`sum by (qliksense_source) (qliksense_events_total)`) {
		got[s.Metric["qliksense_source"]] = s.value()
	}
	assert.Equal(t, want.bySource, got, "events counted by source")
	got = map[string]float64{}
	for _, s := range query(`sum by (qliksense_host) (qliksense_events_total)`) {
		got[s.Metric["qliksense_host"]] = s.value()
	}
	assert.Equal(t, want.byHost, got, "events counted by Sense server")
	// Every series has its event type; the shipped rules' categories are
	// labels that PromQL can select on.
	for _, s := range query(`qliksense_events_total`) {
		assert.Contains(t, []string{"log", "user"}, s.Metric["qliksense_event_type"], "%v", s.Metric)
		assert.Equal(t, "senseops", s.Metric["job"])
	}
	categorised := query(`sum(qliksense_events_total{qliksense_category_qs_log_category!=""})`)
	require.Len(t, categorised, 1, "events with a category label")
	assert.Positive(t, categorised[0].value())
	assert.Less(t, categorised[0].value(), float64(want.kept), "not every event matches a rule")

	// One up series per simulated server, with the server's name and tags as
	// labels (resource_constant_labels), each 1. (Its {status} unit keeps the
	// exporter from naming it qliksense_engine_up_ratio, as unit "1" did.)
	servers := map[string]int{}
	for _, s := range query(`qliksense_engine_up`) {
		servers[s.Metric["qliksense_server_name"]]++
		assert.Equal(t, "demo", s.Metric["site"], "%v", s.Metric)
		assert.Equal(t, 1.0, s.value(), "%v", s.Metric)
	}
	assert.Equal(t, map[string]int{"qs-central-01": 1, "qs-rim-01": 1}, servers)
	// Sessions: one series per server and virtual proxy.
	proxies := map[string]int{}
	for _, s := range query(`qliksense_proxy_session_count`) {
		proxies[s.Metric["qliksense_server_name"]+" "+s.Metric["qliksense_virtual_proxy"]]++
	}
	assert.Equal(t, map[string]int{"qs-central-01 /": 1, "qs-central-01 /hdr": 1, "qs-rim-01 /": 1, "qs-rim-01 /hdr": 1}, proxies)
}
