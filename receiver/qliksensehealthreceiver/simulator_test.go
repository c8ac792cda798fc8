package qliksensehealthreceiver

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/senseops/senseops-collector/internal/sensesim"
	"github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver/internal/metadata"
)

// startSite runs a simulated Sense site with mutual TLS.
func startSite(t *testing.T, servers int) *sensesim.Site {
	t.Helper()
	site, err := sensesim.StartSite(context.Background(), sensesim.SiteOptions{Servers: servers, Dir: t.TempDir(), Seed: 1})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, site.Close()) })
	return site
}

// siteConfig points the receiver at every server of the site with the
// QMC-like export the simulator wrote.
func siteConfig(site *sensesim.Site) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.TLS.CAFile = site.Certs.CAFile
	cfg.TLS.CertFile = site.Certs.ClientCertFile
	cfg.TLS.KeyFile = site.Certs.ClientKeyFile
	cfg.CollectionInterval = 50 * time.Millisecond
	cfg.InitialDelay = 0
	cfg.Timeout = 5 * time.Second
	cfg.AppNames.Endpoint = site.Servers[0].RepositoryURL()
	for _, s := range site.Servers {
		cfg.Servers = append(cfg.Servers, ServerConfig{Name: s.Name(), Endpoint: s.HealthURL()})
	}
	return cfg
}

// collector records what the receiver delivered, per server and metric.
type collector struct {
	sink *consumertest.MetricsSink
}

// values returns, for one server, the last value of one int gauge and the
// attributes of its points, over every batch so far.
func (c *collector) points(server, metric string) []pmetric.NumberDataPoint {
	var out []pmetric.NumberDataPoint
	for _, md := range c.sink.AllMetrics() {
		for _, rm := range md.ResourceMetrics().All() {
			name, _ := rm.Resource().Attributes().Get("qliksense.server.name")
			if name.Str() != server {
				continue
			}
			for _, m := range rm.ScopeMetrics().At(0).Metrics().All() {
				if m.Name() != metric {
					continue
				}
				var dps pmetric.NumberDataPointSlice
				if m.Type() == pmetric.MetricTypeSum {
					dps = m.Sum().DataPoints()
				} else {
					dps = m.Gauge().DataPoints()
				}
				for _, dp := range dps.All() {
					out = append(out, dp)
				}
			}
		}
	}
	return out
}

func (c *collector) last(server, metric string) (int64, bool) {
	p := c.points(server, metric)
	if len(p) == 0 {
		return 0, false
	}
	return p[len(p)-1].IntValue(), true
}

func run(t *testing.T, cfg *Config) (*collector, *observer.ObservedLogs) {
	t.Helper()
	require.NoError(t, cfg.Validate())
	core, logs := observer.New(zap.WarnLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	sink := new(consumertest.MetricsSink)
	r, err := newHealthReceiver(cfg, set, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })
	return &collector{sink: sink}, logs
}

func scrapeError(c *collector, server string) string {
	for _, dp := range c.points(server, "qliksense.engine.scrape.errors") {
		v, _ := dp.Attributes().Get("error.type")
		return v.Str()
	}
	return ""
}

func TestSimulatedSite(t *testing.T) {
	site := startSite(t, 2)
	cfg := siteConfig(site)
	cfg.Metrics.QliksenseEngineAppStatus.Enabled = true
	c, _ := run(t, cfg)
	require.Eventually(t, func() bool {
		a, okA := c.last(site.Servers[0].Name(), "qliksense.engine.up")
		b, okB := c.last(site.Servers[1].Name(), "qliksense.engine.up")
		return okA && okB && a == 1 && b == 1
	}, 10*time.Second, 10*time.Millisecond)

	// App names are there from the very first scrape.
	first := c.sink.AllMetrics()[0]
	named, ids := 0, 0
	for _, rm := range first.ResourceMetrics().All() {
		for _, m := range rm.ScopeMetrics().At(0).Metrics().All() {
			if m.Name() != "qliksense.engine.app.status" {
				continue
			}
			for _, dp := range m.Gauge().DataPoints().All() {
				id, _ := dp.Attributes().Get("qliksense.app.id")
				name, _ := dp.Attributes().Get("qliksense.app.name")
				if strings.HasPrefix(id.Str(), "SessionApp") {
					continue
				}
				ids++
				if name.Str() != id.Str() {
					named++
				}
			}
		}
	}
	require.NotZero(t, ids, "the simulated engine has apps in memory")
	assert.Equal(t, ids, named, "every app is named on the first scrape")
}

