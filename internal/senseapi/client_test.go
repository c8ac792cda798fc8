package senseapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
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
	assert.Equal(t, int64(3), h.Session.Active)
	assert.Len(t, h.Apps.InMemoryDocs, 4)
	assert.Equal(t, int64(1048576), h.Cache.BytesAdded)
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
}
