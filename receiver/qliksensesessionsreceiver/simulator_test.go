package qliksensesessionsreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/senseops/senseops-collector/internal/senseapi"
	"github.com/senseops/senseops-collector/internal/sensesim"
	"github.com/senseops/senseops-collector/receiver/qliksensesessionsreceiver/internal/metadata"
)

// lastByProxy returns the last value of a gauge per virtual proxy.
func lastByProxy(sink *consumertest.MetricsSink, metric string) map[string]int64 {
	out := map[string]int64{}
	for _, md := range sink.AllMetrics() {
		for _, rm := range md.ResourceMetrics().All() {
			for _, m := range rm.ScopeMetrics().At(0).Metrics().All() {
				if m.Name() != metric {
					continue
				}
				for _, dp := range m.Gauge().DataPoints().All() {
					vp, _ := dp.Attributes().Get("qliksense.virtual_proxy")
					out[vp.Str()] = dp.IntValue()
				}
			}
		}
	}
	return out
}

func simConfig(site *sensesim.Site, withClientCert bool) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.TLS.CAFile = site.Certs.CAFile
	if withClientCert {
		cfg.TLS.CertFile, cfg.TLS.KeyFile = site.Certs.ClientCertFile, site.Certs.ClientKeyFile
	}
	cfg.CollectionInterval, cfg.InitialDelay = 50*time.Millisecond, 0
	s := site.Servers[0]
	cfg.Servers = []ServerConfig{{ServerConfig: senseapi.ServerConfig{Name: s.Name(), Endpoint: s.ProxyURL()}, VirtualProxies: []string{"/", "/hdr"}}}
	return cfg
}

func runAgainst(t *testing.T, cfg *Config) *consumertest.MetricsSink {
	t.Helper()
	require.NoError(t, cfg.Validate())
	sink := new(consumertest.MetricsSink)
	r, err := newSessionsReceiver(cfg, receivertest.NewNopSettings(metadata.Type), sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })
	return sink
}

func TestSimulatedProxy(t *testing.T) {
	site, err := sensesim.StartSite(context.Background(), sensesim.SiteOptions{Servers: 1, Dir: t.TempDir(), Seed: 2, VirtualProxies: []string{"/", "/hdr"}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = site.Close() })

	t.Run("with the client certificate", func(t *testing.T) {
		sink := runAgainst(t, simConfig(site, true))
		require.Eventually(t, func() bool { return len(lastByProxy(sink, "qliksense.proxy.up")) == 2 }, 10*time.Second, 10*time.Millisecond)
		assert.Equal(t, map[string]int64{"/": 1, "/hdr": 1}, lastByProxy(sink, "qliksense.proxy.up"))
		counts := lastByProxy(sink, "qliksense.proxy.session.count")
		users := lastByProxy(sink, "qliksense.proxy.user.count")
		for vp, n := range counts {
			assert.LessOrEqual(t, users[vp], n, "distinct users never exceed sessions on %s", vp)
		}
	})
	t.Run("without it, mutual TLS refuses", func(t *testing.T) {
		sink := runAgainst(t, simConfig(site, false))
		require.Eventually(t, func() bool { return len(lastByProxy(sink, "qliksense.proxy.up")) == 2 }, 10*time.Second, 10*time.Millisecond)
		assert.Equal(t, map[string]int64{"/": 0, "/hdr": 0}, lastByProxy(sink, "qliksense.proxy.up"))
		assert.Empty(t, lastByProxy(sink, "qliksense.proxy.session.count"))
	})
}
