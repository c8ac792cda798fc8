package sensesim

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

const testXrfkey = "abcdefghij987654"

// startTestSite starts a site with certificates in a test directory; it is
// closed at the end of the test.
func startTestSite(t *testing.T, opts SiteOptions) *Site {
	t.Helper()
	if opts.Dir == "" && opts.Certs == nil {
		opts.Dir = t.TempDir()
	}
	site, err := StartSite(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := site.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return site
}

// newClient returns an HTTP client with the given TLS configuration whose
// idle connections are closed at the end of the test.
func newClient(t *testing.T, cfg *tls.Config) *http.Client {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: cfg}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// get performs a GET; a non-empty xrf is sent as the Xrfkey query parameter
// and the X-Qlik-Xrfkey header.
func get(c *http.Client, url, xrf string) (int, []byte, error) {
	if xrf != "" {
		url += "?Xrfkey=" + xrf
	}
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	if xrf != "" {
		req.Header.Set(XrfkeyHeader, xrf)
	}
	return do(c, req)
}

func do(c *http.Client, req *http.Request) (int, []byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// mustGet expects 200 and returns the body.
func mustGet(t *testing.T, c *http.Client, url, xrf string) []byte {
	t.Helper()
	code, body, err := get(c, url, xrf)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if code != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", url, code, body)
	}
	return body
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

func getHealth(t *testing.T, c *http.Client, srv *Server) EngineHealth {
	t.Helper()
	var h EngineHealth
	if err := decodeStrict(mustGet(t, c, srv.HealthcheckURL(), ""), &h); err != nil {
		t.Fatalf("decode healthcheck: %v", err)
	}
	return h
}

func TestMutualTLS(t *testing.T) {
	site := startTestSite(t, SiteOptions{Servers: 1, Seed: 1})
	srv, cs := site.Servers[0], site.Certs
	noCert := cs.ClientTLSConfig()
	noCert.Certificates = nil
	wrongRoot := cs.ClientTLSConfig()
	wrongRoot.RootCAs = cs.WrongCAPool
	tests := []struct {
		name    string
		cfg     *tls.Config
		wantErr string // substring of the client error; "" = success
	}{
		{"no client certificate", noCert, "certificate required"},
		{"client certificate from the wrong CA", cs.WrongClientTLSConfig(), "unknown certificate authority"},
		{"client does not trust the server", wrongRoot, "certificate signed by unknown authority"},
		{"right client certificate", cs.ClientTLSConfig(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, hsBefore := srv.Requests(APIAll), srv.HandshakeErrors()
			code, _, err := get(newClient(t, tt.cfg), srv.HealthcheckURL(), "")
			if tt.wantErr == "" {
				if err != nil || code != http.StatusOK {
					t.Fatalf("got %d, %v; want 200", code, err)
				}
				if srv.Requests(APIHealth) != before+1 {
					t.Error("request not counted")
				}
				return
			}
			if err == nil {
				t.Fatalf("got status %d, want a TLS error", code)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if srv.Requests(APIAll) != before {
				t.Error("a request that failed the handshake reached a handler")
			}
			// The server logs the failed handshake (asynchronously to the
			// client's error for TLS 1.3 client certificates).
			waitFor(t, "handshake error counted", func() bool { return srv.HandshakeErrors() > hsBefore })
		})
	}
}

// waitFor polls cond until it holds (10s at most).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for: %s", what)
}

// jsonShape returns the set of key paths of a JSON document (objects only;
// array elements share the path "[]").
func jsonShape(t *testing.T, data []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				set[prefix+"."+k] = true
				walk(prefix+"."+k, e)
			}
		case []any:
			for _, e := range x {
				walk(prefix+"[]", e)
			}
		}
	}
	walk("", v)
	return slices.Sorted(maps.Keys(set))
}

func TestHealthcheckShape(t *testing.T) {
	sample, err := os.ReadFile("../../testdata/http/engine-healthcheck-response.json")
	if err != nil {
		t.Fatal(err)
	}
	var want EngineHealth
	if err := decodeStrict(sample, &want); err != nil {
		t.Fatalf("EngineHealth does not decode the reference sample: %v", err)
	}
	site := startTestSite(t, SiteOptions{Servers: 1, Seed: 1})
	c := newClient(t, site.Certs.ClientTLSConfig())
	body := mustGet(t, c, site.Servers[0].HealthcheckURL(), "")
	if got, want := jsonShape(t, body), jsonShape(t, sample); !slices.Equal(got, want) {
		t.Errorf("healthcheck keys\n got %v\nwant %v", got, want)
	}
	for _, key := range []string{`"active_docs":[`, `"loaded_docs":[`, `"in_memory_docs":[`} {
		if !strings.Contains(string(body), key) {
			t.Errorf("body lacks %s (arrays must never be null): %s", key, body)
		}
	}
	if code, body, _ := get(c, site.Servers[0].HealthURL()+"/engine/healthcheck/", ""); code != http.StatusOK {
		t.Errorf("trailing slash: %d %s", code, body)
	}
}

