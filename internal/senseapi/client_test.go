package senseapi

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/zap"

	"github.com/senseops/senseops-collector/internal/sensesim"
)

func serveFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../testdata/http", name))
	require.NoError(t, err)
	return b
}

// testServer answers like Sense: Xrfkey in query and header must match.
func testServer(t *testing.T, routes map[string]func(w http.ResponseWriter)) *Client {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/qps/") || strings.HasPrefix(r.URL.Path, "/qrs/") {
			key := r.URL.Query().Get("Xrfkey")
			if len(key) != 16 || key != r.Header.Get("X-Qlik-Xrfkey") {
				w.WriteHeader(http.StatusForbidden)
				return
			}
		}
		h, ok := routes[r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		h(w)
	}))
	t.Cleanup(srv.Close)
	c, err := newClient(srv.Client(), srv.URL)
	require.NoError(t, err)
	return c
}

func body(b []byte) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { _, _ = w.Write(b) }
}

func TestHealthcheck(t *testing.T) {
	c := testServer(t, map[string]func(http.ResponseWriter){
		"/engine/healthcheck": body(serveFile(t, "engine-healthcheck-response.json")),
	})
	h, err := c.Healthcheck(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "14.187.4", h.Version)
	assert.InDelta(t, 2314.55078125, h.Mem.Committed, 1e-9)
	require.NotNil(t, h.Mem.TotalPhysical)
	assert.Equal(t, Count(3), h.Session.Active)
	assert.Len(t, h.Apps.InMemoryDocs, 4)
	assert.Equal(t, Count(1048576), h.Cache.BytesAdded)
	assert.False(t, *h.Saturated)
	started, ok := h.StartTime()
	require.True(t, ok)
	assert.Equal(t, time.Date(2024, 3, 10, 5, 12, 1, 0, time.UTC), time.Unix(0, started).UTC())
	assert.True(t, IsSessionApp(h.Apps.InMemoryDocs[3]))
}

func TestSessionsAndApps(t *testing.T) {
	c := testServer(t, map[string]func(http.ResponseWriter){
		"/qps/session":     body(serveFile(t, "qps-session-response-default-vp.json")),
		"/qps/hdr/session": body(serveFile(t, "qps-session-response-hdr-vp.json")),
		"/qrs/app":         body(serveFile(t, "qrs-app-list-response-excerpt.json")),
	})
	s, err := c.Sessions(context.Background(), "/")
	require.NoError(t, err)
	require.Len(t, s, 3)
	assert.Equal(t, `CORP\jdoe`, s[0].User())
	assert.Equal(t, "c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d10", s[0].SessionID)
	_, err = c.Sessions(context.Background(), "/hdr")
	require.NoError(t, err)
	apps, err := c.Apps(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "Sales forecast", apps[0].Name)
	_, err = c.Sessions(context.Background(), "/nope")
	assert.Equal(t, KindHTTPStatus, KindOf(err))
}

