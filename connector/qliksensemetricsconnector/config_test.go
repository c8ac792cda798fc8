package qliksensemetricsconnector

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/senseops/senseops-collector/connector/qliksensemetricsconnector/internal/metadata"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	id := component.NewID(metadata.Type)
	if name != "" {
		id = component.NewIDWithName(metadata.Type, name)
	}
	sub, err := cm.Sub(id.String())
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		return nil, err
	}
	return cfg, cfg.Validate()
}

func TestLoadDefault(t *testing.T) {
	cfg, err := loadConfig(t, "")
	require.NoError(t, err)
	assert.Equal(t, createDefaultConfig(), cfg)
	assert.Equal(t, 10*time.Second, cfg.EmitInterval)
	assert.Equal(t, []string{"*"}, cfg.Events.Categories)
	assert.Equal(t, []string{"qliksense.app.id", "qliksense.app.name", "qliksense.qix.method", "qliksense.object.type"}, cfg.Qix.Dimensions)
	assert.Len(t, cfg.Qix.Buckets, 14)
	assert.Equal(t, 8*time.Hour, cfg.Sessions.Timeout)
	assert.Nil(t, compileFilter(&cfg.Qix.MonitorFilter), "no filter: every request is accepted")
}

func TestLoadFull(t *testing.T) {
	cfg, err := loadConfig(t, "full")
	require.NoError(t, err)
	assert.Equal(t, 24*time.Hour, cfg.SeriesIdleTimeout)
	assert.Equal(t, []string{"qs_log_category", "qliksense.category.qs_log_team"}, cfg.Events.Categories)
	assert.Equal(t, []time.Duration{10 * time.Millisecond, 100 * time.Millisecond, time.Second, time.Minute}, cfg.Qix.Buckets)
	assert.False(t, cfg.Qix.TrackRejected)
	f := cfg.Qix.MonitorFilter
	require.Len(t, f.AppSpecific.App, 1)
	assert.Equal(t, []AppMatchConfig{{AppID: "5b817efe-472d-43ce-8a31-6cce34af7de9"}, {AppName: "Sales forecast"}}, f.AppSpecific.App[0].Include)
	assert.Equal(t, &ObjectTypeRule{SomeObjectTypesInclude: []string{"barchart", "table"}}, f.AppSpecific.App[0].ObjectType)
	assert.Equal(t, []ObjectMatchConfig{{ObjectID: "abcDEF"}}, f.AppSpecific.App[0].AppObject.AllAppObjectsExclude)
	assert.Equal(t, []AppMatchConfig{{AppName: "Test app"}}, f.AllApps.AppExclude)
	require.Len(t, cfg.Sessions.Seed.Proxies, 2)
	assert.Equal(t, "QS-PROXY-01", cfg.Sessions.Seed.Proxies[0].host())
	assert.Equal(t, []string{"/", "/hdr"}, cfg.Sessions.Seed.Proxies[0].virtualProxies())
	assert.Equal(t, "qs-proxy-02", cfg.Sessions.Seed.Proxies[1].host(), "host defaults to the endpoint's computer name")
	for endpoint, want := range map[string]string{
		"https://QS-PROXY-03:4243":         "QS-PROXY-03",
		"https://10.0.0.7:4243":            "10.0.0.7",
		"https://[fd00::7]:4243":           "fd00::7",
		"https://qs-proxy-04.corp.example": "qs-proxy-04",
	} {
		assert.Equal(t, want, (&ProxyConfig{Endpoint: endpoint}).host(), endpoint)
	}
	assert.Equal(t, []string{"/"}, cfg.Sessions.Seed.Proxies[1].virtualProxies())
	assert.EqualValues(t, "UserDirectory=Internal; UserId=sa_api", cfg.Sessions.Seed.Headers["X-Qlik-User"])
}

// TestLoadButlerFilter: Butler SOS's camelCase monitorFilter section is read
// key for key, and object lists may hold plain ids.
func TestLoadButlerFilter(t *testing.T) {
	cfg, err := loadConfig(t, "butler")
	require.NoError(t, err)
	f := cfg.Qix.MonitorFilter
	assert.True(t, f.AppSpecific.Enable)
	require.Len(t, f.AppSpecific.App, 1)
	app := f.AppSpecific.App[0]
	assert.Equal(t, []AppMatchConfig{{AppID: "5b817efe-472d-43ce-8a31-6cce34af7de9"}, {AppName: "Inventory analysis"}}, app.Include)
	assert.Equal(t, &ObjectTypeRule{AllObjectTypes: true, AllObjectTypesExclude: []string{"sheet"}}, app.ObjectType)
	assert.Equal(t, []ObjectMatchConfig{{ObjectID: "rwPjBk"}, {ObjectID: "JxmKpTd"}}, app.AppObject.SomeAppObjectsInclude)
	assert.Equal(t, []string{"Doc::GetAppLayout"}, app.Method.AllMethodsExclude)
	assert.True(t, f.AllApps.Enable)
	assert.Equal(t, []AppMatchConfig{{AppID: "e7af59a0-c243-480d-9571-08727551a66f"}}, f.AllApps.AppExclude)
	assert.Equal(t, []string{"Global::OpenApp", "Doc::DoReload"}, f.AllApps.Method.SomeMethodsInclude)
}

