package senseapi

import (
	"errors"
	"fmt"
	"net/textproto"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
)

// ServerConfig is one Sense server as the polling receivers configure it.
type ServerConfig struct {
	// Name identifies the server in metrics and logs; unique.
	Name string `mapstructure:"name"`
	// Endpoint is the API's base URL, e.g. https://qs-central-01:4747.
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

// For merges the shared connection settings with a server's own.
func (c ConnectionConfig) For(s *ServerConfig) ConnectionConfig {
	if s.TLS != nil {
		c.TLS = *s.TLS
	}
	if s.KeyPassphrase != "" {
		c.KeyPassphrase = s.KeyPassphrase
	}
	if len(s.Headers) > 0 {
		// Names are case-insensitive: the server's X-QLIK-USER replaces the
		// shared x-qlik-user. Invalid headers are kept as they are for
		// Validate to name.
		merged := make(map[string]configopaque.String, len(c.Headers)+len(s.Headers))
		shared, err := canonicalHeaders(c.Headers, "")
		if err != nil {
			shared = c.Headers
		}
		for k, v := range shared {
			merged[k] = v
		}
		own, err := canonicalHeaders(s.Headers, "")
		if err != nil {
			own = s.Headers
		}
		for k, v := range own {
			merged[textproto.CanonicalMIMEHeaderKey(k)] = v
		}
		c.Headers = merged
	}
	return c
}

// ValidateServers checks the shared connection and every server (name set
// and unique, endpoint, own certificates, headers, tags); errors name the
// field. server(i) returns the i-th of n servers; an endpoint must not
// already hold one of apiPaths (see ValidateBaseEndpoint).
func ValidateServers(shared ConnectionConfig, n int, server func(i int) *ServerConfig, apiPaths ...string) error {
	var errs []error
	if n == 0 {
		errs = append(errs, errors.New("servers: at least one server is required"))
	}
	if err := shared.Validate(""); err != nil {
		errs = append(errs, err)
	}
	seen := map[string]int{}
	for i := 0; i < n; i++ {
		s := server(i)
		prefix := fmt.Sprintf("servers[%d].", i)
		if s.Name == "" {
			errs = append(errs, fmt.Errorf("%sname: must be set", prefix))
		} else if j, dup := seen[s.Name]; dup {
			errs = append(errs, fmt.Errorf("%sname: %q is already the name of servers[%d]", prefix, s.Name, j))
		} else {
			seen[s.Name] = i
		}
		if err := ValidateBaseEndpoint(prefix+"endpoint", s.Endpoint, apiPaths...); err != nil {
			errs = append(errs, err)
		}
		if s.TLS != nil || s.KeyPassphrase != "" {
			c := shared.For(s)
			c.Headers = nil // checked below, and the shared ones above
			if err := c.Validate(prefix); err != nil {
				errs = append(errs, err)
			}
		}
		if _, err := canonicalHeaders(s.Headers, prefix); err != nil {
			errs = append(errs, err)
		}
		for k := range s.Tags {
			if k == "" {
				errs = append(errs, fmt.Errorf("%stags: a tag has an empty name", prefix))
			}
		}
	}
	return errors.Join(errs...)
}