func TestErrorKinds(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang) // before the servers' cleanups, which wait for handlers
	c := testServer(t, map[string]func(http.ResponseWriter){
		"/engine/healthcheck": body([]byte(`{"version": "14.1", "mem": {`)),
	})
	_, err := c.Healthcheck(context.Background())
	assert.Equal(t, KindBadJSON, KindOf(err))

	// The same text, cut off by the connection before the length the
	// server announced: a connection problem, not a document that is no
	// JSON (a server restarting, a proxy resetting the connection).
	c = testServer(t, map[string]func(http.ResponseWriter){
		"/engine/healthcheck": func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte(`{"version": "14.1", "mem": {`))
		},
	})
	_, err = c.Healthcheck(context.Background())
	assert.Equal(t, KindConnection, KindOf(err), "%v", err)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)

	c = testServer(t, map[string]func(http.ResponseWriter){
		"/engine/healthcheck": func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) },
	})
	_, err = c.Healthcheck(context.Background())
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, KindHTTPStatus, e.Kind)
	assert.Equal(t, 500, e.Status)

	c = testServer(t, map[string]func(http.ResponseWriter){
		"/engine/healthcheck": func(http.ResponseWriter) { <-hang },
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Healthcheck(ctx)
	assert.Equal(t, KindTimeout, KindOf(err))

	// A client that does not trust the server's certificate.
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	plain, err := newClient(&http.Client{}, srv.URL)
	require.NoError(t, err)
	_, err = plain.Healthcheck(context.Background())
	assert.Equal(t, KindTLS, KindOf(err))

	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL
	closed.Close()
	gone, err := newClient(&http.Client{}, url)
	require.NoError(t, err)
	_, err = gone.Healthcheck(context.Background())
	assert.Equal(t, KindConnection, KindOf(err))
}

func TestAppNames(t *testing.T) {
	var fail atomic.Bool
	apps := serveFile(t, "qrs-app-list-response-excerpt.json")
	c := testServer(t, map[string]func(http.ResponseWriter){
		"/qrs/app": func(w http.ResponseWriter) {
			if fail.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write(apps)
		},
	})
	a := NewAppNames(c, time.Hour, time.Second, zap.NewNop())
	a.Start(context.Background())
	defer a.Stop()
	name, ok := a.Name("5b817efe-472d-43ce-8a31-6cce34af7de9")
	assert.True(t, ok, "names are there right after Start")
	assert.Equal(t, "Sales forecast", name)
	fail.Store(true)
	require.Error(t, a.refresh(context.Background()))
	_, ok = a.Name("5b817efe-472d-43ce-8a31-6cce34af7de9")
	assert.True(t, ok, "a failed refresh keeps the last list")
	_, ok = a.Name("unknown")
	assert.False(t, ok)
}

func TestConnectionConfigValidate(t *testing.T) {
	c := NewDefaultConnectionConfig()
	require.NoError(t, c.Validate(""))
	c.TLS.CertFile = "/nonexistent/client.pem"
	err := c.Validate("servers[1].")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `servers[1].tls.cert_file: cannot read "/nonexistent/client.pem"`)
	assert.Contains(t, err.Error(), "servers[1].tls: cert_file and key_file go together")
	assert.ErrorContains(t, ValidateEndpoint("endpoint", "qs1:4747"), "must start with https://")
	assert.ErrorContains(t, ValidateEndpoint("servers[0].endpoint", ""), "servers[0].endpoint: must be set")
	assert.NoError(t, ValidateEndpoint("endpoint", "https://qs1.corp:4747"))
	assert.ErrorContains(t, ValidateEndpoint("servers[1].endpoint", "https://qs1.corp:99999"), `servers[1].endpoint: "https://qs1.corp:99999" has port 99999, want 1-65535`)
	assert.ErrorContains(t, ValidateEndpoint("endpoint", "https://qs1.corp:0"), "has port 0")
}

// TestHealthcheckNumberForms: JSON does not tell 3 from 3.0 or 3e0, and a
// JavaScript or .NET serializer may write any of them, or "3"; the counts
// and counters read the number, not its spelling. A value that is no number
// costs only its own field.
func TestHealthcheckNumberForms(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, h *Health)
		kind  ErrorKind // "" when the body must be read
	}{
		{"integral float", `{"session":{"active":3.0,"total":9.0}}`, func(t *testing.T, h *Health) {
			assert.Equal(t, int64(3), int64(h.Session.Active))
			assert.Equal(t, int64(9), int64(h.Session.Total))
		}, ""},
		{"exponent", `{"apps":{"calls":1.8234e4,"selections":9.12E2},"cache":{"bytes_added":1e6}}`, func(t *testing.T, h *Health) {
			assert.Equal(t, int64(18234), int64(h.Apps.Calls))
			assert.Equal(t, int64(912), int64(h.Apps.Selections))
			assert.Equal(t, int64(1000000), int64(h.Cache.BytesAdded))
		}, ""},
		{"beyond float precision", `{"apps":{"calls":9007199254740993}}`, func(t *testing.T, h *Health) {
			assert.Equal(t, int64(9007199254740993), int64(h.Apps.Calls))
		}, ""},
		{"null counts", `{"users":{"active":null,"total":6}}`, func(t *testing.T, h *Health) {
			assert.False(t, h.Has("users.active"), "null is left out, not read as 0")
			assert.Equal(t, int64(6), int64(h.Users.Total))
		}, ""},
		{"unknown fields", `{"cache":{"hits":1,"misses":{"x":[1]}},"extra":true}`, func(t *testing.T, h *Health) {
			assert.Equal(t, int64(1), int64(h.Cache.Hits))
		}, ""},
		{"text count", `{"session":{"active":"three","total":9}}`, func(t *testing.T, h *Health) {
			assert.False(t, h.Has("session.active"))
			assert.Equal(t, []string{"session.active"}, h.Unreadable)
			assert.Equal(t, int64(9), int64(h.Session.Total), "the rest of the body is kept")
		}, ""},
		{"count as text", `{"session":{"active":"3"}}`, func(t *testing.T, h *Health) {
			assert.Equal(t, int64(3), int64(h.Session.Active))
		}, ""},
		{"out of range", `{"apps":{"calls":1e300,"selections":2}}`, func(t *testing.T, h *Health) {
			assert.False(t, h.Has("apps.calls"))
			assert.Equal(t, int64(2), int64(h.Apps.Selections))
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testServer(t, map[string]func(http.ResponseWriter){"/engine/healthcheck": body([]byte(tt.body))})
			h, err := c.Healthcheck(context.Background())
			if tt.kind != "" {
				assert.Equal(t, tt.kind, KindOf(err))
				return
			}
			require.NoError(t, err)
			tt.check(t, h)
		})
	}
}

