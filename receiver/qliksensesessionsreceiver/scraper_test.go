package qliksensesessionsreceiver

import (
	"context"
	"encoding/pem"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/senseops/senseops-collector/internal/senseapi"
	"github.com/senseops/senseops-collector/receiver/qliksensesessionsreceiver/internal/metadata"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fakeProxy serves the sample session lists for "/" and "/hdr" over TLS.
func fakeProxy(t *testing.T) (endpoint, caFile string) {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("../../testdata/http", name))
		require.NoError(t, err)
		return string(b)
	}
	return fakeProxyBodies(t, map[string]string{
		"/qps/session":     read("qps-session-response-default-vp.json"),
		"/qps/hdr/session": read("qps-session-response-hdr-vp.json"),
	})
}

func scrapeOnce(t *testing.T, cfg *Config) pmetric.Metrics {
	t.Helper()
	sink := new(consumertest.MetricsSink)
	cfg.CollectionInterval = time.Hour
	cfg.InitialDelay = 0
	r, err := newSessionsReceiver(cfg, receivertest.NewNopSettings(metadata.Type), sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, r.Shutdown(context.Background())) }()
	require.Eventually(t, func() bool { return len(sink.AllMetrics()) > 0 }, 10*time.Second, 10*time.Millisecond)
	return sink.AllMetrics()[0]
}

func testConfig(endpoint, ca string, proxies ...string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.TLS.CAFile = ca
	cfg.Servers = []ServerConfig{{ServerConfig: senseapi.ServerConfig{Name: "central", Endpoint: endpoint, Tags: map[string]string{"site": "stockholm"}}, VirtualProxies: proxies}}
	return cfg
}

func TestScrapeGolden(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		proxies []string
	}{
		{"default", func(*Config) {}, []string{"/", "hdr/"}},
		{"per-user-with-excludes", func(c *Config) {
			c.Metrics.QliksenseProxyUserSessions.Enabled = true
			c.ExcludeUsers = []string{`corp\ASMITH`} // case-insensitive
		}, []string{"/", "/hdr"}},
		{"unknown-virtual-proxy", func(*Config) {}, []string{"/", "/sales"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endpoint, ca := fakeProxy(t)
			cfg := testConfig(endpoint, ca, tt.proxies...)
			tt.mutate(cfg)
			require.NoError(t, cfg.Validate())
			got := scrapeOnce(t, cfg)
			file := filepath.Join("testdata", "expected", tt.name+".yaml")
			if *update {
				require.NoError(t, golden.WriteMetrics(t, file, got))
			}
			want, err := golden.ReadMetrics(file)
			require.NoError(t, err)
			require.NoError(t, pmetrictest.CompareMetrics(want, got,
				pmetrictest.IgnoreTimestamp(), pmetrictest.IgnoreStartTimestamp(),
				pmetrictest.IgnoreMetricsOrder(), pmetrictest.IgnoreMetricDataPointsOrder()))
		})
	}
}

// TestExcludeAppliesEverywhere: an excluded user is in no number at all,
// however the entry is spelled (case, blanks around the backslash).
func TestExcludeAppliesEverywhere(t *testing.T) {
	for _, entry := range []string{`CORP\jdoe`, ` corp \ JDoe `} {
		t.Run(entry, func(t *testing.T) { testExclude(t, entry) })
	}
}

func testExclude(t *testing.T, entry string) {
	endpoint, ca := fakeProxy(t)
	cfg := testConfig(endpoint, ca, "/")
	cfg.Metrics.QliksenseProxyUserSessions.Enabled = true
	cfg.ExcludeUsers = []string{entry}
	require.NoError(t, cfg.Validate())
	md := scrapeOnce(t, cfg)
	values := map[string]int64{}
	for _, m := range md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().All() {
		for _, dp := range m.Gauge().DataPoints().All() {
			if u, ok := dp.Attributes().Get("user.id"); ok {
				values[m.Name()+" "+u.Str()] = dp.IntValue()
				continue
			}
			values[m.Name()] = dp.IntValue()
		}
	}
	// The sample has jdoe twice and asmith once on "/".
	assert.Equal(t, map[string]int64{
		"qliksense.proxy.session.count":             1,
		"qliksense.proxy.user.count":                1,
		"qliksense.proxy.up":                        1,
		`qliksense.proxy.user.sessions CORP\asmith`: 1,
	}, values)
}

