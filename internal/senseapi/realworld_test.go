package senseapi

// Tests with the forms real sites send and configure: healthcheck bodies of
// older and newer engines, session entries with odd field types, header
// spellings, endpoints copied from request URLs, and the key files operators
// end up with after a QMC export or an OpenSSL conversion.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/zap"

	"github.com/senseops/senseops-collector/internal/sensesim"
)

func i64(v int64) *int64 { return &v }

// TestHealthcheckBodies: bodies from older and newer engines and from
// things that are not an engine. A field that is there but cannot be read
// (wrong type, negative count, beyond range) is left out and named in
// Unreadable; the rest of the body is kept. A body that is no healthcheck at
// all is bad JSON.
func TestHealthcheckBodies(t *testing.T) {
	type want struct {
		version    string
		committed  *float64
		active     *int64 // session.active
		total      *int64 // session.total
		calls      *int64
		bytesAdded *int64
		hits       *int64
		cpu        *float64
		saturated  *bool
		activeDocs []string
		loadedDocs []string // nil: absent
		unreadable []string
	}
	f := func(v float64) *float64 { return &v }
	b := func(v bool) *bool { return &v }
	tests := []struct {
		name string
		body string
		kind ErrorKind // set when the body must be refused
		want want
	}{
		{"byte order mark", "\ufeff" + `{"version":"14.187.4","session":{"active":1,"total":2}}`, "",
			want{version: "14.187.4", active: i64(1), total: i64(2)}},
		{"numbers as strings", `{"version":"14.187.4","mem":{"committed":"2314.5","allocated":1,"free":2},"session":{"active":"3","total":" 9 "},"apps":{"calls":"18234"},"cpu":{"total":"7.5"},"saturated":"true"}`, "",
			want{version: "14.187.4", committed: f(2314.5), active: i64(3), total: i64(9), calls: i64(18234), cpu: f(7.5), saturated: b(true)}},
		{"null leaves are left out, not zero", `{"version":"14.187.4","session":{"active":null,"total":9},"cpu":{"total":null},"mem":{"committed":null,"allocated":1,"free":2},"saturated":null}`, "",
			want{version: "14.187.4", total: i64(9)}},
		{"text where a number belongs: only that field is lost", `{"version":"14.187.4","session":{"active":"three","total":9},"apps":{"calls":true,"selections":1}}`, "",
			want{version: "14.187.4", total: i64(9), unreadable: []string{"apps.calls", "session.active"}}},
		{"negative and huge values", `{"version":"14.187.4","mem":{"committed":1e20,"allocated":-5,"free":2},"session":{"active":-1,"total":9},"apps":{"calls":1e300},"cache":{"hits":-3,"bytes_added":-2068853448}}`, "",
			want{version: "14.187.4", total: i64(9), bytesAdded: i64(-2068853448),
				unreadable: []string{"apps.calls", "cache.hits", "mem.allocated", "mem.committed", "session.active"}}},
		{"doc lists with duplicates, nulls, empty and non-string ids", `{"version":"14.187.4","apps":{"active_docs":["a","a",null,"",7,"b"],"loaded_docs":null}}`, "",
			want{version: "14.187.4", activeDocs: []string{"a", "b"}, loadedDocs: []string{}, unreadable: []string{"apps.active_docs"}}},
		{"a doc list that is not a list", `{"version":"14.187.4","apps":{"active_docs":"a","calls":5}}`, "",
			want{version: "14.187.4", calls: i64(5), unreadable: []string{"apps.active_docs"}}},
		{"a part that is not an object", `{"version":"14.187.4","mem":[],"session":{"active":1,"total":2}}`, "",
			want{version: "14.187.4", active: i64(1), total: i64(2), unreadable: []string{"mem"}}},
		// Qlik's developer help for Sense 2.x/3.x shows the engine spelling
		// it "comitted" (as Butler SOS's InfluxDB field still does).
		{"older engine spelling mem.comitted", `{"version":"2.7.50501.0409.10","started":"20160314T103522.000+0100","mem":{"comitted":63.98046875,"allocated":228.5625,"free":21680.28515625},` +
			`"session":{"active":2,"total":2}}`, "",
			want{version: "2.7.50501.0409.10", committed: f(63.98046875), active: i64(2), total: i64(2)}},
		{"the right spelling wins over the old one", `{"version":"14.187.4","mem":{"committed":2,"comitted":1}}`, "",
			want{version: "14.187.4", committed: f(2)}},
		{"an unreadable old spelling is named as the field", `{"version":"2.7.1","mem":{"comitted":"n/a"}}`, "",
			want{version: "2.7.1", unreadable: []string{"mem.committed"}}},
		{"version as a number, saturated as 0/1", `{"version":12,"saturated":1}`, "",
			want{version: "12", saturated: b(true)}},
		{"saturated as 1.0 and 0.0", `{"version":"12","saturated":1.0}`, "", want{version: "12", saturated: b(true)}},
		{"saturated as \"0.0\"", `{"version":"12","saturated":"0.0"}`, "", want{version: "12", saturated: b(false)}},
		{"saturated as 2 is unreadable", `{"version":"12","saturated":2}`, "", want{version: "12", unreadable: []string{"saturated"}}},
		// A start time that cannot be read costs uptime and the counters'
		// start, so it is named like any other unreadable field.
		{"a start time that cannot be read", `{"version":"12","started":"garbage","session":{"active":1,"total":2}}`, "",
			want{version: "12", active: i64(1), total: i64(2), unreadable: []string{"started"}}},
		{"a start time without its UTC offset", `{"version":"12","started":"20240310T061201.000"}`, "", want{version: "12", unreadable: []string{"started"}}},
		{"a start time that is not text", `{"version":"12","started":20240310}`, "", want{version: "12", unreadable: []string{"started"}}},
		{"an empty start time is missing, not unreadable", `{"version":"12","started":""}`, "", want{version: "12"}},
		{"null body", `null`, KindBadJSON, want{}},
		{"a healthcheck followed by more text", `{"version":"12","session":{"active":1,"total":2}}<html>`, KindBadJSON, want{}},
		{"a healthcheck followed by a line break", "{\"version\":\"12\"}\r\n", "", want{version: "12"}},
		{"empty object", `{}`, KindBadJSON, want{}},
		{"some other JSON object", `{"error":"Unauthorized","status":401}`, KindBadJSON, want{}},
		{"a list", `[]`, KindBadJSON, want{}},
		{"empty body", ``, KindBadJSON, want{}},
		{"HTML", `<html><body>Sign in</body></html>`, KindBadJSON, want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testServer(t, map[string]func(http.ResponseWriter){"/engine/healthcheck": body([]byte(tt.body))})
			h, err := c.Healthcheck(context.Background())
			if tt.kind != "" {
				require.Error(t, err)
				assert.Equal(t, tt.kind, KindOf(err))
				return
			}
			require.NoError(t, err)
			w := tt.want
			assert.Equal(t, w.version, h.Version)
			opt := func(present bool, v float64) *float64 {
				if !present {
					return nil
				}
				return &v
			}
			optInt := func(present bool, v Count) *int64 {
				if !present {
					return nil
				}
				n := int64(v)
				return &n
			}
			if h.Mem != nil {
				assert.Equal(t, w.committed, opt(h.Has("mem.committed"), h.Mem.Committed), "mem.committed")
			} else {
				assert.Nil(t, w.committed)
			}
			if h.Session != nil {
				assert.Equal(t, w.active, optInt(h.Has("session.active"), h.Session.Active), "session.active")
				assert.Equal(t, w.total, optInt(h.Has("session.total"), h.Session.Total), "session.total")
			} else {
				assert.Nil(t, w.active)
			}
			if h.CPU != nil {
				assert.Equal(t, w.cpu, opt(h.Has("cpu.total"), h.CPU.Total), "cpu.total")
			} else {
				assert.Nil(t, w.cpu)
			}
			if h.Apps != nil {
				assert.Equal(t, w.calls, optInt(h.Has("apps.calls"), h.Apps.Calls), "apps.calls")
				if w.activeDocs != nil {
					assert.Equal(t, w.activeDocs, h.Apps.ActiveDocs)
				}
				assert.Equal(t, w.loadedDocs != nil, h.Has("apps.loaded_docs"), "apps.loaded_docs")
				if w.loadedDocs != nil {
					assert.Equal(t, w.loadedDocs, h.Apps.LoadedDocs)
				}
			} else {
				assert.Nil(t, w.calls)
			}
			if h.Cache != nil {
				assert.Equal(t, w.bytesAdded, optInt(h.Has("cache.bytes_added"), h.Cache.BytesAdded), "cache.bytes_added")
				assert.Equal(t, w.hits, optInt(h.Has("cache.hits"), h.Cache.Hits), "cache.hits")
			}
			assert.Equal(t, w.saturated, h.Saturated)
			assert.ElementsMatch(t, w.unreadable, h.Unreadable)
		})
	}
}