func TestLoadBothSpellings(t *testing.T) {
	_, err := loadConfig(t, "both_spellings")
	assert.ErrorContains(t, err, "allApps and all_apps are the same setting: keep one")
}

func TestFilterUnknownKey(t *testing.T) {
	conf := confmap.NewFromStringMap(map[string]any{"qix": map[string]any{"monitor_filter": map[string]any{
		"allApps": map[string]any{"enable": true, "objectTypes": map[string]any{"allObjectTypes": true}},
	}}})
	err := conf.Unmarshal(createDefaultConfig())
	assert.ErrorContains(t, err, "object_types")
}

func TestLoadNoCategories(t *testing.T) {
	cfg, err := loadConfig(t, "no_categories")
	require.NoError(t, err)
	assert.Empty(t, cfg.Events.Categories)
	c, err := newConnector(cfg, newSettings(), nil)
	require.NoError(t, err)
	assert.False(t, c.allCategories)
	assert.Empty(t, c.categories)
}

func TestValidateNamesTheField(t *testing.T) {
	nothing := func(*Config) {}
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string
	}{
		{"defaults", nothing, nil},
		{"intervals", func(c *Config) {
			c.EmitInterval = 0
			c.SeriesIdleTimeout = -time.Second
		}, []string{"emit_interval: must be positive", "series_idle_timeout: must not be negative"}},
		{"idle shorter than emit", func(c *Config) { c.SeriesIdleTimeout = time.Second }, []string{"series_idle_timeout: 1s is shorter than emit_interval"}},
		// Butler SOS's settings are milliseconds without a unit; read as
		// nanoseconds they would emit every 10 µs.
		{"numbers without a unit", func(c *Config) {
			c.EmitInterval = 10000
			c.Sessions.Seed.Interval = 60000
		}, []string{"emit_interval: 10µs is under a millisecond: a number without a unit is read as nanoseconds", "sessions.seed.interval: 60µs is under a millisecond"}},
		{"events", func(c *Config) {
			c.Events.MaxSeries = 0
			c.Events.Categories = []string{"*", " "}
		}, []string{"events.max_series: must be at least 1", `events.categories[0]: "*" (every category) cannot be combined`, "events.categories[1]: is empty"}},
		{"events disabled are not checked", func(c *Config) {
			c.Events.Enabled = false
			c.Events.MaxSeries = 0
		}, nil},
		{"buckets", func(c *Config) {
			c.Qix.Buckets = []time.Duration{5, 10 * time.Millisecond, 10 * time.Millisecond}
		}, []string{"qix.buckets[0]: 5ns is below 1µs; write a unit", "qix.buckets[2]: 10ms is not above the bound before it (10ms)"}},
		{"no buckets", func(c *Config) { c.Qix.Buckets = nil }, []string{"qix.buckets: at least one bucket bound is required"}},
		{"dimensions", func(c *Config) {
			c.Qix.Dimensions = []string{"qliksense.app.id", "", "qliksense.app.id", " qliksense.app.id"}
			c.Qix.MaxSeries = -1
		}, []string{"qix.dimensions[1]: is empty", `qix.dimensions[2]: "qliksense.app.id" is already qix.dimensions[0]`,
			`qix.dimensions[3]: " qliksense.app.id" has blanks around it; write "qliksense.app.id"`, "qix.max_series: must be at least 1, got -1"}},
		{"app names", func(c *Config) {
			c.Qix.AppNames.Enabled = true
			c.Qix.AppNames.RefreshInterval = 0
			c.Qix.AppNames.TLS.CAFile = "/nonexistent/root.pem"
		}, []string{"qix.app_names.endpoint: must be set", "qix.app_names.refresh_interval: must be positive", `qix.app_names.tls.ca_file: cannot read "/nonexistent/root.pem"`}},
		{"endpoints copied from a request URL", func(c *Config) {
			c.Qix.AppNames.Enabled = true
			c.Qix.AppNames.Endpoint = "https://qs-central-01.corp.example:4242/qrs/app"
			c.Sessions.Seed.Proxies = []ProxyConfig{
				{Endpoint: "https://qs-proxy-01.corp.example:4243/qps/hdr/session"},
				{Endpoint: "https://gateway.corp.example/qps-route/qs-proxy-02"}, // a reverse proxy's route is a base URL
			}
		}, []string{
			`qix.app_names.endpoint: "https://qs-central-01.corp.example:4242/qrs/app" includes the API path /qrs/app`,
			`sessions.seed.proxies[0].endpoint: "https://qs-proxy-01.corp.example:4243/qps/hdr/session" includes the API path /qps/hdr/session`,
		}},
		{"the full app list's URL", func(c *Config) {
			c.Qix.AppNames.Enabled = true
			c.Qix.AppNames.Endpoint = "https://qs-central-01.corp.example:4242/qrs/app/full"
		}, []string{`qix.app_names.endpoint: "https://qs-central-01.corp.example:4242/qrs/app/full" includes the API path /qrs/app/full`}},
		{"filter", func(c *Config) {
			c.Qix.MonitorFilter = MonitorFilterConfig{
				AppSpecific: AppSpecificConfig{Enable: true, App: []AppEntryConfig{{
					ObjectType: &ObjectTypeRule{},
					AppObject:  &AppObjectRule{AllAppObjects: true, AllAppObjectsExclude: []ObjectMatchConfig{{}}},
					Method:     &MethodRule{AllMethods: false, SomeMethodsInclude: []string{"Doc::DoReload", ""}},
				}}},
				AllApps: AllAppsConfig{Enable: true, Method: &MethodRule{AllMethodsExclude: []string{"x"}}},
			}
		}, []string{
			"qix.monitor_filter.app_specific.app[0].include: empty, so the entry matches no app",
			"qix.monitor_filter.app_specific.app[0].object_type.some_object_types_include: empty while all_object_types is false, so nothing passes",
			"qix.monitor_filter.app_specific.app[0].app_object.all_app_objects_exclude[0]: is empty",
			"qix.monitor_filter.app_specific.app[0].method.some_methods_include[1]: is empty",
			"qix.monitor_filter.all_apps.method.some_methods_include: empty while all_methods is false",
		}},
		{"filter with no entries", func(c *Config) { c.Qix.MonitorFilter.AppSpecific.Enable = true },
			[]string{"qix.monitor_filter.app_specific.app: enabled with no entries"}},
		{"disabled filter sections are not checked", func(c *Config) {
			c.Qix.MonitorFilter.AllApps.ObjectType = &ObjectTypeRule{}
		}, nil},
		{"sessions", func(c *Config) {
			c.Sessions.Timeout = 0
			c.Sessions.MaxSessions = 0
		}, []string{"sessions.timeout: must be positive", "sessions.max_sessions: must be at least 1"}},
		{"seed", func(c *Config) {
			c.Sessions.Seed.Timeout = 0
			c.Sessions.Seed.Interval = -time.Minute
			c.Sessions.Seed.Proxies = []ProxyConfig{
				{Endpoint: "qs-proxy-01:4243"},
				{Endpoint: "https://qs-proxy-01.corp.example:4243", Host: "QS-PROXY-01", VirtualProxies: []string{"/", "a/b", "/"}},
				{Endpoint: "https://qs-proxy-01.corp.example:4243", Host: "qs-proxy-01"},
			}
		}, []string{
			"sessions.seed.interval: must not be negative",
			"sessions.seed.timeout: must be positive",
			`sessions.seed.proxies[0].endpoint: "qs-proxy-01:4243" must start with https://`,
			`sessions.seed.proxies[1].virtual_proxies[1]: "a/b" is not a virtual proxy prefix`,
			`sessions.seed.proxies[1].virtual_proxies[2]: "/" is listed twice`,
			`sessions.seed.proxies[2].endpoint: "https://qs-proxy-01.corp.example:4243" is already sessions.seed.proxies[1]`,
			`sessions.seed.proxies[2].host: "qs-proxy-01" is already the host of sessions.seed.proxies[1]`,
		}},
		// The server resolves dot segments: /qps/./session is the default
		// proxy's list, which would be seeded twice.
		{"seed dot prefixes", func(c *Config) {
			c.Sessions.Seed.Proxies = []ProxyConfig{{Endpoint: "https://qs-proxy-01.corp.example:4243", VirtualProxies: []string{"/", "/./", ".."}}}
		}, []string{
			`sessions.seed.proxies[0].virtual_proxies[1]: "/./" is not a virtual proxy prefix`,
			`sessions.seed.proxies[0].virtual_proxies[2]: ".." is not a virtual proxy prefix`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			tt.mutate(cfg)
			err := cfg.Validate()
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{
		"appSpecific":           "app_specific",
		"allObjectTypesExclude": "all_object_types_exclude",
		"appId":                 "app_id",
		"enable":                "enable",
		"app_object":            "app_object",
	} {
		assert.Equal(t, want, snake(in), in)
	}
}
