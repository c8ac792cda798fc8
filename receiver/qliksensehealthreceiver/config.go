package qliksensehealthreceiver // import "github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver"

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/senseops/senseops-collector/internal/configcheck"
	"github.com/senseops/senseops-collector/internal/senseapi"
	"github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver/internal/metadata"
)

// Config is the receiver's configuration.
type Config struct {
	scraperhelper.ControllerConfig `mapstructure:",squash"`
	metadata.MetricsBuilderConfig  `mapstructure:",squash"`
	// Connection (tls, key_passphrase, headers) applies to every server
	// unless the server overrides it.
	senseapi.ConnectionConfig `mapstructure:",squash"`

	// Servers are the Sense servers whose engines are scraped.
	Servers []ServerConfig `mapstructure:"servers"`
	// MaxConcurrency bounds how many healthchecks are in flight at once.
	MaxConcurrency int `mapstructure:"max_concurrency"`
	// AppNames names apps from the repository's app list.
	AppNames AppNamesConfig `mapstructure:"app_names"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// ServerConfig is one Sense server; Endpoint is the engine's base URL,
// e.g. https://qs-central-01:4747.
type ServerConfig = senseapi.ServerConfig

// AppNamesConfig controls the app-name lookup.
type AppNamesConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// Endpoint is the repository's base URL; default: the first server's
	// host on port 4242.
	Endpoint string `mapstructure:"endpoint"`
	// RefreshInterval is how often the app list is read again.
	RefreshInterval time.Duration `mapstructure:"refresh_interval"`
}

// appNamesEndpoint is the configured repository URL, or the first server's
// host on the repository port.
func (cfg *Config) appNamesEndpoint() string {
	if cfg.AppNames.Endpoint != "" || len(cfg.Servers) == 0 {
		return cfg.AppNames.Endpoint
	}
	u, err := url.Parse(cfg.Servers[0].Endpoint)
	if err != nil {
		return ""
	}
	u.Host = net.JoinHostPort(u.Hostname(), "4242")
	u.Path = ""
	return u.String()
}

// appNamesConnection is how the repository is reached: with the first
// server's certificates when it is that server's repository (they may be set
// for that server only), else with the shared ones. Headers are the shared
// ones: a server's own headers are for its engine.
func (cfg *Config) appNamesConnection() senseapi.ConnectionConfig {
	if cfg.AppNames.Endpoint != "" || len(cfg.Servers) == 0 {
		return cfg.ConnectionConfig
	}
	first := cfg.Servers[0]
	first.Headers = nil
	return cfg.ConnectionConfig.For(&first)
}

// Validate checks the configuration and names every bad field.
func (cfg *Config) Validate() error {
	var errs []error
	if err := senseapi.ValidateServers(cfg.ConnectionConfig, len(cfg.Servers), func(i int) *senseapi.ServerConfig { return &cfg.Servers[i] }, senseapi.HealthcheckPath); err != nil {
		errs = append(errs, err)
	}
	if cfg.MaxConcurrency < 1 {
		errs = append(errs, fmt.Errorf("max_concurrency: must be at least 1, got %d", cfg.MaxConcurrency))
	}
	if cfg.AppNames.Enabled {
		if cfg.AppNames.Endpoint != "" {
			if err := senseapi.ValidateAppListBase("app_names.endpoint", cfg.AppNames.Endpoint); err != nil {
				errs = append(errs, err)
			}
		}
		if cfg.AppNames.RefreshInterval <= 0 {
			errs = append(errs, fmt.Errorf("app_names.refresh_interval: must be positive, got %s", cfg.AppNames.RefreshInterval))
		}
	}
	if cfg.CollectionInterval <= 0 {
		errs = append(errs, fmt.Errorf("collection_interval: must be positive, got %s", cfg.CollectionInterval))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout: must not be negative (0 is no timeout), got %s", cfg.Timeout))
	}
	errs = append(errs, configcheck.Durations(
		configcheck.Field{Name: "collection_interval", Value: cfg.CollectionInterval}, configcheck.Field{Name: "initial_delay", Value: cfg.InitialDelay},
		configcheck.Field{Name: "timeout", Value: cfg.Timeout}, configcheck.Field{Name: "app_names.refresh_interval", Value: cfg.AppNames.RefreshInterval})...)
	return errors.Join(errs...)
}