// TestAppNamesWithoutTimeout: scraperhelper reads timeout 0 as "no
// timeout"; the app list must still be read.
func TestAppNamesWithoutTimeout(t *testing.T) {
	c := testServer(t, map[string]func(http.ResponseWriter){
		"/qrs/app": body(serveFile(t, "qrs-app-list-response-excerpt.json")),
	})
	a := NewAppNames(c, time.Hour, 0, zap.NewNop())
	a.Start(context.Background())
	defer a.Stop()
	name, ok := a.Name("5b817efe-472d-43ce-8a31-6cce34af7de9")
	assert.True(t, ok)
	assert.Equal(t, "Sales forecast", name)
}

// TestAppNamesIgnoreGUIDCase: an app id is a GUID, and a GUID is the same in
// either case (RFC 4122: "case insensitive on input"). The repository lists
// ids in lower case; an engine or a log event may name the same app in upper
// or mixed case (the events receiver keeps a GUID as sent), and must still get
// its name rather than keep its id.
func TestAppNamesIgnoreGUIDCase(t *testing.T) {
	c := testServer(t, map[string]func(http.ResponseWriter){
		"/qrs/app": body([]byte(`[{"id":"5b817efe-472d-43ce-8a31-6cce34af7de9","name":"Sales forecast"},` +
			`{"id":"E7AF59A0-C243-480D-9571-08727551A66F","name":"Inventory analysis"}]`)),
	})
	a := NewAppNames(c, time.Hour, time.Second, zap.NewNop())
	a.Start(context.Background())
	defer a.Stop()
	tests := []struct {
		id   string
		want string // "" when unknown
	}{
		{"5b817efe-472d-43ce-8a31-6cce34af7de9", "Sales forecast"},
		{"5B817EFE-472D-43CE-8A31-6CCE34AF7DE9", "Sales forecast"},
		{"5b817EFE-472d-43ce-8A31-6cce34af7de9", "Sales forecast"},
		{"e7af59a0-c243-480d-9571-08727551a66f", "Inventory analysis"},
		{"E7AF59A0-C243-480D-9571-08727551A66F", "Inventory analysis"},
		{"00000000-0000-4000-8000-000000000000", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			name, ok := a.Name(tt.id)
			assert.Equal(t, tt.want != "", ok)
			assert.Equal(t, tt.want, name)
		})
	}
	assert.Equal(t, 2, a.Len())
}

