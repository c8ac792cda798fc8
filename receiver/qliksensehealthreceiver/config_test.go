package qliksensehealthreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	cfg := createDefaultConfig().(*Config)
	sub, err := cm.Sub(component.NewID(metadata.Type).String())
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, 30*time.Second, cfg.CollectionInterval)
	assert.Equal(t, "https://qs-central-01.corp.example:4242", cfg.appNamesEndpoint(), "defaults to the first server on 4242")
	assert.Equal(t, "UserDirectory=Internal; UserId=sa_repository", string(cfg.Headers["X-Qlik-User"]))

	full := createDefaultConfig().(*Config)
	sub, err = cm.Sub(component.NewIDWithName(metadata.Type, "full").String())
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(full))
	require.NoError(t, confmap.Validate(full))
	assert.Equal(t, time.Minute, full.CollectionInterval)
	assert.Equal(t, 5*time.Second, full.Timeout)
	assert.Equal(t, 4, full.MaxConcurrency)
	assert.True(t, full.Metrics.QliksenseEngineAppStatus.Enabled)
	assert.Equal(t, map[string]string{"site": "stockholm", "env": "prod"}, full.Servers[0].Tags)
	assert.Equal(t, "testdata/certs/client.pem", full.TLS.CertFile)
	rim := full.ConnectionConfig.For(&full.Servers[1])
	assert.Equal(t, "1", string(rim.Headers["X-Extra"]))
	assert.Equal(t, "UserDirectory=CORP; UserId=svc_monitor", string(rim.Headers["X-Qlik-User"]), "server headers merge over shared ones")
	assert.Equal(t, "testdata/certs/client.pem", rim.TLS.CertFile, "shared TLS applies when a server sets none")
}

// TestEndpointBehindReverseProxy: a base URL whose path has an API
// segment other than at its end (a reverse proxy's route) is valid.
func TestEndpointBehindReverseProxy(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Servers = []ServerConfig{{Name: "central", Endpoint: "https://gateway.corp/engine/qs-central-01"}}
	cfg.AppNames.Endpoint = "https://gateway.corp/qrs/qs-central-01"
	assert.NoError(t, cfg.Validate())
}

