package senseapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
)

// DefaultUserHeader is the identity Sense's APIs act as: the repository's
// own service account, which every Sense site has.
const DefaultUserHeader = "UserDirectory=Internal; UserId=sa_repository"

// ConnectionConfig is how the collector reaches a Sense server: the QMC's
// exported certificates (client.pem, client_key.pem, root.pem), an optional
// passphrase for the key and extra headers. Timeouts come from the caller's
// context (the scraper's timeout setting).
type ConnectionConfig struct {
	TLS configtls.ClientConfig `mapstructure:"tls"`
	// KeyPassphrase decrypts tls.key_file when the certificates were exported
	// from the QMC with a password (legacy encrypted PEM).
	KeyPassphrase configopaque.String `mapstructure:"key_passphrase"`
	// Headers are sent with every request; X-Qlik-User defaults to
	// DefaultUserHeader.
	Headers map[string]configopaque.String `mapstructure:"headers"`
}

// NewDefaultConnectionConfig returns the defaults: verification on, the
// repository service account as X-Qlik-User.
func NewDefaultConnectionConfig() ConnectionConfig {
	return ConnectionConfig{
		Headers: map[string]configopaque.String{"X-Qlik-User": DefaultUserHeader},
	}
}

// Validate checks the certificate files can be read and the settings make
// sense; errors name the field under the given prefix (e.g. "servers[1].").
func (c *ConnectionConfig) Validate(prefix string) error {
	var errs []error
	for field, path := range map[string]string{"tls.ca_file": c.TLS.CAFile, "tls.cert_file": c.TLS.CertFile, "tls.key_file": c.TLS.KeyFile} {
		if path == "" {
			continue
		}
		if _, err := os.Stat(path); err != nil {
			errs = append(errs, fmt.Errorf("%s%s: cannot read %q: %w", prefix, field, path, errors.Unwrap(err)))
		}
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") && c.TLS.CertPem == "" && c.TLS.KeyPem == "" {
		errs = append(errs, fmt.Errorf("%stls: cert_file and key_file go together (Sense requires a client certificate)", prefix))
	}
	if c.KeyPassphrase != "" && c.TLS.KeyFile == "" {
		errs = append(errs, fmt.Errorf("%skey_passphrase: set but tls.key_file is not", prefix))
	}
	return errors.Join(errs...)
}

// ValidateEndpoint checks an https URL with a host; errors name the field.
func ValidateEndpoint(field, endpoint string) error {
	if endpoint == "" {
		return fmt.Errorf("%s: must be set, e.g. https://qs-central-01.corp.example:4747", field)
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("%s: %q is not a URL: %w", field, endpoint, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("%s: %q must start with https:// (Sense's APIs use mutual TLS)", field, endpoint)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%s: %q has no host", field, endpoint)
	}
	return nil
}

// httpClient builds the HTTP client with confighttp, decrypting the key
// first when a passphrase is set.
func (c *ConnectionConfig) httpClient(ctx context.Context, host component.Host, set component.TelemetrySettings) (*http.Client, error) {
	hc := confighttp.NewDefaultClientConfig()
	hc.TLS = c.TLS
	for name, value := range c.Headers {
		hc.Headers.Set(name, value)
	}
	if c.KeyPassphrase != "" {
		keyPEM, err := decryptKey(c.TLS.KeyFile, string(c.KeyPassphrase))
		if err != nil {
			return nil, err
		}
		hc.TLS.KeyFile = ""
		hc.TLS.KeyPem = configopaque.String(keyPEM)
	}
	var exts map[component.ID]component.Component
	if host != nil {
		exts = host.GetExtensions()
	}
	client, err := hc.ToClient(ctx, exts, set)
	if err != nil {
		if why := explainTLS(hc.TLS, c.TLS.KeyFile); why != nil {
			return nil, why
		}
		return nil, err
	}
	return client, nil
}

// explainTLS finds which certificate file keeps the client from being built,
// so the error names the setting and the file (configtls's errors name
// neither); nil when the files look usable. keyFile is the configured key
// file, t.KeyPem its decrypted content when a passphrase was given.
func explainTLS(t configtls.ClientConfig, keyFile string) error {
	if t.CAFile != "" {
		raw, err := os.ReadFile(t.CAFile)
		if err != nil {
			return fmt.Errorf("tls.ca_file: cannot read %q: %w", t.CAFile, err)
		}
		if !x509.NewCertPool().AppendCertsFromPEM(raw) {
			return fmt.Errorf("tls.ca_file: %q holds no PEM certificate (expected the QMC export's root.pem)", t.CAFile)
		}
	}
	if t.CertFile == "" || keyFile == "" {
		return nil
	}
	certPEM, err := os.ReadFile(t.CertFile)
	if err != nil {
		return fmt.Errorf("tls.cert_file: cannot read %q: %w", t.CertFile, err)
	}
	keyPEM := []byte(t.KeyPem)
	if t.KeyFile != "" {
		if keyPEM, err = os.ReadFile(t.KeyFile); err != nil {
			return fmt.Errorf("tls.key_file: cannot read %q: %w", t.KeyFile, err)
		}
	}
	if pemBlock(certPEM, func(typ string) bool { return typ == "CERTIFICATE" }) == nil {
		return fmt.Errorf("tls.cert_file: %q holds no PEM certificate (expected the QMC export's client.pem)", t.CertFile)
	}
	key := pemBlock(keyPEM, func(typ string) bool { return strings.HasSuffix(typ, "PRIVATE KEY") })
	if key == nil {
		return fmt.Errorf("tls.key_file: %q holds no PEM private key (expected the QMC export's client_key.pem)", keyFile)
	}
	//nolint:staticcheck // legacy PEM encryption is what the QMC export uses
	if x509.IsEncryptedPEMBlock(key) {
		return fmt.Errorf("tls.key_file: %q is encrypted: set key_passphrase to the password given at export", keyFile)
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return fmt.Errorf("tls.cert_file %q and tls.key_file %q: %w", t.CertFile, keyFile, err)
	}
	return nil
}

// pemBlock returns the first PEM block in raw whose type is wanted.
func pemBlock(raw []byte, wanted func(string) bool) *pem.Block {
	for {
		var block *pem.Block
		if block, raw = pem.Decode(raw); block == nil {
			return nil
		}
		if wanted(block.Type) {
			return block
		}
	}
}

// decryptKey reads a legacy encrypted PEM key (as the QMC writes when a
// password is given on export) and returns it unencrypted.
func decryptKey(path, passphrase string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tls.key_file: %w", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("tls.key_file: %q holds no PEM block", path)
	}
	//nolint:staticcheck // legacy PEM encryption is what the QMC export uses; Go reads it only through this call.
	if !x509.IsEncryptedPEMBlock(block) {
		return raw, nil
	}
	//nolint:staticcheck // see above
	der, err := x509.DecryptPEMBlock(block, []byte(passphrase))
	if err != nil {
		return nil, fmt.Errorf("key_passphrase: cannot decrypt %q: %w", path, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: der}), nil
}

// HostOf returns the host name of an endpoint URL, without port.
func HostOf(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