// TestHeaderNamesAreCaseInsensitive: HTTP header names are case-insensitive.
// A user who writes x-qlik-user must get that identity on every call, not
// the default one half of the time; a server's X-QLIK-USER overrides the
// shared one whatever its spelling; an empty value sends no header.
func TestHeaderNamesAreCaseInsensitive(t *testing.T) {
	var (
		mu    sync.Mutex
		users [][]string
	)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		users = append(users, r.Header.Values("X-Qlik-User"))
		mu.Unlock()
		_, _ = w.Write([]byte(`{"version":"14.187.4"}`))
	}))
	t.Cleanup(srv.Close)
	caFile := writeCA(t, srv)

	tests := []struct {
		name   string
		shared map[string]configopaque.String
		server map[string]configopaque.String
		want   []string
	}{
		{"lower-case over the default", map[string]configopaque.String{"X-Qlik-User": DefaultUserHeader, "x-qlik-user": "UserDirectory=CORP; UserId=svc"}, nil,
			[]string{"UserDirectory=CORP; UserId=svc"}},
		{"server's spelling overrides the shared", map[string]configopaque.String{"X-Qlik-User": DefaultUserHeader, "x-qlik-user": "UserDirectory=CORP; UserId=svc"},
			map[string]configopaque.String{"X-QLIK-USER": "UserDirectory=CORP; UserId=rim"}, []string{"UserDirectory=CORP; UserId=rim"}},
		{"empty value sends none", map[string]configopaque.String{"X-Qlik-User": DefaultUserHeader, "x-qlik-user": ""}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 20 { // map order is random: one try proves nothing
				mu.Lock()
				users = nil
				mu.Unlock()
				conn := NewDefaultConnectionConfig()
				conn.TLS.CAFile = caFile
				conn.Headers = tt.shared
				conn = conn.For(&ServerConfig{Headers: tt.server})
				require.NoError(t, conn.Validate(""))
				c, err := NewClient(context.Background(), srv.URL, conn, componenttest.NewNopHost(), componenttest.NewNopTelemetrySettings())
				require.NoError(t, err)
				_, err = c.Healthcheck(context.Background())
				c.Close()
				require.NoError(t, err)
				mu.Lock()
				require.Len(t, users, 1)
				assert.Equal(t, tt.want, users[0])
				mu.Unlock()
			}
		})
	}
}