func TestMutualTLSIsRequired(t *testing.T) {
	site := startSite(t, 1)
	cfg := siteConfig(site)
	cfg.TLS.CertFile, cfg.TLS.KeyFile = "", "" // no client certificate
	cfg.AppNames.Enabled = false
	c, logs := run(t, cfg)
	name := site.Servers[0].Name()
	require.Eventually(t, func() bool { return scrapeError(c, name) != "" }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, "tls", scrapeError(c, name))
	up, _ := c.last(name, "qliksense.engine.up")
	assert.Equal(t, int64(0), up)
	require.Eventually(t, func() bool { return logs.FilterMessageSnippet("Error scraping").Len() > 0 }, 10*time.Second, 10*time.Millisecond)
	msg := logs.FilterMessageSnippet("Error scraping").All()[0].ContextMap()["error"]
	assert.Contains(t, msg, `server "`+name+`"`, "the log names the server")
	assert.Contains(t, msg, "tls", "and why")
}

func TestWrongCAFailsClosed(t *testing.T) {
	site := startSite(t, 1)
	cfg := siteConfig(site)
	cfg.TLS.CAFile = site.Certs.WrongCAFile
	cfg.AppNames.Enabled = false
	c, _ := run(t, cfg)
	name := site.Servers[0].Name()
	require.Eventually(t, func() bool { return scrapeError(c, name) != "" }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, "tls", scrapeError(c, name))
	_, gotMemory := c.last(name, "qliksense.engine.memory.committed")
	assert.False(t, gotMemory, "nothing is read from an untrusted server")
}

func TestEncryptedKeyWithPassphrase(t *testing.T) {
	site := startSite(t, 1)
	cfg := siteConfig(site)
	cfg.TLS.KeyFile = site.Certs.ClientKeyEncryptedFile
	cfg.KeyPassphrase = "wrong passphrase"
	cfg.AppNames.Enabled = false
	r, err := newHealthReceiver(cfg, receivertest.NewNopSettings(metadata.Type), consumertest.NewNop())
	require.NoError(t, err)
	err = r.Start(context.Background(), componenttest.NewNopHost())
	require.ErrorContains(t, err, "key_passphrase: cannot decrypt")
	require.NoError(t, r.Shutdown(context.Background()))

	cfg.KeyPassphrase = "sensesim"
	c, _ := run(t, cfg)
	require.Eventually(t, func() bool { up, ok := c.last(site.Servers[0].Name(), "qliksense.engine.up"); return ok && up == 1 }, 10*time.Second, 10*time.Millisecond)
}

// TestFaultyServersDoNotDelayTheRest: one server hangs, one answers 500,
// one sends malformed JSON; the healthy one keeps delivering on schedule and
// each failure is reported for its own server.
func TestFaultyServersDoNotDelayTheRest(t *testing.T) {
	site := startSite(t, 4)
	hung, failing, malformed, healthy := site.Servers[0], site.Servers[1], site.Servers[2], site.Servers[3]
	hung.SetFault(sensesim.APIHealth, sensesim.Fault{Hang: true})
	failing.SetFault(sensesim.APIHealth, sensesim.Fault{FailRate: 1})
	malformed.SetFault(sensesim.APIHealth, sensesim.Fault{Malformed: true})
	cfg := siteConfig(site)
	cfg.Timeout = time.Hour // the hung server would block a sequential poller for good
	c, _ := run(t, cfg)

	require.Eventually(t, func() bool {
		return len(c.points(healthy.Name(), "qliksense.engine.up")) >= 5
	}, 20*time.Second, 10*time.Millisecond, "the healthy server keeps being scraped while another hangs")
	require.Eventually(t, func() bool {
		return scrapeError(c, failing.Name()) != "" && scrapeError(c, malformed.Name()) != ""
	}, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, "http_status", scrapeError(c, failing.Name()))
	assert.Equal(t, "bad_json", scrapeError(c, malformed.Name()))
	assert.Empty(t, c.points(hung.Name(), "qliksense.engine.up"), "the hung server's scrape is still waiting")
	for _, s := range []*sensesim.Server{healthy} {
		up, _ := c.last(s.Name(), "qliksense.engine.up")
		assert.Equal(t, int64(1), up)
	}
}

// TestRepositoryDownHealthStillFlows: with the app list unreachable, health
// metrics flow and apps are named by their ids.
func TestRepositoryDownHealthStillFlows(t *testing.T) {
	site := startSite(t, 1)
	site.Servers[0].SetFault(sensesim.APIRepository, sensesim.Fault{FailRate: 1})
	cfg := siteConfig(site)
	cfg.Metrics.QliksenseEngineAppStatus.Enabled = true
	c, logs := run(t, cfg)
	name := site.Servers[0].Name()
	require.Eventually(t, func() bool { up, ok := c.last(name, "qliksense.engine.up"); return ok && up == 1 }, 10*time.Second, 10*time.Millisecond)
	for _, dp := range c.points(name, "qliksense.engine.app.status") {
		id, _ := dp.Attributes().Get("qliksense.app.id")
		n, _ := dp.Attributes().Get("qliksense.app.name")
		assert.Equal(t, id.Str(), n.Str())
	}
	assert.NotZero(t, logs.FilterMessageSnippet("Could not read the app list").Len())
}
