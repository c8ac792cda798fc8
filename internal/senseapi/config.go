package senseapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
	"golang.org/x/net/http/httpguts"

	"github.com/senseops/senseops-collector/internal/configcheck"
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
			errs = append(errs, fmt.Errorf("%s%s: cannot read %q: %w%s", prefix, field, path, errors.Unwrap(err), pathHint(path)))
		}
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") && c.TLS.CertPem == "" && c.TLS.KeyPem == "" {
		errs = append(errs, fmt.Errorf("%stls: cert_file and key_file go together (Sense requires a client certificate)", prefix))
	}
	if c.KeyPassphrase != "" && c.TLS.KeyFile == "" && c.TLS.KeyPem == "" {
		errs = append(errs, fmt.Errorf("%skey_passphrase: set but tls.key_file is not", prefix))
	}
	if _, err := canonicalHeaders(c.Headers, prefix); err != nil {
		errs = append(errs, err)
	}
	if err := configcheck.Duration(prefix+"tls.reload_interval", c.TLS.ReloadInterval); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// pathHint explains the two usual reasons a certificate path that looks
// right is not found, most of all on Windows: a backslash in a double-quoted
// YAML string starts an escape ("C:\temp\root.pem" holds a tab and a
// carriage return, which %q shows as the \t and \r typed), and a relative path is
// read from the working directory, which for a Windows service is
// C:\Windows\System32. "" when neither applies.
func pathHint(path string) string {
	if strings.ContainsFunc(path, unicode.IsControl) {
		return ` (the path holds a control character: in a double-quoted YAML string a backslash starts an escape, \t, \r, \n, ...; write a Windows path unquoted, in single quotes or with forward slashes: C:/certs/root.pem)`
	}
	if filepath.IsAbs(path) {
		return ""
	}
	wd, err := os.Getwd()
	if err != nil {
		wd = "unknown"
	}
	return fmt.Sprintf(" (a relative path is read from the collector's working directory, %s; a Windows service starts in C:\\Windows\\System32: give the absolute path)", wd)
}

// canonicalHeaders returns headers keyed by their canonical names
// (x-qlik-user and X-Qlik-User are one header) and checks names and values;
// errors name the field under prefix. When a name is spelled two ways, the
// spelling that is not the untouched default wins: the default map holds
// X-Qlik-User, and a user who writes x-qlik-user means to replace it.
// Other names spelled twice are an error.
func canonicalHeaders(headers map[string]configopaque.String, prefix string) (map[string]configopaque.String, error) {
	var errs []error
	out := make(map[string]configopaque.String, len(headers))
	spelled := make(map[string]string, len(headers))
	isDefault := func(name string, v configopaque.String) bool {
		return name == userHeader && v == DefaultUserHeader
	}
	names := make([]string, 0, len(headers))
	for name := range headers {
		names = append(names, name)
	}
	sort.Strings(names) // errors in a stable order
	for _, name := range names {
		value := headers[name]
		if !httpguts.ValidHeaderFieldName(name) {
			errs = append(errs, fmt.Errorf("%sheaders: %q is not a valid header name", prefix, name))
			continue
		}
		key := textproto.CanonicalMIMEHeaderKey(name)
		if !httpguts.ValidHeaderFieldValue(string(value)) {
			errs = append(errs, fmt.Errorf("%sheaders.%s: the value has a line break or control character", prefix, name))
			continue
		}
		if key == xrfkeyHeader {
			// confighttp's headers replace the request's own, so this one
			// would no longer match the Xrfkey query parameter, and Sense
			// answers 403 Forbidden.
			errs = append(errs, fmt.Errorf("%sheaders.%s: the collector sets this header itself, with a key of its own in the Xrfkey query parameter that it must match; remove it", prefix, name))
			continue
		}
		if key == userHeader && value != "" {
			if err := checkUserHeader(string(value)); err != nil {
				errs = append(errs, fmt.Errorf("%sheaders.%s: %w", prefix, name, err))
				continue
			}
		}
		if other, dup := spelled[key]; dup {
			switch {
			case isDefault(other, headers[other]):
			case isDefault(name, value):
				continue
			default:
				errs = append(errs, fmt.Errorf("%sheaders: %q and %q are the same header (names are case-insensitive); keep one", prefix, other, name))
				continue
			}
		}
		spelled[key] = name
		out[key] = value
	}
	return out, errors.Join(errs...)
}