func TestHeadersValidate(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]configopaque.String
		want    string // "" when valid
	}{
		{"default", map[string]configopaque.String{"X-Qlik-User": DefaultUserHeader}, ""},
		{"no spaces, other case", map[string]configopaque.String{"x-qlik-user": "userdirectory=CORP;userid=svc_monitor"}, ""},
		{"directory with a dot, id with a backslash-free UPN", map[string]configopaque.String{"X-Qlik-User": "UserDirectory=corp.example; UserId=svc.monitor@corp.example"}, ""},
		{"empty value", map[string]configopaque.String{"X-Qlik-User": ""}, ""},
		{"DOMAIN\\user form", map[string]configopaque.String{"X-Qlik-User": `CORP\svc_monitor`}, `servers[0].headers.X-Qlik-User: "CORP\\svc_monitor" is not in the form`},
		{"no user id", map[string]configopaque.String{"X-Qlik-User": "UserDirectory=CORP"}, "servers[0].headers.X-Qlik-User:"},
		{"same header twice", map[string]configopaque.String{"X-Extra": "1", "x-extra": "2"}, `servers[0].headers: "X-Extra" and "x-extra" are the same header`},
		{"bad name", map[string]configopaque.String{"X Qlik": "1"}, `servers[0].headers: "X Qlik" is not a valid header name`},
		{"line break in value", map[string]configopaque.String{"X-Extra": "a\r\nInjected: 1"}, `servers[0].headers.X-Extra: the value has a line break or control character`},
		// Qlik's API examples all show one; set here, it would replace the
		// collector's own key and every QRS/QPS call would get 403.
		{"an Xrfkey of one's own", map[string]configopaque.String{"x-qlik-xrfkey": "abcdefghij987654"}, `servers[0].headers.x-qlik-xrfkey: the collector sets this header itself`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ConnectionConfig{Headers: tt.headers}
			err := c.Validate("servers[0].")
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

// TestKeyForms: the client key as the QMC writes it (PKCS#1) and as an
// operator may have converted it (PKCS#8, plain or encrypted the way
// OpenSSL 3 does by default, Windows line ends, a byte order mark).
func TestKeyForms(t *testing.T) {
	dir := filepath.Join("testdata", "keys")
	tests := []struct {
		key        string
		passphrase string
		want       string // error text; "" when the key must be usable
	}{
		{"key_pkcs1.pem", "", ""},
		{"key_pkcs1_bom.pem", "", ""},
		{"key_pkcs8.pem", "", ""},
		{"key_pkcs8.pem", "sense-pass", ""}, // a passphrase for a plain key is harmless
		{"key_pkcs1_aes256.pem", "sense-pass", ""},
		{"key_pkcs8_aes256.pem", "sense-pass", ""},
		{"key_pkcs8_aes256_crlf.pem", "sense-pass", ""},
		{"key_pkcs8_aes128_sha1.pem", "sense-pass", ""},
		{"key_pkcs8_des3.pem", "sense-pass", ""},
		{"key_pkcs8_aes256.pem", "", "is encrypted: set key_passphrase"},
		{"key_pkcs1_aes256.pem", "", "is encrypted: set key_passphrase"},
		{"key_pkcs8_aes256.pem", "wrong", "key_passphrase: cannot decrypt"},
		{"key_pkcs8_des3.pem", "wrong", "key_passphrase: cannot decrypt"},
		{"key_pkcs8_pbes1.pem", "sense-pass", "key_passphrase: cannot decrypt"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"/"+tt.passphrase, func(t *testing.T) {
			c := NewDefaultConnectionConfig()
			c.TLS.CertFile = filepath.Join(dir, "client.pem")
			c.TLS.KeyFile = filepath.Join(dir, tt.key)
			c.KeyPassphrase = configopaque.String(tt.passphrase)
			require.NoError(t, c.Validate(""))
			client, err := NewClient(context.Background(), "https://qs1:4747", c, componenttest.NewNopHost(), componenttest.NewNopTelemetrySettings())
			if tt.want == "" {
				require.NoError(t, err)
				client.Close()
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), tt.key, "the error names the file")
		})
	}
}

// TestEndpointPath: an endpoint that already holds (the start of) the API
// path (as Butler SOS's docs write the healthcheck URL) is refused with the
// field named; a path that only has such a segment elsewhere, as a reverse
// proxy's may, is a base URL. apiPaths are the request paths, * one segment.
func TestEndpointPath(t *testing.T) {
	health, qps, qrs := []string{"/engine/healthcheck"}, []string{"/qps/*/session"}, []string{"/qrs/app"}
	tests := []struct {
		endpoint string
		api      []string
		want     string
	}{
		{"https://qs1:4747", health, ""},
		{"https://qs1:4747/", health, ""},
		{"https://gateway.corp/sense-engine", health, ""},
		{"https://sense.corp/hdr", health, ""},
		{"https://gateway.corp/engine/qs-central-01", health, ""},
		{"https://gateway.corp/qps/qs-proxy-01/api", qps, ""},
		{"https://gateway.corp/qrs/qs-central-01", qrs, ""},
		{"https://qs1:4747/engine/healthcheck", health, `servers[0].endpoint: "https://qs1:4747/engine/healthcheck" includes the API path /engine/healthcheck`},
		{"https://qs1:4747/engine/healthcheck/", health, "includes the API path /engine/healthcheck"},
		{"https://qs1:4747/engine", health, "includes the API path /engine"},
		{"https://sense.corp/hdr/engine/healthcheck", health, "includes the API path /engine/healthcheck"},
		{"https://qs1:4243/qps/session", qps, "includes the API path /qps/session"},
		{"https://qs1:4243/qps/hdr/session", qps, "includes the API path /qps/hdr/session"},
		{"https://qs1:4243/qps/hdr", qps, "includes the API path /qps/hdr"},
		{"https://qs1:4243/qps/", qps, "includes the API path /qps"},
		{"https://qs1:4242/QRS/app", qrs, "includes the API path /qrs/app"},
		{"https://qs1:4242/qrs", qrs, "includes the API path /qrs"},
		{"https://qs1:4747?x=1", health, "has a query"},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			err := ValidateBaseEndpoint("servers[0].endpoint", tt.endpoint, tt.api...)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

// TestSessionFieldTypes: a session whose user fields are not strings (a
// numeric user id) still counts; one whose user id is of another type has no
// user (not `CORP\`, which names no user: FuzzSessions); a list entry that is
// no object is a session without a user, as null is, and costs the others
// nothing. A list followed by more text is bad JSON.
func TestSessionFieldTypes(t *testing.T) {
	c := testServer(t, map[string]func(http.ResponseWriter){
		"/qps/session": body([]byte(`[{"UserDirectory":"CORP","UserId":12345,"SessionId":"s1","Attributes":[{"a":null}]},` +
			`{"UserDirectory":null,"UserId":"jdoe","SessionId":7},{"UserDirectory":"CORP","UserId":{"x":1}}]`)),
		"/qps/odd/session":      body([]byte(`[{"UserId":"a"},"b",5,["c"],null]`)),
		"/qps/trailing/session": body([]byte(`[{"UserId":"a"}]garbage`)),
		"/qps/two/session":      body([]byte(`null [{"UserId":"a"}]`)),
	})
	s, err := c.Sessions(context.Background(), "/")
	require.NoError(t, err)
	require.Len(t, s, 3)
	assert.Equal(t, `CORP\12345`, s[0].User())
	assert.Equal(t, "jdoe", s[1].User())
	assert.Equal(t, "7", s[1].SessionID)
	assert.Equal(t, "CORP", s[2].UserDirectory)
	assert.Empty(t, s[2].User())
	s, err = c.Sessions(context.Background(), "/odd")
	require.NoError(t, err)
	require.Len(t, s, 5)
	assert.Equal(t, "a", s[0].User())
	for _, odd := range s[1:] {
		assert.Equal(t, Session{}, odd)
	}
	for _, vp := range []string{"/trailing", "/two"} {
		_, err = c.Sessions(context.Background(), vp)
		assert.Equal(t, KindBadJSON, KindOf(err), vp)
	}
}

func writeCA(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	caFile := filepath.Join(t.TempDir(), "root.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	return caFile
}

// TestKeyWithBOMAndPassphrase: a key file saved with a UTF-8 byte order mark
// (as Windows editors may) is usable with key_passphrase too, encrypted or
// not: the passphrase path reads the key without the mark as well.
func TestKeyWithBOMAndPassphrase(t *testing.T) {
	dir := filepath.Join("testdata", "keys")
	for _, key := range []string{"key_pkcs1.pem", "key_pkcs1_aes256.pem", "key_pkcs8_aes256.pem"} {
		t.Run(key, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, key))
			require.NoError(t, err)
			bomKey := filepath.Join(t.TempDir(), key)
			require.NoError(t, os.WriteFile(bomKey, append([]byte("\xEF\xBB\xBF"), raw...), 0o600))
			c := NewDefaultConnectionConfig()
			c.TLS.CertFile = filepath.Join(dir, "client.pem")
			c.TLS.KeyFile = bomKey
			c.KeyPassphrase = "sense-pass"
			require.NoError(t, c.Validate(""))
			client, err := NewClient(context.Background(), "https://qs1:4747", c, componenttest.NewNopHost(), componenttest.NewNopTelemetrySettings())
			require.NoError(t, err)
			client.Close()
		})
	}
}

// TestReloadKeepsThePairTogether: with tls.reload_interval, a client
// certificate and key that are read once (the key decrypted with
// key_passphrase, or a file saved with a byte order mark) are read once
// together. Re-reading the other file alone would pair a re-exported
// certificate with the old key, and every handshake would then fail
// ("private key does not match public key") until a restart.
func TestReloadKeepsThePairTogether(t *testing.T) {
	gen := func(name string) *sensesim.CertSet {
		set, err := sensesim.GenerateCerts(filepath.Join(t.TempDir(), name), nil)
		require.NoError(t, err)
		return set
	}
	old, renewed := gen("old"), gen("renewed")
	bom := func(path string) []byte {
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		return append([]byte("\xEF\xBB\xBF"), raw...)
	}
	read := func(path string) []byte {
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		return raw
	}
	tests := []struct {
		name       string
		cert, key  func(*sensesim.CertSet) []byte
		passphrase string
	}{
		{"encrypted key with key_passphrase",
			func(s *sensesim.CertSet) []byte { return read(s.ClientCertFile) },
			func(s *sensesim.CertSet) []byte { return read(s.ClientKeyEncryptedFile) }, sensesim.DefaultKeyPassphrase},
		{"key file with a byte order mark",
			func(s *sensesim.CertSet) []byte { return read(s.ClientCertFile) },
			func(s *sensesim.CertSet) []byte { return bom(s.ClientKeyFile) }, ""},
		{"certificate file with a byte order mark",
			func(s *sensesim.CertSet) []byte { return bom(s.ClientCertFile) },
			func(s *sensesim.CertSet) []byte { return read(s.ClientKeyFile) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Sense checks the client certificate's issuer; any certificate
			// will do here, but it must match the key it is sent with.
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte(`{"version":"14.187.4"}`))
			}))
			srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert, MinVersion: tls.VersionTLS12}
			srv.StartTLS()
			t.Cleanup(srv.Close)

			dir := t.TempDir()
			certFile, keyFile := filepath.Join(dir, "client.pem"), filepath.Join(dir, "client_key.pem")
			require.NoError(t, os.WriteFile(certFile, tt.cert(old), 0o600))
			require.NoError(t, os.WriteFile(keyFile, tt.key(old), 0o600))
			conn := NewDefaultConnectionConfig()
			conn.TLS.CAFile = writeCA(t, srv)
			conn.TLS.CertFile, conn.TLS.KeyFile = certFile, keyFile
			conn.TLS.ReloadInterval = time.Millisecond
			conn.KeyPassphrase = configopaque.String(tt.passphrase)
			require.NoError(t, conn.Validate(""))
			c, err := NewClient(context.Background(), srv.URL, conn, componenttest.NewNopHost(), componenttest.NewNopTelemetrySettings())
			require.NoError(t, err)
			defer c.Close()
			_, err = c.Healthcheck(context.Background())
			require.NoError(t, err)

			// The certificates are exported again: a new pair on disk.
			require.NoError(t, os.WriteFile(certFile, tt.cert(renewed), 0o600))
			require.NoError(t, os.WriteFile(keyFile, tt.key(renewed), 0o600))
			time.Sleep(20 * time.Millisecond)
			srv.CloseClientConnections() // a new connection, so a new handshake
			_, err = c.Healthcheck(context.Background())
			require.NoError(t, err, "the certificate and key sent must still be a pair")
		})
	}
}

