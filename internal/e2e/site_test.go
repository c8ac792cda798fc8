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

// TestSimulatedSiteThroughCollector runs what make run runs, with ephemeral
// ports: the built collector scrapes a simulated site's engines and proxies
// over mutual TLS, derives metrics from its events, and serves all of it in
// Prometheus format with one label set per Sense server.
func TestSimulatedSiteThroughCollector(t *testing.T) {
	site, err := sensesim.StartSite(context.Background(), sensesim.SiteOptions{Servers: 2, Dir: t.TempDir(), Seed: 3, VirtualProxies: []string{"/", "/hdr"}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = site.Close() })
	c := newCollector(t)
	promPort := freePort(t, "tcp")
	var servers, proxies strings.Builder
	for _, s := range site.Servers {
		fmt.Fprintf(&servers, "      - {name: %s, endpoint: %q}\n", s.Name(), s.HealthURL())
		fmt.Fprintf(&proxies, "      - {name: %s, endpoint: %q, virtual_proxies: [/, /hdr]}\n", s.Name(), s.ProxyURL())
	}
	tls := fmt.Sprintf("{ca_file: %q, cert_file: %q, key_file: %q}", site.Certs.CAFile, site.Certs.ClientCertFile, site.Certs.ClientKeyFile)
	c.start(t, fmt.Sprintf(`
receivers:
  qliksense_events:
    endpoint: %s
    batch: {timeout: 50ms}
  qliksense_health:
    collection_interval: 200ms
    tls: %s
    app_names: {endpoint: %q}
    servers:
%s
  qliksense_sessions:
    collection_interval: 200ms
    tls: %s
    servers:
%s
processors:
  user_agent: {}
connectors:
  qliksense_metrics:
    emit_interval: 200ms
exporters:
  prometheus:
    endpoint: 127.0.0.1:%d
    resource_to_telemetry_conversion: {enabled: true}
service:
  telemetry:
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: %d}}}
  pipelines:
    logs:
      receivers: [qliksense_events]
      processors: [user_agent]
      exporters: [qliksense_metrics]
    metrics:
      receivers: [qliksense_health, qliksense_sessions, qliksense_metrics]
      exporters: [prometheus]
`, c.udpAddr, tls, site.Servers[0].RepositoryURL(), servers.String(), tls, proxies.String(), promPort, c.metricsPort))

	gen, err := sensesim.NewGenerator(5, sensesim.Options{})
	require.NoError(t, err)
	_, err = sensesim.SendUDP(context.Background(), gen, c.udpAddr, "", sensesim.RunConfig{Rate: 2000, Count: 300})
	require.NoError(t, err)

	var page string
	want := []string{
		`qliksense_engine_up_ratio{`, `qliksense_server_name="` + site.Servers[0].Name() + `"`,
		`qliksense_server_name="` + site.Servers[1].Name() + `"`,
		`qliksense_engine_memory_committed_bytes{`, `qliksense_engine_calls_total{`,
		`qliksense_proxy_session_count{`, `qliksense_virtual_proxy="/hdr"`,
		`qliksense_events_total{`, `qliksense_qix_request_duration_seconds_bucket{`,
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
	for _, line := range strings.Split(page, "\n") {
		if strings.HasPrefix(line, "qliksense_engine_up_ratio{") || strings.HasPrefix(line, "qliksense_proxy_up_ratio{") {
			assert.True(t, strings.HasSuffix(line, " 1"), "every engine and virtual proxy up: %s", line)
		}
	}
}