// userHeader is the header that tells Sense whom a request acts for.
const userHeader = "X-Qlik-User"

// xrfkeyHeader is the anti-forgery key's header; see newXrfkey.
const xrfkeyHeader = "X-Qlik-Xrfkey"

// checkUserHeader checks an X-Qlik-User value has Sense's form,
// "UserDirectory=<directory>; UserId=<user id>" (keys in any case and
// order, spaces optional).
func checkUserHeader(v string) error {
	var dir, id bool
	for _, part := range strings.Split(v, ";") {
		key, value, ok := strings.Cut(part, "=")
		if !ok {
			if strings.TrimSpace(part) == "" {
				continue
			}
			break
		}
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "userdirectory":
			dir = strings.TrimSpace(value) != ""
		case "userid":
			id = strings.TrimSpace(value) != ""
		}
	}
	if !dir || !id {
		return fmt.Errorf("%q is not in the form \"UserDirectory=<directory>; UserId=<user id>\" (e.g. %q)", v, DefaultUserHeader)
	}
	return nil
}

// The request paths of Sense's APIs, added to a server's base URL; for the
// endpoint checks, * stands for any one segment (the virtual proxy prefix,
// absent for the default proxy).
const (
	HealthcheckPath = "/engine/healthcheck"
	AppListPath     = "/qrs/app"
	SessionsPath    = "/qps/*/session"
)

// ValidateAppListBase is ValidateBaseEndpoint for the repository's base URL
// of the app list: QRS's other app URLs, /qrs/app/full and /qrs/app/<id>,
// are as easily copied as /qrs/app itself.
func ValidateAppListBase(field, endpoint string) error {
	return ValidateBaseEndpoint(field, endpoint, AppListPath, AppListPath+"/*")
}

// ValidateBaseEndpoint is ValidateEndpoint for a server's base URL, to which
// the API paths are added: it also refuses a query, and a path that ends with
// the start of one of apiPaths, the request paths (* standing for any one
// segment, e.g. /qps/*/session): such an endpoint was copied from a request
// URL (as Butler SOS's docs write the healthcheck's, .../engine/healthcheck),
// and the path would be requested twice over. A path that has such a segment
// only further in (a reverse proxy's route, say /engine/central) is a base.
func ValidateBaseEndpoint(field, endpoint string, apiPaths ...string) error {
	if err := ValidateEndpoint(field, endpoint); err != nil {
		return err
	}
	u, _ := url.Parse(endpoint)
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%s: %q has a query or fragment; give the server's base URL, e.g. %s://%s", field, endpoint, u.Scheme, u.Host)
	}
	segs := pathSegments(u.Path)
	for _, api := range apiPaths {
		a := pathSegments(api)
		for n := min(len(a), len(segs)); n > 0; n-- {
			if tail := segs[len(segs)-n:]; segmentsMatch(tail, a[:n]) {
				return fmt.Errorf("%s: %q includes the API path /%s; give the server's base URL, e.g. %s://%s (the path is added per request)",
					field, endpoint, strings.Join(tail, "/"), u.Scheme, u.Host)
			}
		}
	}
	return nil
}

// pathSegments splits a URL path into its non-empty segments, lower-cased.
func pathSegments(p string) []string {
	return strings.FieldsFunc(strings.ToLower(p), func(r rune) bool { return r == '/' })
}

// segmentsMatch reports whether segs equal pattern, where "*" is any segment.
func segmentsMatch(segs, pattern []string) bool {
	for i, p := range pattern {
		if p != "*" && p != segs[i] {
			return false
		}
	}
	return true
}

// ValidateEndpoint checks an https (or, for a proxy in front of Sense, http)
// URL with a host; errors name the field.
func ValidateEndpoint(field, endpoint string) error {
	if endpoint == "" {
		return fmt.Errorf("%s: must be set, e.g. https://qs-central-01.corp.example:4747", field)
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("%s: %q is not a URL: %w", field, endpoint, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("%s: %q must start with https:// (Sense's APIs use mutual TLS; http:// is accepted for a plain-HTTP proxy in front of them)", field, endpoint)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%s: %q has no host", field, endpoint)
	}
	if p := u.Port(); p != "" {
		// url.Parse takes any digits; the dial would fail at every scrape.
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%s: %q has port %s, want 1-65535", field, endpoint, p)
		}
	}
	return nil
}