func TestValidateNamesTheField(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"no servers", func(c *Config) { c.Servers = nil }, "servers: at least one server"},
		{"interval without a unit", func(c *Config) { c.CollectionInterval = 30000 }, "collection_interval: 30µs is under a millisecond"},
		{"bad endpoint", func(c *Config) { c.Servers[0].Endpoint = "qs1:4243" }, "servers[0].endpoint:"},
		{"duplicate proxy", func(c *Config) { c.Servers[0].VirtualProxies = []string{"/hdr", "hdr/"} }, `servers[0].virtual_proxies[1]: "hdr/" is listed twice`},
		{"bad proxy", func(c *Config) { c.Servers[0].VirtualProxies = []string{"/a/b"} }, `servers[0].virtual_proxies[0]: "/a/b" is not a virtual proxy prefix`},
		{"empty exclude", func(c *Config) { c.ExcludeUsers = []string{`CORP\x`, " "} }, "exclude_users[1]: is empty"},
		// Entries that can match no session (which always names its
		// directory) are refused, not silently ignored.
		{"exclude without a directory", func(c *Config) { c.ExcludeUsers = []string{`sa_repository`} },
			`exclude_users[0]: "sa_repository" is not DIRECTORY\userid`},
		{"exclude with an empty directory", func(c *Config) { c.ExcludeUsers = []string{`\jdoe`} },
			`exclude_users[0]: "\\jdoe" is not DIRECTORY\userid`},
		{"exclude with a blank user id", func(c *Config) { c.ExcludeUsers = []string{`INTERNAL\ `} },
			`exclude_users[0]: "INTERNAL\\" is not DIRECTORY\userid`},
		{"exclude with an empty user id", func(c *Config) { c.ExcludeUsers = []string{`INTERNAL\`} },
			`exclude_users[0]: "INTERNAL\\" is not DIRECTORY\userid`},
		{"exclude with a doubled backslash (single-quoted YAML)", func(c *Config) { c.ExcludeUsers = []string{`CORP\x`, `INTERNAL\\sa_repository`} },
			`exclude_users[1]: "INTERNAL\\\\sa_repository" has two backslashes`},
		// The server resolves dot segments: /qps/./session is the default
		// proxy's list, which would be reported as "/.".
		{"dot prefix", func(c *Config) { c.Servers[0].VirtualProxies = []string{"/", "/./"} }, `servers[0].virtual_proxies[1]: "/./" is not a virtual proxy prefix`},
		{"dot-dot prefix", func(c *Config) { c.Servers[0].VirtualProxies = []string{".."} }, `servers[0].virtual_proxies[0]: ".." is not a virtual proxy prefix`},
		{"unreadable key", func(c *Config) { c.TLS.CertFile, c.TLS.KeyFile = "/no/client.pem", "/no/client_key.pem" }, `tls.key_file: cannot read "/no/client_key.pem"`},
		{"session URL as endpoint", func(c *Config) { c.Servers[0].Endpoint = "https://qs1:4243/qps/hdr/session" },
			`servers[0].endpoint: "https://qs1:4243/qps/hdr/session" includes the API path /qps`},
		{"X-Qlik-User form", func(c *Config) { c.Headers = map[string]configopaque.String{"X-Qlik-User": `INTERNAL\sa_repository`} },
			`headers.X-Qlik-User: "INTERNAL\\sa_repository" is not in the form`},
		{"header spelled twice", func(c *Config) {
			c.Servers[0].Headers = map[string]configopaque.String{"X-Qlik-User": "UserDirectory=A; UserId=b", "x-qlik-user": "UserDirectory=A; UserId=c"}
		}, `servers[0].headers: "X-Qlik-User" and "x-qlik-user" are the same header`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig("https://qs1:4243", "", "/")
			tt.mutate(cfg)
			assert.ErrorContains(t, cfg.Validate(), tt.want)
		})
	}
}

// TestVirtualProxyForms: every way of writing a prefix that the QMC's
// prefix can be normalized from is accepted and polled as that prefix.
func TestVirtualProxyForms(t *testing.T) {
	tests := []struct {
		configured []string
		want       []string
	}{
		{nil, []string{"/"}},
		{[]string{""}, []string{"/"}},
		{[]string{"/"}, []string{"/"}},
		{[]string{"hdr", "/sales/"}, []string{"/hdr", "/sales"}},
		// Blanks around a prefix are dropped, as NormalizeVirtualProxy does;
		// they were refused as "not a virtual proxy prefix".
		{[]string{" /hdr", "sales "}, []string{"/hdr", "/sales"}},
		{[]string{" / "}, []string{"/"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.configured), func(t *testing.T) {
			cfg := testConfig("https://qs1:4243", "", tt.configured...)
			require.NoError(t, cfg.Validate())
			s := newServerScraper(cfg, cfg.Servers[0], receivertest.NewNopSettings(metadata.Type), nil, nil)
			assert.Equal(t, tt.want, s.proxies)
		})
	}
}

// fakeProxyBodies serves the given session-list bodies by request path over
// TLS, to requests with a matching Xrfkey pair (403 otherwise); its
// certificate is written as the CA file.
func fakeProxyBodies(t *testing.T, bodies map[string]string) (endpoint, caFile string) {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if key := r.URL.Query().Get("Xrfkey"); len(key) != 16 || key != r.Header.Get("X-Qlik-Xrfkey") {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		if b, ok := bodies[r.URL.Path]; ok {
			_, _ = w.Write([]byte(b))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "root.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	return srv.URL, caFile
}

// TestSessionListEdgeCases: prefixes and users as Sense may have them.
func TestSessionListEdgeCases(t *testing.T) {
	tests := []struct {
		name    string
		proxy   string // as configured
		path    string // where the server answers
		body    string
		exclude []string
		want    map[string]int64 // metric or "metric user" -> value
	}{
		{"non-ASCII prefix", "/försäljning/", "/qps/försäljning/session",
			`[{"UserDirectory":"CORP","UserId":"jdoe","SessionId":"s1"}]`, nil,
			map[string]int64{"qliksense.proxy.up": 1, "qliksense.proxy.session.count": 1, "qliksense.proxy.user.count": 1, `qliksense.proxy.user.sessions CORP\jdoe`: 1}},
		{"non-ASCII users, duplicates and an excluded one", "hdr", "/qps/hdr/session",
			`[{"UserDirectory":"ÅRHUS","UserId":"jörgen.ßmith","SessionId":"s1","Attributes":[{"x":"y"}]},` +
				`{"UserDirectory":"ÅRHUS","UserId":"jörgen.ßmith","SessionId":"s2"},` +
				`{"UserDirectory":"ÅRHUS","UserId":"Ölaf","SessionId":"s3"},` +
				`{"UserDirectory":"CORP","UserId":"山田","SessionId":"s4","Extra":1}]`,
			[]string{`århus\ölaf`},
			map[string]int64{"qliksense.proxy.up": 1, "qliksense.proxy.session.count": 3, "qliksense.proxy.user.count": 2,
				`qliksense.proxy.user.sessions ÅRHUS\jörgen.ßmith`: 2, `qliksense.proxy.user.sessions CORP\山田`: 1}},
		// Sense user ids are case-insensitive (as exclude_users matches): one
		// user signed in twice as typed differently is one user, named by its
		// first spelling in byte order, whatever the order of the list.
		{"the same user in another case is one user", "/", "/qps/session",
			`[{"UserDirectory":"CORP","UserId":"JDoe","SessionId":"s1"},{"UserDirectory":"corp","UserId":"jdoe","SessionId":"s2"},` +
				`{"UserDirectory":"CORP","UserId":"asmith","SessionId":"s3"},{"UserDirectory":"Corp","UserId":"ASmith","SessionId":"s4"},{"UserDirectory":"CORP","UserId":"jdoe","SessionId":"s5"}]`,
			[]string{`CORP\ASMITH`},
			map[string]int64{"qliksense.proxy.up": 1, "qliksense.proxy.session.count": 3, "qliksense.proxy.user.count": 1, `qliksense.proxy.user.sessions CORP\JDoe`: 3}},
		{"the same user in another case, listed the other way round", "/", "/qps/session",
			`[{"UserDirectory":"corp","UserId":"jdoe","SessionId":"s2"},{"UserDirectory":"CORP","UserId":"jdoe","SessionId":"s5"},{"UserDirectory":"CORP","UserId":"JDoe","SessionId":"s1"}]`,
			nil,
			map[string]int64{"qliksense.proxy.up": 1, "qliksense.proxy.session.count": 3, "qliksense.proxy.user.count": 1, `qliksense.proxy.user.sessions CORP\JDoe`: 3}},
		{"no sessions", "/", "/qps/session", `[]`, nil,
			map[string]int64{"qliksense.proxy.up": 1, "qliksense.proxy.session.count": 0, "qliksense.proxy.user.count": 0}},
		{"null list", "/", "/qps/session", `null`, nil,
			map[string]int64{"qliksense.proxy.up": 1, "qliksense.proxy.session.count": 0, "qliksense.proxy.user.count": 0}},
		{"sessions without a user: counted, but no user", "/", "/qps/session",
			`[null,{"SessionId":"s2"},{"UserDirectory":"CORP","UserId":"jdoe","SessionId":"s3"}]`, nil,
			map[string]int64{"qliksense.proxy.up": 1, "qliksense.proxy.session.count": 3, "qliksense.proxy.user.count": 1, `qliksense.proxy.user.sessions CORP\jdoe`: 1}},
		{"a directory without a user id is no user (not CORP\\)", "/", "/qps/session",
			`[{"UserDirectory":"CORP","SessionId":"s1"},{"UserDirectory":"CORP","UserId":{"x":1},"SessionId":"s2"},{"UserDirectory":"CORP","UserId":"jdoe","SessionId":"s3"}]`, nil,
			map[string]int64{"qliksense.proxy.up": 1, "qliksense.proxy.session.count": 3, "qliksense.proxy.user.count": 1, `qliksense.proxy.user.sessions CORP\jdoe`: 1}},
		{"an object, not a list", "/", "/qps/session", `{"UserDirectory":"CORP"}`, nil,
			map[string]int64{"qliksense.proxy.up": 0}},
		{"a numeric user id and odd field types", "/", "/qps/session",
			`[{"UserDirectory":"CORP","UserId":12345,"SessionId":"s1","Attributes":null},{"UserDirectory":"CORP","UserId":"12345","SessionId":9},` +
				`{"UserDirectory":"CORP","UserId":"jdoe","SessionId":"s3","Attributes":[{"group":["a","b"]},{"email":null}]}]`, nil,
			map[string]int64{"qliksense.proxy.up": 1, "qliksense.proxy.session.count": 3, "qliksense.proxy.user.count": 2,
				`qliksense.proxy.user.sessions CORP\12345`: 2, `qliksense.proxy.user.sessions CORP\jdoe`: 1}},
		{"byte order mark", "/", "/qps/session", "\ufeff" + `[{"UserDirectory":"CORP","UserId":"jdoe","SessionId":"s1"}]`, nil,
			map[string]int64{"qliksense.proxy.up": 1, "qliksense.proxy.session.count": 1, "qliksense.proxy.user.count": 1, `qliksense.proxy.user.sessions CORP\jdoe`: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endpoint, ca := fakeProxyBodies(t, map[string]string{tt.path: tt.body})
			cfg := testConfig(endpoint, ca, tt.proxy)
			cfg.Metrics.QliksenseProxyUserSessions.Enabled = true
			cfg.ExcludeUsers = tt.exclude
			require.NoError(t, cfg.Validate())
			md := scrapeOnce(t, cfg)
			got := map[string]int64{}
			for _, m := range md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().All() {
				if m.Type() != pmetric.MetricTypeGauge {
					continue
				}
				for _, dp := range m.Gauge().DataPoints().All() {
					if u, ok := dp.Attributes().Get("user.id"); ok {
						got[m.Name()+" "+u.Str()] = dp.IntValue()
						continue
					}
					got[m.Name()] = dp.IntValue()
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