// TestReloadIntervalNeedsAUnit: tls.reload_interval is checked wherever a
// connection is configured (shared, per server, the connector's), and a
// number without a unit, read as nanoseconds, is refused with its path.
func TestReloadIntervalNeedsAUnit(t *testing.T) {
	c := NewDefaultConnectionConfig()
	c.TLS.ReloadInterval = 15000
	assert.ErrorContains(t, c.Validate("servers[1]."), "servers[1].tls.reload_interval: 15µs is under a millisecond")
	c.TLS.ReloadInterval = time.Hour
	assert.NoError(t, c.Validate("servers[1]."))
}

// TestWrongPassphraseThatPassesPadding: legacy PEM encryption (the QMC's,
// Proc-Type 4,ENCRYPTED) has no integrity check, so about one wrong
// passphrase in 256 decrypts without an error, to bytes that are no key.
// That is still a wrong passphrase, not a key TLS cannot parse.
func TestWrongPassphraseThatPassesPadding(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "keys", "key_pkcs1_aes256.pem"))
	require.NoError(t, err)
	block, _ := pem.Decode(raw)
	require.NotNil(t, block)
	wrong := ""
	for i := 0; i < 100000 && wrong == ""; i++ {
		p := fmt.Sprintf("wrong-%d", i)
		//nolint:staticcheck // the legacy encryption under test
		if _, err := x509.DecryptPEMBlock(block, []byte(p)); err == nil {
			wrong = p
		}
	}
	require.NotEmpty(t, wrong, "no wrong passphrase passed the padding check")
	_, err = decryptKey("", raw, wrong)
	assert.ErrorContains(t, err, "key_passphrase: cannot decrypt")
	assert.ErrorIs(t, err, x509.IncorrectPasswordError)
	_, err = decryptKey("", raw, "sense-pass")
	assert.NoError(t, err, "the right one still works")
}