func TestValidateNamesTheField(t *testing.T) {
	server := func(name, endpoint string) ServerConfig { return ServerConfig{Name: name, Endpoint: endpoint} }
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string
	}{
		{"no servers", func(c *Config) { c.Servers = nil }, []string{"servers: at least one server"}},
		{"missing endpoint", func(c *Config) { c.Servers = []ServerConfig{server("a", "")} }, []string{"servers[0].endpoint: must be set"}},
		{"plain host", func(c *Config) { c.Servers = []ServerConfig{server("a", "qs1:4747")} }, []string{"servers[0].endpoint:"}},
		{"duplicate names", func(c *Config) {
			c.Servers = []ServerConfig{server("a", "https://qs1:4747"), server("b", "https://qs2:4747"), server("a", "https://qs3:4747")}
		}, []string{`servers[2].name: "a" is already the name of servers[0]`}},
		{"missing name", func(c *Config) { c.Servers = []ServerConfig{server("", "https://qs1:4747")} }, []string{"servers[0].name: must be set"}},
		{"unreadable certificate", func(c *Config) {
			c.TLS.CertFile, c.TLS.KeyFile = "/nonexistent/client.pem", "/nonexistent/client_key.pem"
		}, []string{`tls.cert_file: cannot read "/nonexistent/client.pem"`, "tls.key_file: cannot read"}},
		{"unreadable per-server CA", func(c *Config) {
			c.Servers[0].TLS = &configtls.ClientConfig{}
			c.Servers[0].TLS.CAFile = "/nonexistent/root.pem"
		}, []string{`servers[0].tls.ca_file: cannot read "/nonexistent/root.pem"`}},
		{"passphrase without key", func(c *Config) { c.KeyPassphrase = "secret" }, []string{"key_passphrase: set but tls.key_file is not"}},
		{"concurrency", func(c *Config) { c.MaxConcurrency = 0 }, []string{"max_concurrency:"}},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, []string{"timeout: must not be negative"}},
		// Butler SOS's pollingInterval is milliseconds without a unit.
		{"numbers without a unit", func(c *Config) { c.CollectionInterval, c.Timeout = 15000, 5000 }, []string{"collection_interval: 15µs is under a millisecond", "timeout: 5µs is under a millisecond"}},
		{"app names endpoint", func(c *Config) { c.AppNames.Endpoint = "qs1:4242" }, []string{"app_names.endpoint:"}},
		{"app names interval", func(c *Config) { c.AppNames.RefreshInterval = 0 }, []string{"app_names.refresh_interval:"}},
		{"healthcheck URL as endpoint", func(c *Config) { c.Servers[0].Endpoint = "https://qs1:4747/engine/healthcheck/" },
			[]string{`servers[0].endpoint: "https://qs1:4747/engine/healthcheck/" includes the API path /engine/healthcheck`}},
		{"app list URL as app names endpoint", func(c *Config) { c.AppNames.Endpoint = "https://qs1:4242/qrs/app" },
			[]string{"app_names.endpoint:", "includes the API path /qrs"}},
		// QRS's other app list URLs, as copied from a browser or a script.
		{"full app list URL as app names endpoint", func(c *Config) { c.AppNames.Endpoint = "https://qs1:4242/qrs/app/full" },
			[]string{`app_names.endpoint: "https://qs1:4242/qrs/app/full" includes the API path /qrs/app/full`}},
		{"one app's URL as app names endpoint", func(c *Config) {
			c.AppNames.Endpoint = "https://qs1:4242/qrs/app/5b817efe-472d-43ce-8a31-6cce34af7de9/"
		},
			[]string{"app_names.endpoint:", "includes the API path /qrs/app/5b817efe"}},
		{"X-Qlik-User in DOMAIN\\user form", func(c *Config) { c.Headers = map[string]configopaque.String{"X-Qlik-User": `CORP\svc_monitor`} },
			[]string{`headers.X-Qlik-User: "CORP\\svc_monitor" is not in the form`}},
		{"per-server header spelled twice", func(c *Config) {
			c.Servers[0].Headers = map[string]configopaque.String{"X-Extra": "1", "x-extra": "2"}
		}, []string{`servers[0].headers: "X-Extra" and "x-extra" are the same header`}},
		{"per-server X-Qlik-User form", func(c *Config) {
			c.Servers[0].Headers = map[string]configopaque.String{"x-qlik-user": "sa_repository"}
		}, []string{`servers[0].headers.x-qlik-user: "sa_repository" is not in the form`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.Servers = []ServerConfig{server("central", "https://qs1:4747")}
			tt.mutate(cfg)
			err := cfg.Validate()
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestAppNamesDefaults: without app_names.endpoint the repository of the
// first server is read, at its host on 4242 and with its certificates (which
// may be set for that server only); an explicit endpoint uses the shared ones.
func TestAppNamesDefaults(t *testing.T) {
	own := &configtls.ClientConfig{}
	own.CAFile, own.CertFile, own.KeyFile = "/rim/root.pem", "/rim/client.pem", "/rim/client_key.pem"
	tests := []struct {
		name         string
		endpoint     string // app_names.endpoint
		server       ServerConfig
		wantEndpoint string
		wantCert     string
		wantUser     string
	}{
		{"shared certificates", "", ServerConfig{Endpoint: "https://qs1.corp:4747"},
			"https://qs1.corp:4242", "/shared/client.pem", "UserDirectory=Internal; UserId=sa_repository"},
		{"first server's own certificates", "", ServerConfig{Endpoint: "https://qs1.corp:4747/", TLS: own, KeyPassphrase: "pw",
			Headers: map[string]configopaque.String{"X-Qlik-User": "UserDirectory=CORP; UserId=engine_only"}},
			"https://qs1.corp:4242", "/rim/client.pem", "UserDirectory=Internal; UserId=sa_repository"},
		{"IPv6 literal", "", ServerConfig{Endpoint: "https://[fd00::1]:4747"},
			"https://[fd00::1]:4242", "/shared/client.pem", "UserDirectory=Internal; UserId=sa_repository"},
		{"explicit endpoint", "https://qrs.corp:4242", ServerConfig{Endpoint: "https://qs1.corp:4747", TLS: own},
			"https://qrs.corp:4242", "/shared/client.pem", "UserDirectory=Internal; UserId=sa_repository"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.TLS.CertFile = "/shared/client.pem"
			cfg.AppNames.Endpoint = tt.endpoint
			tt.server.Name = "central"
			cfg.Servers = []ServerConfig{tt.server}
			assert.Equal(t, tt.wantEndpoint, cfg.appNamesEndpoint())
			conn := cfg.appNamesConnection()
			assert.Equal(t, tt.wantCert, conn.TLS.CertFile)
			assert.Equal(t, tt.wantUser, string(conn.Headers["X-Qlik-User"]), "the repository is asked as its service account")
		})
	}
}
