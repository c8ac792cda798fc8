package qliksensesessionsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksensesessionsreceiver"

import (
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/senseops/senseops-collector/internal/configcheck"
	"github.com/senseops/senseops-collector/internal/senseapi"
	"github.com/senseops/senseops-collector/receiver/qliksensesessionsreceiver/internal/metadata"
)

// Config is the receiver's configuration.
type Config struct {
	scraperhelper.ControllerConfig `mapstructure:",squash"`
	metadata.MetricsBuilderConfig  `mapstructure:",squash"`
	// Connection (tls, key_passphrase, headers) applies to every server
	// unless the server overrides it.
	senseapi.ConnectionConfig `mapstructure:",squash"`

	// Servers are the proxies whose sessions are polled.
	Servers []ServerConfig `mapstructure:"servers"`
	// MaxConcurrency bounds how many session polls are in flight at once.
	MaxConcurrency int `mapstructure:"max_concurrency"`
	// ExcludeUsers (DIRECTORY\userid, matched case-insensitively) are left
	// out of every metric: service accounts, monitoring users.
	ExcludeUsers []string `mapstructure:"exclude_users"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// ServerConfig is one Sense proxy; Endpoint is the proxy service API's base
// URL, e.g. https://qs-central-01:4243.
type ServerConfig struct {
	senseapi.ServerConfig `mapstructure:",squash"`
	// VirtualProxies are the prefixes to poll, e.g. ["/", "/hdr"].
	VirtualProxies []string `mapstructure:"virtual_proxies"`
}

// Validate checks the configuration and names every bad field.
func (cfg *Config) Validate() error {
	var errs []error
	if err := senseapi.ValidateServers(cfg.ConnectionConfig, len(cfg.Servers), func(i int) *senseapi.ServerConfig { return &cfg.Servers[i].ServerConfig }, senseapi.SessionsPath); err != nil {
		errs = append(errs, err)
	}
	for i, s := range cfg.Servers {
		seen := map[string]bool{}
		for j, vp := range s.VirtualProxies {
			norm := senseapi.NormalizeVirtualProxy(vp)
			if !senseapi.IsVirtualProxyPrefix(vp) {
				errs = append(errs, fmt.Errorf("servers[%d].virtual_proxies[%d]: %q is not a virtual proxy prefix", i, j, vp))
			} else if seen[norm] {
				errs = append(errs, fmt.Errorf("servers[%d].virtual_proxies[%d]: %q is listed twice", i, j, vp))
			}
			seen[norm] = true
		}
	}
	for i, u := range cfg.ExcludeUsers {
		if err := checkExcludedUser(u); err != nil {
			errs = append(errs, fmt.Errorf("exclude_users[%d]: %w", i, err))
		}
	}
	if cfg.MaxConcurrency < 1 {
		errs = append(errs, fmt.Errorf("max_concurrency: must be at least 1, got %d", cfg.MaxConcurrency))
	}
	if cfg.CollectionInterval <= 0 {
		errs = append(errs, fmt.Errorf("collection_interval: must be positive, got %s", cfg.CollectionInterval))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout: must not be negative (0 is no timeout), got %s", cfg.Timeout))
	}
	errs = append(errs, configcheck.Durations(
		configcheck.Field{Name: "collection_interval", Value: cfg.CollectionInterval}, configcheck.Field{Name: "initial_delay", Value: cfg.InitialDelay},
		configcheck.Field{Name: "timeout", Value: cfg.Timeout})...)
	return errors.Join(errs...)
}

// checkExcludedUser checks one exclude_users entry: DIRECTORY\userid, the
// form a session's user is compared in. Any other form would never match a
// session (Sense's sessions always name their directory), and the user would
// be counted after all.
func checkExcludedUser(u string) error {
	u = excludedUser(u)
	if u == "" {
		return errors.New("is empty")
	}
	dir, id, ok := strings.Cut(u, `\`)
	switch {
	case !ok || dir == "" || id == "":
		return fmt.Errorf(`%q is not DIRECTORY\userid, e.g. INTERNAL\sa_repository; it would match no session`, u)
	case strings.HasPrefix(id, `\`):
		return fmt.Errorf(`%q has two backslashes after the directory and would match no session; write one (in YAML, \\ is one backslash only inside double quotes)`, u)
	}
	return nil
}

// excludedUser is an exclude_users entry as sessions are compared with it:
// without blanks around it or around its backslash ("CORP \ jdoe" is
// CORP\jdoe; no directory or user id starts or ends with one).
func excludedUser(u string) string {
	dir, id, ok := strings.Cut(strings.TrimSpace(u), `\`)
	if !ok {
		return strings.TrimSpace(u)
	}
	return strings.TrimSpace(dir) + `\` + strings.TrimSpace(id)
}