func TestHealthcheckStarted(t *testing.T) {
	tests := []struct {
		tz     string
		suffix string
	}{
		{"", "+0100"},
		{"+0100", "+0100"},
		{"-0500", "-0500"},
		{"+05:30", "+0530"},
		{"UTC", "+0000"},
	}
	cs, err := GenerateCerts(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, cs.ClientTLSConfig())
	re := regexp.MustCompile(`^\d{8}T\d{6}\.000[+-]\d{4}$`)
	for _, tt := range tests {
		t.Run(tt.tz, func(t *testing.T) {
			opts := SiteOptions{Servers: 2, Certs: cs, Seed: 3}
			if tt.tz != "" {
				loc, err := ParseTZOffset(tt.tz)
				if err != nil {
					t.Fatal(err)
				}
				opts.Location = loc
			}
			site := startTestSite(t, opts)
			for _, srv := range site.Servers {
				h := getHealth(t, c, srv)
				if !re.MatchString(h.Started) || !strings.HasSuffix(h.Started, tt.suffix) {
					t.Errorf("%s: started %q, want compact form ending %s", srv.Name(), h.Started, tt.suffix)
				}
				st, err := time.Parse(LayoutLongISO8601, h.Started)
				if err != nil {
					t.Fatal(err)
				}
				// Default start 2024-03-12 10:00 local; started 6..96h before.
				start := time.Date(2024, 3, 12, 10, 0, 0, 0, st.Location())
				if up := start.Sub(st); up < 6*time.Hour || up > 96*time.Hour {
					t.Errorf("%s: uptime %s at site start", srv.Name(), up)
				}
				if h2 := getHealth(t, c, srv); h2.Started != h.Started {
					t.Errorf("started changed: %s -> %s", h.Started, h2.Started)
				}
			}
		})
	}
}

// isSubsequence reports whether sub's elements appear in list in order.
func isSubsequence(sub, list []string) bool {
	i := 0
	for _, x := range list {
		if i < len(sub) && sub[i] == x {
			i++
		}
	}
	return i == len(sub)
}

