package qliksensemetricsconnector // import "github.com/senseops/senseops-collector/connector/qliksensemetricsconnector"

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/senseops/senseops-collector/internal/configcheck"
	"github.com/senseops/senseops-collector/internal/senseapi"
	"github.com/senseops/senseops-collector/internal/senseevent"
)

// Config is the connector's configuration.
type Config struct {
	// EmitInterval is how often the metrics are sent down the metrics
	// pipeline. Every series is sent every time (cumulative sums keep their
	// start time), and once more at shutdown.
	EmitInterval time.Duration `mapstructure:"emit_interval"`

	// SeriesIdleTimeout, when positive, forgets a series that has not been
	// updated for this long, which frees its place under max_series. If it
	// comes back it starts again from zero with a new start time (a counter
	// reset to backends). 0 (the default) keeps every series until shutdown.
	SeriesIdleTimeout time.Duration `mapstructure:"series_idle_timeout"`

	// Events configures qliksense.events.
	Events EventsConfig `mapstructure:"events"`
	// Qix configures the QIX request histograms and rejected-request counters.
	Qix QixConfig `mapstructure:"qix"`
	// Sessions configures the active proxy session and user gauges.
	Sessions SessionsConfig `mapstructure:"sessions"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// EventsConfig configures the event counter.
type EventsConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// Categories lists the category names (the <name> of the
	// qliksense.category.<name> attributes the log_categorization processor
	// adds) that become metric attributes. ["*"] (the default) carries every
	// category a record has; [] carries none.
	Categories []string `mapstructure:"categories"`
	// MaxSeries caps the number of series; events that would need another
	// one are counted in the overflow series (otel.metric.overflow=true).
	MaxSeries int `mapstructure:"max_series"`
}

// QixConfig configures the qix-perf metrics.
type QixConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// Buckets are the histogram bucket upper bounds, as durations (1ms, 2.5s).
	// The metrics are in seconds.
	Buckets []time.Duration `mapstructure:"buckets"`
	// Dimensions are the attributes of the histograms and of the rejected
	// counters: any log record attribute (or resource attribute) name, plus
	// qliksense.host (the Sense server, from the resource's host.name).
	Dimensions []string `mapstructure:"dimensions"`
	// MaxSeries caps the number of attribute sets of the histograms (and,
	// separately, of the rejected counters).
	MaxSeries int `mapstructure:"max_series"`
	// MonitorFilter is Butler SOS's enginePerformanceMonitor.monitorFilter:
	// which requests go into the histograms. Without it every one does.
	MonitorFilter MonitorFilterConfig `mapstructure:"monitor_filter"`
	// TrackRejected counts the requests the filter rejects, with their
	// process time (Butler SOS's trackRejectedEvents.enable).
	TrackRejected bool `mapstructure:"track_rejected"`
	// AppNames looks app names up in the repository's app list, for records
	// that do not carry qliksense.app.name (qix-perf records never do).
	AppNames AppNamesConfig `mapstructure:"app_names"`
}

// AppNamesConfig is the optional app-name lookup (Butler SOS's
// enginePerformanceMonitor.appNameLookup).
type AppNamesConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// Endpoint is the repository's base URL, e.g. https://qs-central-01:4242.
	Endpoint string `mapstructure:"endpoint"`
	// RefreshInterval is how often the app list is read again.
	RefreshInterval time.Duration `mapstructure:"refresh_interval"`
	// Timeout bounds each read of the app list.
	Timeout time.Duration `mapstructure:"timeout"`
	// Connection: tls, key_passphrase, headers.
	senseapi.ConnectionConfig `mapstructure:",squash"`
}

// SessionsConfig configures the active-session state.
type SessionsConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// Timeout drops a session that has had no start, connection or seed for
	// this long: its stop event was lost, or it started before the collector
	// and was never seen again.
	Timeout time.Duration `mapstructure:"timeout"`
	// MaxSessions caps the sessions tracked; starts beyond it are not
	// tracked (and counted as capacity anomalies).
	MaxSessions int `mapstructure:"max_sessions"`
	// Seed reads the current sessions from the proxies' session API at start
	// (and every seed.interval), so a restarted collector knows who is on.
	Seed SeedConfig `mapstructure:"seed"`
}

// SeedConfig is how the session state is seeded from the proxy session API.
type SeedConfig struct {
	// Connection (tls, key_passphrase, headers) for every proxy.
	senseapi.ConnectionConfig `mapstructure:",squash"`
	// Proxies are the proxy services to read. None: no seeding.
	Proxies []ProxyConfig `mapstructure:"proxies"`
	// Interval, when positive, seeds again on this interval, which also ends
	// sessions whose stop event was lost. 0: only at start.
	Interval time.Duration `mapstructure:"interval"`
	// Timeout bounds each call to a proxy.
	Timeout time.Duration `mapstructure:"timeout"`
}

// ProxyConfig is one proxy service.
type ProxyConfig struct {
	// Endpoint is the proxy service API's base URL, e.g.
	// https://qs-proxy-01.corp.example:4243.
	Endpoint string `mapstructure:"endpoint"`
	// Host is the host name this proxy's user events carry (their resource
	// host.name, e.g. QS-PROXY-01); its sessions are counted under it.
	// Default: the endpoint's host name up to its first dot.
	Host string `mapstructure:"host"`
	// VirtualProxies are the prefixes to read, e.g. ["/", "/hdr"]; default ["/"].
	VirtualProxies []string `mapstructure:"virtual_proxies"`
}

const (
	// attrHost is the metric attribute naming the Sense server: the log
	// record's resource host.name.
	attrHost = "qliksense.host"
	// categoryPrefix starts the attributes the log_categorization processor adds.
	categoryPrefix = "qliksense.category."
	allCategories  = "*"
	maxBuckets     = 100
	maxDimensions  = 16
)

var defaultBuckets = []time.Duration{
	1 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute,
}

var defaultDimensions = []string{
	senseevent.AttrAppID, senseevent.AttrAppName, senseevent.AttrQixMethod, senseevent.AttrObjectType,
}

// Validate checks the configuration and names every bad field.
func (cfg *Config) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if cfg.EmitInterval <= 0 {
		add("emit_interval: must be positive, got %s", cfg.EmitInterval)
	}
	errs = append(errs, configcheck.Durations(
		configcheck.Field{Name: "emit_interval", Value: cfg.EmitInterval}, configcheck.Field{Name: "series_idle_timeout", Value: cfg.SeriesIdleTimeout},
		configcheck.Field{Name: "qix.app_names.refresh_interval", Value: cfg.Qix.AppNames.RefreshInterval},
		configcheck.Field{Name: "qix.app_names.timeout", Value: cfg.Qix.AppNames.Timeout},
		configcheck.Field{Name: "sessions.timeout", Value: cfg.Sessions.Timeout}, configcheck.Field{Name: "sessions.seed.interval", Value: cfg.Sessions.Seed.Interval},
		configcheck.Field{Name: "sessions.seed.timeout", Value: cfg.Sessions.Seed.Timeout})...)
	if cfg.SeriesIdleTimeout < 0 {
		add("series_idle_timeout: must not be negative, got %s", cfg.SeriesIdleTimeout)
	} else if cfg.SeriesIdleTimeout > 0 && cfg.SeriesIdleTimeout < cfg.EmitInterval {
		add("series_idle_timeout: %s is shorter than emit_interval (%s); series would vanish between emits", cfg.SeriesIdleTimeout, cfg.EmitInterval)
	}

	if cfg.Events.Enabled {
		if cfg.Events.MaxSeries < 1 {
			add("events.max_series: must be at least 1, got %d", cfg.Events.MaxSeries)
		}
		for i, c := range cfg.Events.Categories {
			name := strings.TrimPrefix(c, categoryPrefix)
			switch {
			case strings.TrimSpace(name) == "":
				add("events.categories[%d]: is empty", i)
			case name == allCategories && len(cfg.Events.Categories) > 1:
				add("events.categories[%d]: %q (every category) cannot be combined with names", i, c)
			}
		}
	}

	if cfg.Qix.Enabled {
		errs = append(errs, cfg.Qix.validate()...)
	}

	if cfg.Sessions.Enabled {
		errs = append(errs, cfg.Sessions.validate()...)
	}
	return errors.Join(errs...)
}

func (q *QixConfig) validate() []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if len(q.Buckets) == 0 {
		add("qix.buckets: at least one bucket bound is required")
	}
	if len(q.Buckets) > maxBuckets {
		add("qix.buckets: %d bounds, at most %d", len(q.Buckets), maxBuckets)
	}
	for i, b := range q.Buckets {
		switch {
		case b < time.Microsecond:
			add("qix.buckets[%d]: %s is below 1µs; write a unit, e.g. 5ms", i, b)
		case i > 0 && b <= q.Buckets[i-1]:
			add("qix.buckets[%d]: %s is not above the bound before it (%s); bounds must increase", i, b, q.Buckets[i-1])
		}
	}
	if len(q.Dimensions) > maxDimensions {
		add("qix.dimensions: %d attributes, at most %d", len(q.Dimensions), maxDimensions)
	}
	seen := map[string]int{}
	for i, d := range q.Dimensions {
		if strings.TrimSpace(d) == "" {
			add("qix.dimensions[%d]: is empty", i)
			continue
		}
		if strings.TrimSpace(d) != d {
			// An attribute name has no blanks around it: this one would
			// never match, and the series would lack the dimension.
			add("qix.dimensions[%d]: %q has blanks around it; write %q", i, d, strings.TrimSpace(d))
			continue
		}
		if j, dup := seen[d]; dup {
			add("qix.dimensions[%d]: %q is already qix.dimensions[%d]", i, d, j)
		}
		seen[d] = i
	}
	if q.MaxSeries < 1 {
		add("qix.max_series: must be at least 1, got %d", q.MaxSeries)
	}
	errs = append(errs, q.MonitorFilter.validate("qix.monitor_filter.")...)
	if q.AppNames.Enabled {
		if err := senseapi.ValidateAppListBase("qix.app_names.endpoint", q.AppNames.Endpoint); err != nil {
			errs = append(errs, err)
		}
		if q.AppNames.RefreshInterval <= 0 {
			add("qix.app_names.refresh_interval: must be positive, got %s", q.AppNames.RefreshInterval)
		}
		if q.AppNames.Timeout <= 0 {
			add("qix.app_names.timeout: must be positive, got %s", q.AppNames.Timeout)
		}
		if err := q.AppNames.ConnectionConfig.Validate("qix.app_names."); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func (s *SessionsConfig) validate() []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if s.Timeout <= 0 {
		add("sessions.timeout: must be positive, got %s", s.Timeout)
	}
	if s.MaxSessions < 1 {
		add("sessions.max_sessions: must be at least 1, got %d", s.MaxSessions)
	}
	if len(s.Seed.Proxies) == 0 {
		return errs
	}
	if s.Seed.Interval < 0 {
		add("sessions.seed.interval: must not be negative, got %s", s.Seed.Interval)
	}
	if s.Seed.Timeout <= 0 {
		add("sessions.seed.timeout: must be positive, got %s", s.Seed.Timeout)
	}
	if err := s.Seed.ConnectionConfig.Validate("sessions.seed."); err != nil {
		errs = append(errs, err)
	}
	endpoints := map[string]int{}
	hosts := map[string]int{}
	for i, p := range s.Seed.Proxies {
		prefix := fmt.Sprintf("sessions.seed.proxies[%d].", i)
		if err := senseapi.ValidateBaseEndpoint(prefix+"endpoint", p.Endpoint, senseapi.SessionsPath); err != nil {
			errs = append(errs, err)
		} else if j, dup := endpoints[p.Endpoint]; dup {
			add("%sendpoint: %q is already sessions.seed.proxies[%d]", prefix, p.Endpoint, j)
		} else {
			endpoints[p.Endpoint] = i
		}
		if host := strings.ToLower(p.host()); host != "" {
			if j, dup := hosts[host]; dup {
				add("%shost: %q is already the host of sessions.seed.proxies[%d]", prefix, p.host(), j)
			} else {
				hosts[host] = i
			}
		}
		vps := map[string]bool{}
		for j, vp := range p.VirtualProxies {
			norm := senseapi.NormalizeVirtualProxy(vp)
			if !senseapi.IsVirtualProxyPrefix(vp) {
				add("%svirtual_proxies[%d]: %q is not a virtual proxy prefix", prefix, j, vp)
			} else if vps[norm] {
				add("%svirtual_proxies[%d]: %q is listed twice", prefix, j, vp)
			}
			vps[norm] = true
		}
	}
	return errs
}

// host is the configured host, or the endpoint's host name.
func (p *ProxyConfig) host() string {
	if h := strings.TrimSpace(p.Host); h != "" {
		return h
	}
	// Sense's %hostname is the computer name, the first label of the FQDN
	// (compared ignoring case); an IP address stays whole.
	h := senseapi.HostOf(p.Endpoint)
	if _, err := netip.ParseAddr(h); err != nil {
		h, _, _ = strings.Cut(h, ".")
	}
	return h
}

// longestRead is how long a seed read of one proxy can take (one call per
// virtual proxy, in turn, each bounded by timeout), and a minute more: how
// long a stop event must be remembered so a read under way, whose list was
// taken before the stop, does not bring the session back. 0 without proxies.
func (c *SeedConfig) longestRead() time.Duration {
	var longest time.Duration
	for _, p := range c.Proxies {
		longest = max(longest, c.Timeout*time.Duration(len(p.virtualProxies()))+time.Minute)
	}
	return longest
}

// virtualProxies are the normalized prefixes, "/" when none is configured.
func (p *ProxyConfig) virtualProxies() []string {
	if len(p.VirtualProxies) == 0 {
		return []string{"/"}
	}
	out := make([]string, len(p.VirtualProxies))
	for i, vp := range p.VirtualProxies {
		out[i] = senseapi.NormalizeVirtualProxy(vp)
	}
	return out
}