// TestSessionsPath: the prefix is written as configured, with or without
// slashes, and escaped once in the URL (the server sees the prefix itself).
func TestSessionsPath(t *testing.T) {
	tests := []struct {
		virtualProxy string
		path         string
	}{
		{"", "/qps/session"},
		{"/", "/qps/session"},
		{"//", "/qps/session"},
		{"hdr", "/qps/hdr/session"},
		{"/hdr", "/qps/hdr/session"},
		{"/hdr/", "/qps/hdr/session"},
		{"/försäljning", "/qps/försäljning/session"},
		{"/sales;eu", "/qps/sales;eu/session"},
		{"/100%", "/qps/100%/session"},
	}
	for _, tt := range tests {
		t.Run(tt.virtualProxy, func(t *testing.T) {
			c := testServer(t, map[string]func(http.ResponseWriter){
				tt.path: body([]byte(`[{"UserDirectory":"CORP","UserId":"jdoe","SessionId":"s1"}]`)),
			})
			s, err := c.Sessions(context.Background(), tt.virtualProxy)
			require.NoError(t, err)
			assert.Len(t, s, 1)
		})
	}
}

// TestCertificateErrorsNameTheFile: a certificate file that exists but
// cannot be used fails the start with the setting and the file named.
func TestCertificateErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	certs, err := sensesim.GenerateCerts(dir, nil)
	require.NoError(t, err)
	garbage := filepath.Join(dir, "garbage.pem")
	require.NoError(t, os.WriteFile(garbage, []byte("not a certificate\n"), 0o600))
	tests := []struct {
		name   string
		mutate func(*ConnectionConfig)
		want   []string
	}{
		{"ca not PEM", func(c *ConnectionConfig) { c.TLS.CAFile = garbage },
			[]string{"tls.ca_file", garbage}},
		{"ca is a key", func(c *ConnectionConfig) { c.TLS.CAFile = certs.ClientKeyFile },
			[]string{"tls.ca_file", certs.ClientKeyFile}},
		{"cert not PEM", func(c *ConnectionConfig) { c.TLS.CertFile = garbage },
			[]string{"tls.cert_file", garbage}},
		{"key not PEM", func(c *ConnectionConfig) { c.TLS.KeyFile = garbage },
			[]string{"tls.key_file", garbage}},
		{"cert and key swapped", func(c *ConnectionConfig) { c.TLS.CertFile, c.TLS.KeyFile = certs.ClientKeyFile, certs.ClientCertFile },
			[]string{"tls.cert_file", certs.ClientKeyFile}},
		{"key of another certificate", func(c *ConnectionConfig) { c.TLS.KeyFile = certs.WrongClientKeyFile },
			[]string{"tls.key_file", certs.WrongClientKeyFile, certs.ClientCertFile, "does not match"}},
		{"encrypted key without passphrase", func(c *ConnectionConfig) { c.TLS.KeyFile = certs.ClientKeyEncryptedFile },
			[]string{"tls.key_file", certs.ClientKeyEncryptedFile, "key_passphrase"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewDefaultConnectionConfig()
			c.TLS.CAFile, c.TLS.CertFile, c.TLS.KeyFile = certs.CAFile, certs.ClientCertFile, certs.ClientKeyFile
			tt.mutate(&c)
			_, err := NewClient(context.Background(), "https://qs1:4747", c, componenttest.NewNopHost(), componenttest.NewNopTelemetrySettings())
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
	c := NewDefaultConnectionConfig()
	c.TLS.CAFile, c.TLS.CertFile, c.TLS.KeyFile = certs.CAFile, certs.ClientCertFile, certs.ClientKeyFile
	_, err = NewClient(context.Background(), "https://qs1:4747", c, componenttest.NewNopHost(), componenttest.NewNopTelemetrySettings())
	require.NoError(t, err, "the QMC export as it is")
}

// TestOversizedBodySaysSo: a body beyond maxBody is bad JSON whose message
// names the limit, rather than a bare "unexpected EOF".
func TestOversizedBodySaysSo(t *testing.T) {
	big := append([]byte(`{"version":"`), bytes.Repeat([]byte("x"), maxBody)...)
	big = append(big, `"}`...)
	c := testServer(t, map[string]func(http.ResponseWriter){"/engine/healthcheck": body(big)})
	_, err := c.Healthcheck(context.Background())
	assert.Equal(t, KindBadJSON, KindOf(err))
	assert.ErrorContains(t, err, "larger than 64 MiB")
}

// TestEndpointSlashesAndIdentity: an endpoint written with a trailing slash,
// as Butler SOS's docs show the healthcheck URL, reaches the same API paths
// as one without; and every call, health and sessions alike, carries the
// configured X-Qlik-User (the repository service account by default), where
// Butler SOS's polls sent none.
func TestEndpointSlashesAndIdentity(t *testing.T) {
	type seen struct{ path, user string }
	var (
		mu  sync.Mutex
		got []seen
	)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, seen{r.URL.Path, r.Header.Get("X-Qlik-User")})
		mu.Unlock()
		switch r.URL.Path {
		case "/engine/healthcheck":
			_, _ = w.Write(serveFile(t, "engine-healthcheck-response.json"))
		case "/qps/session":
			_, _ = w.Write([]byte(`[]`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "root.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))

	tests := []struct {
		name     string
		endpoint string
		headers  map[string]configopaque.String
		wantUser string
	}{
		{"no slash, default identity", srv.URL, nil, DefaultUserHeader},
		{"trailing slash", srv.URL + "/", nil, DefaultUserHeader},
		{"two trailing slashes", srv.URL + "//", nil, DefaultUserHeader},
		{"configured identity", srv.URL + "/", map[string]configopaque.String{"X-Qlik-User": "UserDirectory=CORP; UserId=svc_monitor"}, "UserDirectory=CORP; UserId=svc_monitor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			conn := NewDefaultConnectionConfig()
			conn.TLS.CAFile = caFile
			if tt.headers != nil {
				conn.Headers = tt.headers
			}
			c, err := NewClient(context.Background(), tt.endpoint, conn, componenttest.NewNopHost(), componenttest.NewNopTelemetrySettings())
			require.NoError(t, err)
			defer c.Close()
			_, err = c.Healthcheck(context.Background())
			require.NoError(t, err)
			_, err = c.Sessions(context.Background(), "/")
			require.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []seen{{"/engine/healthcheck", tt.wantUser}, {"/qps/session", tt.wantUser}}, got)
		})
	}
}

// TestVirtualProxyPrefix: the one rule the sessions receiver and the
// connector check and write prefixes by.
func TestVirtualProxyPrefix(t *testing.T) {
	for vp, want := range map[string]string{"/": "/", "": "/", "hdr": "/hdr", "/hdr/": "/hdr", " /hdr ": "/hdr"} {
		assert.Equal(t, want, NormalizeVirtualProxy(vp), vp)
	}
	for vp, ok := range map[string]bool{"/": true, "hdr": true, "/hdr/": true, "/a/b": false, "/a?b": false, "a b": false, ".": false, "/../": false, "/.x": true, " /hdr": true, "hdr ": true, " / ": true, "/ hdr": false} {
		assert.Equal(t, ok, IsVirtualProxyPrefix(vp), vp)
	}
}

// TestRedirectIsNotFollowed: Sense's APIs do not redirect, so a redirect
// (an endpoint that is a web front end's login page, say) is an http_status
// error that names where it pointed, and the headers (X-Qlik-User) and the
// client certificate are not sent to that other host.
func TestRedirectIsNotFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(other.Close)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/login", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	c := trustingClient(t, srv)
	_, err := c.Healthcheck(context.Background())
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, KindHTTPStatus, e.Kind)
	assert.Equal(t, http.StatusFound, e.Status)
	assert.ErrorContains(t, err, "a redirect to "+other.URL+"/login, which is not followed")
	assert.Zero(t, elsewhere.Load(), "nothing was sent to the host redirected to")
}

// TestSpeaksHTTP11: the client speaks HTTP/1.1 to a server that offers
// HTTP/2 too, as Butler SOS does (see httpClient).
func TestSpeaksHTTP11(t *testing.T) {
	var proto atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.Proto)
		_, _ = w.Write(serveFile(t, "engine-healthcheck-response.json"))
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c := trustingClient(t, srv)
	_, err := c.Healthcheck(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1", proto.Load())
}

// trustingClient is a client built as the receivers build theirs (NewClient
// with the default connection settings), trusting srv's certificate.
func trustingClient(t *testing.T, srv *httptest.Server) *Client {
	t.Helper()
	caFile := filepath.Join(t.TempDir(), "root.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	conn := NewDefaultConnectionConfig()
	conn.TLS.CAFile = caFile
	c, err := NewClient(context.Background(), srv.URL, conn, componenttest.NewNopHost(), componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}
