package qliksensehealthreceiver // import "github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver"

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

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

// ServerConfig is one Sense server.
type ServerConfig struct {
	// Name identifies the server in metrics and logs; unique.
	Name string `mapstructure:"name"`
	// Endpoint is the engine's base URL, e.g. https://qs-central-01:4747.
	Endpoint    string `mapstructure:"endpoint"`
	Description string `mapstructure:"description"`
	// Tags become resource attributes of the server's metrics.
	Tags map[string]string `mapstructure:"tags"`
	// TLS, when set, replaces the shared tls settings for this server.
	TLS *configtls.ClientConfig `mapstructure:"tls"`
	// KeyPassphrase, when set, replaces the shared key_passphrase.
	KeyPassphrase configopaque.String `mapstructure:"key_passphrase"`
	// Headers are added to (and override) the shared headers.
	Headers map[string]configopaque.String `mapstructure:"headers"`
}

// AppNamesConfig controls the app-name lookup.
type AppNamesConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// Endpoint is the repository's base URL; default: the first server's
	// host on port 4242.
	Endpoint string `mapstructure:"endpoint"`
	// RefreshInterval is how often the app list is read again.
	RefreshInterval time.Duration `mapstructure:"refresh_interval"`
}

// connection merges the shared connection settings with a server's own.
func (cfg *Config) connection(s ServerConfig) senseapi.ConnectionConfig {
	c := cfg.ConnectionConfig
	if s.TLS != nil {
		c.TLS = *s.TLS
	}
	if s.KeyPassphrase != "" {
		c.KeyPassphrase = s.KeyPassphrase
	}
	if len(s.Headers) > 0 {
		merged := make(map[string]configopaque.String, len(c.Headers)+len(s.Headers))
		for k, v := range c.Headers {
			merged[k] = v
		}
		for k, v := range s.Headers {
			merged[k] = v
		}
		c.Headers = merged
	}
	return c
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
	u.Host = u.Hostname() + ":4242"
	u.Path = ""
	return u.String()
}

// Validate checks the configuration and names every bad field.
func (cfg *Config) Validate() error {
	var errs []error
	if len(cfg.Servers) == 0 {
		errs = append(errs, errors.New("servers: at least one server is required"))
	}
	if err := cfg.ConnectionConfig.Validate(""); err != nil {
		errs = append(errs, err)
	}
	seen := map[string]int{}
	for i, s := range cfg.Servers {
		prefix := fmt.Sprintf("servers[%d].", i)
		if s.Name == "" {
			errs = append(errs, fmt.Errorf("%sname: must be set", prefix))
		} else if j, dup := seen[s.Name]; dup {
			errs = append(errs, fmt.Errorf("%sname: %q is already the name of servers[%d]", prefix, s.Name, j))
		} else {
			seen[s.Name] = i
		}
		if err := senseapi.ValidateEndpoint(prefix+"endpoint", s.Endpoint); err != nil {
			errs = append(errs, err)
		}
		if s.TLS != nil || s.KeyPassphrase != "" {
			c := cfg.connection(s)
			if err := c.Validate(prefix); err != nil {
				errs = append(errs, err)
			}
		}
		for k := range s.Tags {
			if k == "" {
				errs = append(errs, fmt.Errorf("%stags: a tag has an empty name", prefix))
			}
		}
	}
	if cfg.MaxConcurrency < 1 {
		errs = append(errs, fmt.Errorf("max_concurrency: must be at least 1, got %d", cfg.MaxConcurrency))
	}
	if cfg.AppNames.Enabled {
		if cfg.AppNames.Endpoint != "" {
			if err := senseapi.ValidateEndpoint("app_names.endpoint", cfg.AppNames.Endpoint); err != nil {
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
	return errors.Join(errs...)
}
