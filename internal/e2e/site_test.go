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

// TestSimulatedSiteThroughCollector runs what make run runs: the shipped
// distributions/otelcol-senseops/config.yaml (only its addresses, ports,
// certificate paths and intervals changed) against a simulated site. The
// built collector scrapes the site's engines and proxies over mutual TLS,
// categorises its events and derives metrics from them, and serves all of it
// in Prometheus format with one label set per Sense server.
func TestSimulatedSiteThroughCollector(t *testing.T) {
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

	gen, err := sensesim.NewGenerator(5, sensesim.Options{})
	require.NoError(t, err)
	_, err = sensesim.SendUDP(context.Background(), gen, c.udpAddr, "", sensesim.RunConfig{Rate: 2000, Count: 300})
	require.NoError(t, err)

	var page string
	want := []string{
		`qliksense_engine_up_ratio{`, `qliksense_server_name="qs-central-01"`, `qliksense_server_name="qs-rim-01"`,
		`site="demo"`, `qliksense_engine_memory_committed_bytes{`, `qliksense_engine_calls_total{`,
		`qliksense_proxy_session_count{`, `qliksense_virtual_proxy="/hdr"`,
		`qliksense_events_total{`, `qliksense_qix_request_duration_seconds_bucket{`,
		// log_categorization with the shipped rules ran before the connector.
		`qliksense_category_qs_log_category="`,
	}
	require.Eventually(t, func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", promPort))
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
		if strings.HasPrefix(line, "qliksense_engine_up_ratio{") || strings.HasPrefix(line, "qliksense_proxy_up_ratio{") {
			up++
			assert.True(t, strings.HasSuffix(line, " 1"), "every engine and virtual proxy up: %s", line)
		}
	}
	assert.GreaterOrEqual(t, up, 2, "an up series per engine at least")
	// The events were printed by the debug exporter, as the README says.
	assert.Contains(t, c.logs.String(), "qliksense.source")
	assert.NotContains(t, c.logs.String(), "resource_to_telemetry_conversion is deprecated")
}