var sessionAppRE = regexp.MustCompile(`^SessionApp_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestHealthcheckInvariants(t *testing.T) {
	const steps = 300
	site := startTestSite(t, SiteOptions{Servers: 2, Seed: 42})
	c := newClient(t, site.Certs.ClientTLSConfig())
	appNames := map[string]string{}
	for _, a := range site.Apps() {
		appNames[a.ID] = a.Name
	}
	for _, srv := range site.Servers {
		t.Run(srv.Name(), func(t *testing.T) {
			var prev EngineHealth
			seen := map[string]bool{}
			cpus, committed := map[float64]bool{}, map[float64]bool{}
			inMemoryBefore := map[string]bool{}
			for i := range steps {
				h := getHealth(t, c, srv)
				a := h.Apps
				if !isSubsequence(a.ActiveDocs, a.LoadedDocs) || !isSubsequence(a.LoadedDocs, a.InMemoryDocs) {
					t.Fatalf("step %d: not active ⊆ loaded ⊆ in_memory: %v / %v / %v", i, a.ActiveDocs, a.LoadedDocs, a.InMemoryDocs)
				}
				if len(slices.Compact(slices.Sorted(slices.Values(a.InMemoryDocs)))) != len(a.InMemoryDocs) {
					t.Fatalf("step %d: duplicate in_memory_docs %v", i, a.InMemoryDocs)
				}
				for _, id := range a.InMemoryDocs {
					switch {
					case strings.HasPrefix(id, "SessionApp"):
						if !sessionAppRE.MatchString(id) {
							t.Fatalf("bad session app id %q", id)
						}
						seen["session app"] = true
					case appNames[id] == "":
						t.Fatalf("doc %q is not in the QRS app list", id)
					}
				}
				if h.Session.Active > h.Session.Total || h.Users.Active > h.Users.Total ||
					h.Users.Total > h.Session.Total || h.Users.Active > h.Session.Active || h.Session.Active < 0 {
					t.Fatalf("step %d: bad session/user counts %+v %+v", i, h.Session, h.Users)
				}
				if h.Saturated != (h.CPU.Total >= SaturationCPU) || h.CPU.Total < 0 || h.CPU.Total > 100 {
					t.Fatalf("step %d: cpu %v saturated %v", i, h.CPU.Total, h.Saturated)
				}
				m := h.Mem
				if m.Committed <= 0 || m.Allocated < m.Committed || m.Free <= 0 || m.Free+m.Allocated > m.TotalPhysical {
					t.Fatalf("step %d: bad memory %+v", i, m)
				}
				if h.Cache.Hits > h.Cache.Lookups {
					t.Fatalf("step %d: cache hits %d > lookups %d", i, h.Cache.Hits, h.Cache.Lookups)
				}
				if h.Version != "14.187.4" {
					t.Fatalf("version %q", h.Version)
				}
				if i > 0 {
					type counter struct {
						name      string
						prev, cur int64
					}
					for _, c := range []counter{
						{"calls", prev.Apps.Calls, a.Calls}, {"selections", prev.Apps.Selections, a.Selections},
						{"hits", prev.Cache.Hits, h.Cache.Hits}, {"lookups", prev.Cache.Lookups, h.Cache.Lookups},
						{"added", prev.Cache.Added, h.Cache.Added}, {"replaced", prev.Cache.Replaced, h.Cache.Replaced},
						{"bytes_added", prev.Cache.BytesAdded, h.Cache.BytesAdded},
					} {
						if c.cur < c.prev {
							t.Fatalf("step %d: %s decreased %d -> %d", i, c.name, c.prev, c.cur)
						}
						if c.cur > c.prev {
							seen[c.name+" grows"] = true
						}
					}
					if h.Session.Total > prev.Session.Total {
						seen["sessions up"] = true
					}
					if h.Session.Total < prev.Session.Total {
						seen["sessions down"] = true
					}
					if h.Users.Total != prev.Users.Total {
						seen["users change"] = true
					}
					for id := range inMemoryBefore {
						if !slices.Contains(a.InMemoryDocs, id) {
							seen["app unloaded"] = true
						}
					}
					for _, id := range a.InMemoryDocs {
						if !inMemoryBefore[id] {
							seen["app loaded"] = true
						}
					}
				}
				if len(a.LoadedDocs) < len(a.InMemoryDocs) {
					seen["in memory without sessions"] = true
				}
				if len(a.ActiveDocs) < len(a.LoadedDocs) {
					seen["loaded but not active"] = true
				}
				if h.Session.Active < h.Session.Total {
					seen["active < total"] = true
				}
				if h.Saturated {
					seen["saturated"] = true
				} else {
					seen["not saturated"] = true
				}
				cpus[h.CPU.Total] = true
				committed[m.Committed] = true
				inMemoryBefore = map[string]bool{}
				for _, id := range a.InMemoryDocs {
					inMemoryBefore[id] = true
				}
				prev = h
			}
			// The model moves (deterministic for the seed, so these are
			// not flaky).
			for _, want := range []string{"session app", "calls grows", "selections grows", "hits grows", "lookups grows",
				"added grows", "replaced grows", "bytes_added grows", "sessions up", "sessions down", "users change",
				"app loaded", "app unloaded", "in memory without sessions", "loaded but not active", "active < total",
				"saturated", "not saturated"} {
				if !seen[want] {
					t.Errorf("over %d steps never saw: %s", steps, want)
				}
			}
			if len(cpus) < steps/4 || len(committed) < steps/4 {
				t.Errorf("cpu/memory hardly move: %d distinct cpu, %d distinct committed values", len(cpus), len(committed))
			}
		})
	}
}

func TestUnlistedApps(t *testing.T) {
	site := startTestSite(t, SiteOptions{Servers: 1, Seed: 5, UnlistedApps: true})
	c := newClient(t, site.Certs.ClientTLSConfig())
	for range 300 {
		if slices.Contains(getHealth(t, c, site.Servers[0]).Apps.InMemoryDocs, unlistedAppID) {
			for _, a := range site.Apps() {
				if a.ID == unlistedAppID {
					t.Fatal("unlisted app is in the QRS list")
				}
			}
			return
		}
	}
	t.Error("UnlistedApps: the unlisted app never appeared")
}

// bodies fetches n bodies from url.
func bodies(t *testing.T, c *http.Client, url, xrf string, n int) []string {
	t.Helper()
	var out []string
	for range n {
		out = append(out, string(mustGet(t, c, url, xrf)))
	}
	return out
}

func TestDeterminism(t *testing.T) {
	cs, err := GenerateCerts(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, cs.ClientTLSConfig())
	opts := func(seed uint64) SiteOptions {
		return SiteOptions{Servers: 2, Certs: cs, Seed: seed, VirtualProxies: []string{"/", "/hdr"}}
	}
	a, b, other := startTestSite(t, opts(7)), startTestSite(t, opts(7)), startTestSite(t, opts(8))

	// Site b gets interleaved requests to other endpoints and failed ones;
	// they must not disturb the sequences.
	b.Servers[1].SetFault(APIHealth, Fault{FailRate: 1})
	for range 5 {
		mustGet(t, c, b.Servers[0].SessionURL("/"), testXrfkey)
		get(c, b.Servers[1].HealthcheckURL(), "")
		get(c, b.Servers[0].SessionURL("/hdr"), "")
	}
	b.Servers[1].ClearFaults()

	for i := range 2 {
		ha := bodies(t, c, a.Servers[i].HealthcheckURL(), "", 20)
		hb := bodies(t, c, b.Servers[i].HealthcheckURL(), "", 20)
		ho := bodies(t, c, other.Servers[i].HealthcheckURL(), "", 20)
		if !slices.Equal(ha, hb) {
			t.Errorf("server %d: same seed, different healthcheck sequences", i)
		}
		if slices.Equal(ha, ho) {
			t.Errorf("server %d: different seeds, same healthcheck sequence", i)
		}
		// /hdr was never successfully served on b: same sequence.
		if !slices.Equal(bodies(t, c, a.Servers[i].SessionURL("/hdr"), testXrfkey, 10),
			bodies(t, c, b.Servers[i].SessionURL("/hdr"), testXrfkey, 10)) {
			t.Errorf("server %d: same seed, different /hdr session sequences", i)
		}
	}
	// Servers of one site differ from each other.
	if slices.Equal(bodies(t, c, a.Servers[0].HealthcheckURL(), "", 3), bodies(t, c, a.Servers[1].HealthcheckURL(), "", 3)) {
		t.Error("two servers of a site serve identical healthchecks")
	}
	// b's "/" proxy served 5 lists before: skipping 5 on a aligns them.
	bodies(t, c, a.Servers[0].SessionURL("/"), testXrfkey, 5)
	if !slices.Equal(bodies(t, c, a.Servers[0].SessionURL("/"), testXrfkey, 10),
		bodies(t, c, b.Servers[0].SessionURL("/"), testXrfkey, 10)) {
		t.Error("same seed and request count, different / session sequences")
	}
}

func TestXrfkey(t *testing.T) {
	site := startTestSite(t, SiteOptions{Servers: 1, Seed: 1})
	srv := site.Servers[0]
	c := newClient(t, site.Certs.ClientTLSConfig())
	tests := []struct {
		name     string
		query    string // raw query
		header   string // X-Qlik-Xrfkey, "" = not sent
		wantCode int
	}{
		{"match", "Xrfkey=" + testXrfkey, testXrfkey, 200},
		{"lower-case parameter name", "xrfkey=" + testXrfkey, testXrfkey, 200},
		{"extra parameters", "filter=x&Xrfkey=" + testXrfkey, testXrfkey, 200},
		{"no key at all", "", "", 403},
		{"query only", "Xrfkey=" + testXrfkey, "", 403},
		{"header only", "", testXrfkey, 403},
		{"mismatch", "Xrfkey=abcdefghij987655", testXrfkey, 403},
		{"case differs", "Xrfkey=ABCDEFGHIJ987654", testXrfkey, 403},
		{"15 characters", "Xrfkey=abcdefghij98765", "abcdefghij98765", 403},
		{"17 characters", "Xrfkey=abcdefghij9876543", "abcdefghij9876543", 403},
		{"not alphanumeric", "Xrfkey=abcdefghij98765-", "abcdefghij98765-", 403},
		{"parameter twice", "Xrfkey=" + testXrfkey + "&Xrfkey=" + testXrfkey, testXrfkey, 403},
	}
	for _, api := range []struct {
		name string
		url  string
	}{{"qps", srv.SessionURL("/")}, {"qrs", srv.AppListURL()}} {
		for _, tt := range tests {
			t.Run(api.name+"/"+tt.name, func(t *testing.T) {
				url := api.url
				if tt.query != "" {
					url += "?" + tt.query
				}
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				if tt.header != "" {
					req.Header.Set(XrfkeyHeader, tt.header)
				}
				code, body, err := do(c, req)
				if err != nil {
					t.Fatal(err)
				}
				if code != tt.wantCode {
					t.Fatalf("status %d, want %d: %s", code, tt.wantCode, body)
				}
				if code == 403 && !strings.Contains(string(body), "XSRF prevention check failed") {
					t.Errorf("403 body %q", body)
				}
			})
		}
	}
	// The healthcheck needs no Xrfkey (Butler SOS sends none).
	if code, _, err := get(c, srv.HealthcheckURL(), ""); err != nil || code != 200 {
		t.Errorf("healthcheck without Xrfkey: %d %v", code, err)
	}
}

func TestVirtualProxies(t *testing.T) {
	site := startTestSite(t, SiteOptions{Servers: 1, Seed: 1, VirtualProxies: []string{"/", "hdr/", "/sales"}})
	srv := site.Servers[0]
	if got := srv.VirtualProxies(); !slices.Equal(got, []string{"/", "/hdr", "/sales"}) {
		t.Errorf("VirtualProxies() = %v", got)
	}
	c := newClient(t, site.Certs.ClientTLSConfig())
	base := srv.ProxyURL()
	tests := []struct {
		path string
		code int
	}{
		{"/qps/session", 200},
		{"/qps/hdr/session", 200},
		{"/qps/sales/session", 200},
		{"/qps/nope/session", 404},
		{"/qps/HDR/session", 404}, // prefixes match exactly
		{"/qps/hdr/sales/session", 404},
		{"/qps/hdr", 404},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, body, err := get(c, base+tt.path, testXrfkey)
			if err != nil {
				t.Fatal(err)
			}
			if code != tt.code {
				t.Errorf("status %d, want %d: %s", code, tt.code, body)
			}
		})
	}
	// Unknown prefix without Xrfkey: 404 wins (routing before validation).
	if code, _, _ := get(c, base+"/qps/nope/session", ""); code != 404 {
		t.Errorf("unknown prefix without Xrfkey: %d, want 404", code)
	}
	// Without "/" configured, the default virtual proxy is unknown.
	onlyHdr := startTestSite(t, SiteOptions{Servers: 1, Seed: 1, VirtualProxies: []string{"/hdr"}})
	c2 := newClient(t, onlyHdr.Certs.ClientTLSConfig())
	if code, _, _ := get(c2, onlyHdr.Servers[0].SessionURL("/"), testXrfkey); code != 404 {
		t.Errorf("/qps/session without / configured: %d, want 404", code)
	}
}

func TestProxySessions(t *testing.T) {
	site := startTestSite(t, SiteOptions{Servers: 2, Seed: 9, VirtualProxies: []string{"/", "/hdr"}})
	c := newClient(t, site.Certs.ClientTLSConfig())
	guidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

	// The reference samples decode into ProxySession.
	for _, f := range []string{"default-vp", "hdr-vp"} {
		raw, err := os.ReadFile("../../testdata/http/qps-session-response-" + f + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var s []ProxySession
		if err := decodeStrict(raw, &s); err != nil {
			t.Errorf("sample %s: %v", f, err)
		}
	}

	seen := map[string]bool{}
	for _, srv := range site.Servers {
		for _, vp := range []string{"/", "/hdr"} {
			prevIDs := map[string]bool{}
			for i := range 100 {
				body := mustGet(t, c, srv.SessionURL(vp), testXrfkey)
				if !strings.HasPrefix(string(body), "[") {
					t.Fatalf("body is not an array: %s", body)
				}
				var sessions []ProxySession
				if err := decodeStrict(body, &sessions); err != nil {
					t.Fatal(err)
				}
				users, ids := map[string]int{}, map[string]bool{}
				for _, s := range sessions {
					if s.UserDirectory == "" || s.UserID == "" || !guidRE.MatchString(s.SessionID) || s.Attributes == nil {
						t.Fatalf("bad session %+v", s)
					}
					if ids[s.SessionID] {
						t.Fatalf("duplicate session id %s", s.SessionID)
					}
					ids[s.SessionID] = true
					users[s.UserDirectory+`\`+s.UserID]++
					if vp == "/hdr" {
						if len(s.Attributes) != 1 || s.Attributes[0]["Header"] == "" {
							t.Fatalf("/hdr session without Header attribute: %+v", s)
						}
					} else if len(s.Attributes) > 0 {
						seen["attributes on /"] = true
					}
				}
				for u, n := range users {
					if n > 1 {
						seen["same user twice on "+vp] = true
					}
					if strings.HasPrefix(u, `INTERNAL\sa_`) {
						seen[u] = true
					}
				}
				if len(sessions) == 0 {
					seen["empty list"] = true
				}
				if i > 0 {
					for id := range prevIDs {
						if !ids[id] {
							seen["session ended"] = true
						}
					}
					for id := range ids {
						if !prevIDs[id] {
							seen["session started"] = true
						}
					}
				}
				prevIDs = ids
			}
		}
	}
	for _, want := range []string{`INTERNAL\sa_repository`, `INTERNAL\sa_scheduler`, "same user twice on /",
		"same user twice on /hdr", "attributes on /", "session ended", "session started"} {
		if !seen[want] {
			t.Errorf("never saw: %s", want)
		}
	}
}

func TestQRSAppList(t *testing.T) {
	site := startTestSite(t, SiteOptions{Servers: 2, Seed: 1})
	c := newClient(t, site.Certs.ClientTLSConfig())
	body := mustGet(t, c, site.Servers[1].AppListURL(), testXrfkey)
	var apps []QRSApp
	if err := decodeStrict(body, &apps); err != nil {
		t.Fatal(err)
	}
	if len(apps) != len(appPool) {
		t.Fatalf("%d apps, want %d", len(apps), len(appPool))
	}
	if !strings.Contains(string(body), `"Finance P&L"`) {
		t.Error("app names are HTML-escaped")
	}
	if full := mustGet(t, c, site.Servers[1].RepositoryURL()+"/qrs/app/full", testXrfkey); !bytes.Equal(full, body) {
		t.Error("/qrs/app/full differs from /qrs/app")
	}
	if other := mustGet(t, c, site.Servers[0].AppListURL(), testXrfkey); !bytes.Equal(other, body) {
		t.Error("servers of one site serve different app lists")
	}

	// Every key of the reference excerpt is present, and the excerpt's
	// apps are served exactly as in the excerpt.
	sample, err := os.ReadFile("../../testdata/http/qrs-app-list-response-excerpt.json")
	if err != nil {
		t.Fatal(err)
	}
	got := jsonShape(t, body)
	for _, k := range jsonShape(t, sample) {
		if !slices.Contains(got, k) {
			t.Errorf("key %s of the excerpt missing", k)
		}
	}
	var sampleApps, gotApps []map[string]any
	if err := json.Unmarshal(sample, &sampleApps); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &gotApps); err != nil {
		t.Fatal(err)
	}
	for i, want := range sampleApps {
		for k, v := range want {
			if g, w := fmt.Sprint(gotApps[i][k]), fmt.Sprint(v); g != w {
				t.Errorf("app %d %s = %s, want %s", i, k, g, w)
			}
		}
	}
	ids := map[string]bool{}
	for _, a := range apps {
		if a.ID == "" || a.Name == "" || ids[a.ID] {
			t.Errorf("bad or duplicate app %+v", a)
		}
		ids[a.ID] = true
		if a.Published != (a.Stream != nil) {
			t.Errorf("app %s: published %v but stream %v", a.Name, a.Published, a.Stream)
		}
	}
	if !slices.EqualFunc(apps, site.Apps(), func(a, b QRSApp) bool { return a.ID == b.ID && a.Name == b.Name }) {
		t.Error("Site.Apps() differs from the served list")
	}
}

func TestFaults(t *testing.T) {
	cs, err := GenerateCerts(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, cs.ClientTLSConfig())

	type endpoint struct {
		api API
		url func(*Server) string
		xrf string
	}
	endpoints := []endpoint{
		{APIHealth, (*Server).HealthcheckURL, ""},
		{APIProxy, func(s *Server) string { return s.SessionURL("/") }, testXrfkey},
		{APIRepository, (*Server).AppListURL, testXrfkey},
	}
	healthy := func(t *testing.T, srv *Server, ep endpoint) {
		t.Helper()
		body := mustGet(t, c, ep.url(srv), ep.xrf)
		if !json.Valid(body) {
			t.Errorf("%s %s: invalid JSON while healthy", srv.Name(), ep.api)
		}
	}

	tests := []struct {
		name  string
		apis  API
		fault Fault
		check func(t *testing.T, srv *Server, ep endpoint) // on a faulty endpoint
	}{
		{"http 500", APIHealth, Fault{FailRate: 1}, func(t *testing.T, srv *Server, ep endpoint) {
			code, body, err := get(c, ep.url(srv), ep.xrf)
			if err != nil || code != http.StatusInternalServerError {
				t.Errorf("got %d %v, want 500", code, err)
			}
			if json.Valid(body) {
				t.Errorf("500 body is JSON: %s", body)
			}
		}},
		{"500 before xrfkey validation", APIProxy, Fault{FailRate: 1}, func(t *testing.T, srv *Server, ep endpoint) {
			if code, _, _ := get(c, ep.url(srv), ""); code != http.StatusInternalServerError {
				t.Errorf("got %d, want 500", code)
			}
		}},
		{"malformed", APIAll, Fault{Malformed: true}, func(t *testing.T, srv *Server, ep endpoint) {
			code, body, err := get(c, ep.url(srv), ep.xrf)
			if err != nil || code != 200 {
				t.Fatalf("got %d %v, want 200", code, err)
			}
			if len(body) == 0 || json.Valid(body) {
				t.Errorf("body is not malformed JSON: %q", body)
			}
			if ep.xrf != "" {
				if code, _, _ := get(c, ep.url(srv), ""); code != 403 {
					t.Errorf("malformed: Xrfkey check gave %d, want 403", code)
				}
			}
		}},
		{"small latency still answers", APIHealth | APIRepository, Fault{Latency: 20 * time.Millisecond}, func(t *testing.T, srv *Server, ep endpoint) {
			healthy(t, srv, ep)
		}},
		{"latency, client gives up", APIProxy, Fault{Latency: time.Hour}, func(t *testing.T, srv *Server, ep endpoint) {
			abandon(t, c, srv, ep.api, ep.url(srv), ep.xrf)
		}},
		{"hang", APIAll, Fault{Hang: true}, func(t *testing.T, srv *Server, ep endpoint) {
			abandon(t, c, srv, ep.api, ep.url(srv), ep.xrf)
		}},
		{"hang, then fault cleared by the server closing", APIHealth, Fault{Hang: true, Latency: time.Millisecond}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := startTestSite(t, SiteOptions{Servers: 2, Certs: cs, Seed: 1})
			faulty, other := site.Servers[1], site.Servers[0]
			faulty.SetFault(tt.apis, tt.fault)
			for _, ep := range endpoints {
				if got := faulty.Fault(ep.api); (tt.apis&ep.api != 0) != (got == tt.fault) {
					t.Errorf("Fault(%s) = %v", ep.api, got)
				}
			}
			if tt.check == nil {
				// A request hangs while the site closes: Close must
				// release it (and the test's cleanup must not hang).
				errc := make(chan error, 1)
				go func() { _, _, err := get(c, faulty.HealthcheckURL(), ""); errc <- err }()
				waitFor(t, "request reached the handler", func() bool { return faulty.Requests(APIHealth) == 1 })
				if err := site.Close(); err != nil {
					t.Fatal(err)
				}
				if err := <-errc; err == nil {
					t.Error("hung request got a response")
				}
				return
			}
			for _, ep := range endpoints {
				if tt.apis&ep.api != 0 {
					before := faulty.Requests(ep.api)
					tt.check(t, faulty, ep)
					if faulty.Requests(ep.api) == before {
						t.Errorf("%s: faulty request not counted", ep.api)
					}
				} else {
					healthy(t, faulty, ep)
				}
				healthy(t, other, ep)
			}
			faulty.ClearFaults()
			for _, ep := range endpoints {
				healthy(t, faulty, ep)
			}
		})
	}
}

// abandon sends a request, waits until the server's handler has it, checks
// that no response arrived, and cancels the request (the client gives up).
func abandon(t *testing.T, c *http.Client, srv *Server, api API, url, xrf string) {
	t.Helper()
	before := srv.Requests(api)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"?Xrfkey="+xrf, nil)
	req.Header.Set(XrfkeyHeader, xrf)
	errc := make(chan error, 1)
	go func() {
		code, body, err := do(c, req)
		if err == nil {
			err = fmt.Errorf("got a response: %d %q", code, body)
		}
		errc <- err
	}()
	waitFor(t, "request reached the handler", func() bool { return srv.Requests(api) > before })
	select {
	case err := <-errc:
		t.Fatalf("finished although delayed or hung: %v", err)
	default:
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want the client's cancellation", err)
	}
}

func TestFailRate(t *testing.T) {
	cs, err := GenerateCerts(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, cs.ClientTLSConfig())
	codes := func(site *Site) []int {
		srv := site.Servers[0]
		srv.SetFault(APIHealth, Fault{FailRate: 0.5})
		var out []int
		for range 100 {
			code, _, err := get(c, srv.HealthcheckURL(), "")
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, code)
		}
		return out
	}
	a := codes(startTestSite(t, SiteOptions{Servers: 1, Certs: cs, Seed: 11}))
	b := codes(startTestSite(t, SiteOptions{Servers: 1, Certs: cs, Seed: 11}))
	if !slices.Equal(a, b) {
		t.Error("fail-rate sequence differs for the same seed")
	}
	n500 := 0
	for _, c := range a {
		if c == 500 {
			n500++
		} else if c != 200 {
			t.Fatalf("status %d", c)
		}
	}
	if n500 < 20 || n500 > 80 {
		t.Errorf("%d/100 failed at fail rate 0.5", n500)
	}
}

func TestWrongCertFault(t *testing.T) {
	site := startTestSite(t, SiteOptions{Servers: 2, Seed: 1})
	faulty := site.Servers[1]
	right := newClient(t, site.Certs.ClientTLSConfig())
	trustsWrong := site.Certs.ClientTLSConfig()
	trustsWrong.RootCAs = site.Certs.WrongCAPool
	wrongTrusting := newClient(t, trustsWrong)

	// Open a keep-alive connection first: switching the fault must
	// affect the next request of the same client too.
	mustGet(t, right, faulty.HealthcheckURL(), "")
	faulty.SetWrongCert(true)
	if !faulty.WrongCert() {
		t.Fatal("WrongCert() = false")
	}
	for _, url := range []string{faulty.HealthcheckURL(), faulty.SessionURL("/"), faulty.AppListURL()} {
		_, _, err := get(right, url, testXrfkey)
		if err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
			t.Errorf("%s: got %v, want unknown authority", url, err)
		}
	}
	// The served certificate is the wrong CA's (and the server still
	// requires the right client certificate).
	mustGet(t, wrongTrusting, faulty.HealthcheckURL(), "")
	mustGet(t, right, site.Servers[0].HealthcheckURL(), "")

	faulty.SetWrongCert(false)
	mustGet(t, right, faulty.HealthcheckURL(), "")
	faulty.SetWrongCert(true)
	faulty.ClearFaults()
	if faulty.WrongCert() {
		t.Error("ClearFaults left the wrong certificate on")
	}
	mustGet(t, right, faulty.HealthcheckURL(), "")
}

func TestRequestCounts(t *testing.T) {
	site := startTestSite(t, SiteOptions{Servers: 2, Seed: 1, VirtualProxies: []string{"/", "/hdr"}})
	srv := site.Servers[0]
	c := newClient(t, site.Certs.ClientTLSConfig())
	for range 3 {
		mustGet(t, c, srv.HealthcheckURL(), "")
	}
	mustGet(t, c, srv.SessionURL("/"), testXrfkey)
	mustGet(t, c, srv.SessionURL("/hdr"), testXrfkey)
	get(c, srv.SessionURL("/"), "")                        // 403
	get(c, srv.ProxyURL()+"/qps/nope/session", testXrfkey) // 404
	get(c, srv.AppListURL(), "")                           // 403
	get(c, srv.BaseURL()+"/not/an/api", "")                // not counted
	req, _ := http.NewRequest(http.MethodPost, srv.HealthcheckURL(), nil)
	if code, _, _ := do(c, req); code != http.StatusMethodNotAllowed {
		t.Errorf("POST healthcheck: %d, want 405", code)
	}

	want := map[API]uint64{APIHealth: 3, APIProxy: 4, APIRepository: 1, APIAll: 8, APIProxy | APIRepository: 5}
	for api, n := range want {
		if got := srv.Requests(api); got != n {
			t.Errorf("Requests(%s) = %d, want %d", api, got, n)
		}
	}
	if got := site.Servers[1].Requests(APIAll); got != 0 {
		t.Errorf("other server counted %d requests", got)
	}

	ri, ok := srv.LastRequest(APIProxy)
	if !ok || ri.Path != "/qps/nope/session" || ri.RawQuery != "Xrfkey="+testXrfkey ||
		ri.Header.Get(XrfkeyHeader) != testXrfkey || ri.ClientCN != "QlikClient" || ri.API != APIProxy || ri.Method != "GET" {
		t.Errorf("LastRequest(proxy) = %+v, %v", ri, ok)
	}
	if _, ok := site.Servers[1].LastRequest(APIHealth); ok {
		t.Error("LastRequest on an unused server")
	}
}

func TestParseAPIs(t *testing.T) {
	tests := []struct {
		in      string
		want    API
		wantStr string
		err     bool
	}{
		{"all", APIAll, "all", false},
		{"health", APIHealth, "health", false},
		{"engine,qps", APIHealth | APIProxy, "health|proxy", false},
		{" QRS , proxy", APIProxy | APIRepository, "proxy|repository", false},
		{"bogus", 0, "", true},
		{"", 0, "", true},
	}
	for _, tt := range tests {
		got, err := ParseAPIs(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseAPIs(%q) = %v, %v", tt.in, got, err)
			continue
		}
		if !tt.err && got.String() != tt.wantStr {
			t.Errorf("String() = %q, want %q", got.String(), tt.wantStr)
		}
	}
	if s := (Fault{Latency: time.Second, FailRate: 0.5, Malformed: true, Hang: true}).String(); s != "latency=1s hang fail-rate=0.5 malformed" {
		t.Errorf("Fault.String() = %q", s)
	}
	names := slices.Sorted(maps.Values(apiNames))
	sort.Strings(names)
	if !slices.Equal(names, []string{"health", "proxy", "repository"}) {
		t.Errorf("api names %v", names)
	}
}