// httpClient builds the HTTP client with confighttp, decrypting the key
// first when a passphrase is set.
func (c *ConnectionConfig) httpClient(ctx context.Context, host component.Host, set component.TelemetrySettings) (*http.Client, error) {
	hc := confighttp.NewDefaultClientConfig()
	// HTTP/1.1, as Butler SOS speaks to Sense: over HTTP/2 a server cannot
	// ask for a client certificate after the handshake (Windows' HTTP.sys
	// answers HTTP_1_1_REQUIRED then), and Go's client does not fall back.
	// (Go does not renegotiate TLS either, so such a port must negotiate the
	// certificate in the handshake, as the QMC-exported certificates are
	// used; see the health receiver's README.)
	hc.ForceAttemptHTTP2 = false
	hc.TLS = c.TLS
	inlineBOMFiles(&hc.TLS)
	headers, err := canonicalHeaders(c.Headers, "")
	if err != nil {
		return nil, err
	}
	for name, value := range headers {
		if value != "" { // an empty value sends no header (e.g. no X-Qlik-User)
			hc.Headers.Set(name, value)
		}
	}
	if c.KeyPassphrase != "" {
		keyPEM, err := decryptKey(c.TLS.KeyFile, []byte(c.TLS.KeyPem), string(c.KeyPassphrase))
		if err != nil {
			return nil, err
		}
		hc.TLS.KeyFile = ""
		hc.TLS.KeyPem = configopaque.String(keyPEM)
	}
	explain := hc.TLS // with the files named, for explainTLS
	readPairOnce(&hc.TLS, c.TLS)
	var exts map[component.ID]component.Component
	if host != nil {
		exts = host.GetExtensions()
	}
	client, err := hc.ToClient(ctx, exts, set)
	if err != nil {
		if why := explainTLS(explain, c.TLS.KeyFile); why != nil {
			return nil, why
		}
		return nil, err
	}
	// Sense's APIs answer, they do not redirect: a redirect (to a login
	// page, say) means the endpoint is not the service's, and following it
	// would send the headers and the client certificate to another host.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return client, nil
}

// inlineBOMFiles reads a certificate or key file that starts with a UTF-8
// byte order mark (as Windows editors may save it), which Go's PEM reader
// does not take, into the matching *_pem setting without the mark. Such a
// file is read once, at start, even with reload_interval.
func inlineBOMFiles(t *configtls.ClientConfig) {
	for _, f := range []struct {
		file *string
		pem  *configopaque.String
	}{{&t.CAFile, &t.CAPem}, {&t.CertFile, &t.CertPem}, {&t.KeyFile, &t.KeyPem}} {
		if *f.file == "" || *f.pem != "" {
			continue
		}
		raw, err := os.ReadFile(*f.file)
		if err != nil || !bytes.HasPrefix(raw, utf8BOM) {
			continue // configtls reports unreadable files
		}
		*f.pem = configopaque.String(raw[len(utf8BOM):])
		*f.file = ""
	}
}

// readPairOnce: when tls.reload_interval is set and one file of the client
// certificate and key pair is read once, at start (the key decrypted with
// key_passphrase, or a file read without its byte order mark), the other is
// read once too. configtls would otherwise re-read that one alone and pair a
// re-exported certificate with the old key (or the reverse), and every
// handshake would fail until a restart. configured is the tls block as
// written; a file that cannot be read is left for configtls to report.
func readPairOnce(t *configtls.ClientConfig, configured configtls.ClientConfig) {
	if t.ReloadInterval <= 0 || configured.CertFile == "" || configured.KeyFile == "" {
		return
	}
	for _, f := range []struct {
		file  *string
		pem   *configopaque.String
		other string
	}{{&t.CertFile, &t.CertPem, t.KeyFile}, {&t.KeyFile, &t.KeyPem, t.CertFile}} {
		if *f.file == "" || f.other != "" {
			continue
		}
		raw, err := os.ReadFile(*f.file)
		if err != nil {
			continue
		}
		*f.pem = configopaque.String(raw)
		*f.file = ""
	}
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
	if isEncryptedKey(key) {
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

// HostOf returns the host name of an endpoint URL, without port.
func HostOf(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
