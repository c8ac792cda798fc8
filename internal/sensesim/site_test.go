package sensesim

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStartSite(t *testing.T) {
	dir := t.TempDir()
	site := startTestSite(t, SiteOptions{Servers: 3, Dir: dir, VirtualProxies: []string{"/", "/hdr"}, Seed: 1})
	if len(site.Servers) != 3 {
		t.Fatalf("%d servers", len(site.Servers))
	}
	wantNames := []string{"qs-central-01", "qs-rim-01", "qs-rim-02"}
	c := newClient(t, site.Certs.ClientTLSConfig())
	ports := map[int]bool{}
	for i, srv := range site.Servers {
		if srv.Name() != wantNames[i] || srv.Index() != i || site.Server(strings.ToUpper(wantNames[i])) != srv {
			t.Errorf("server %d: name %q index %d", i, srv.Name(), srv.Index())
		}
		want := "https://127.0.0.1:" + strconv.Itoa(srv.Port())
		for _, u := range []string{srv.BaseURL(), srv.HealthURL(), srv.ProxyURL(), srv.RepositoryURL()} {
			if u != want {
				t.Errorf("URL %q, want %q", u, want)
			}
		}
		if srv.Addr() != "127.0.0.1:"+strconv.Itoa(srv.Port()) || srv.Port() == 0 || ports[srv.Port()] {
			t.Errorf("addr %q port %d", srv.Addr(), srv.Port())
		}
		ports[srv.Port()] = true
		if srv.SessionURL("/hdr") != want+"/qps/hdr/session" || srv.SessionURL("/") != want+"/qps/session" ||
			srv.HealthcheckURL() != want+"/engine/healthcheck" || srv.AppListURL() != want+"/qrs/app" {
			t.Errorf("endpoint URLs of %s", srv.Name())
		}
		getHealth(t, c, srv)
		mustGet(t, c, srv.SessionURL("/hdr"), testXrfkey)
		mustGet(t, c, srv.AppListURL(), testXrfkey)
	}
	if site.Server("nope") != nil {
		t.Error("Server(nope) != nil")
	}
	if site.Certs.CAFile != filepath.Join(dir, "root.pem") || site.Certs.ClientCertFile != filepath.Join(dir, "client.pem") ||
		site.Certs.ClientKeyFile != filepath.Join(dir, "client_key.pem") {
		t.Errorf("cert paths %+v", site.Certs.CertFiles)
	}
	// The server certificate covers the server names.
	for _, n := range append(wantNames, "qs-rim-02.corp.example") {
		if err := site.Certs.ServerCert.Leaf.VerifyHostname(n); err != nil {
			t.Error(err)
		}
	}

	info := site.Info()
	if len(info.Servers) != 3 || info.Servers[2].Name != "qs-rim-02" || info.Servers[1].HealthURL != site.Servers[1].HealthURL() ||
		info.Servers[0].SessionURLs["/hdr"] != site.Servers[0].SessionURL("/hdr") || info.Certs.CAFile != site.Certs.CAFile ||
		!slices.Equal(info.VirtualProxies, []string{"/", "/hdr"}) || info.Seed != 1 {
		t.Errorf("Info() = %+v", info)
	}
	path := filepath.Join(t.TempDir(), "sub", "site.json")
	if err := info.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var back SiteInfo
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, info) {
		t.Errorf("site file round trip:\n got %+v\nwant %+v", back, info)
	}
	for _, key := range []string{`"health_url"`, `"session_urls"`, `"ca_file"`, `"client_key_encrypted_file"`, `"key_passphrase"`} {
		if !strings.Contains(string(raw), key) {
			t.Errorf("site file lacks %s", key)
		}
	}
}

func TestStartSiteDefaults(t *testing.T) {
	site, err := StartSite(context.Background(), SiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := site.Certs.Dir
	if len(site.Servers) != 2 || !slices.Equal(site.VirtualProxies(), []string{"/"}) {
		t.Errorf("defaults: %d servers, virtual proxies %v", len(site.Servers), site.VirtualProxies())
	}
	if _, err := os.Stat(site.Certs.CAFile); err != nil {
		t.Error(err)
	}
	if err := site.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("temporary cert dir %s not removed: %v", dir, err)
	}
}

func TestStartSiteNames(t *testing.T) {
	site := startTestSite(t, SiteOptions{Names: []string{"sense1", "sense2"}, Seed: 1})
	if site.Servers[0].Name() != "sense1" || site.Servers[1].Name() != "sense2" {
		t.Errorf("names %s %s", site.Servers[0].Name(), site.Servers[1].Name())
	}
	if err := site.Certs.ServerCert.Leaf.VerifyHostname("sense2.corp.example"); err != nil {
		t.Error(err)
	}
	if got := DefaultServerNames(4); !slices.Equal(got, []string{"qs-central-01", "qs-rim-01", "qs-rim-02", "qs-rim-03"}) {
		t.Errorf("DefaultServerNames(4) = %v", got)
	}
}

func TestStartSiteErrors(t *testing.T) {
	busy, busyPort := busyPortAfterFreeOne(t)
	defer busy.Close()
	cs, err := GenerateCerts(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts SiteOptions
		want string
	}{
		{"names and count disagree", SiteOptions{Servers: 3, Names: []string{"a", "b"}}, "3 servers but 2 names"},
		{"duplicate names", SiteOptions{Names: []string{"a", "A"}}, "duplicate server name"},
		{"bad name", SiteOptions{Names: []string{"a b"}}, "invalid server name"},
		{"negative count", SiteOptions{Servers: -1}, "negative"},
		{"bad listen", SiteOptions{Listen: "localhost"}, "not an IP address"},
		{"bad port", SiteOptions{BasePort: 65535, Servers: 2}, "out of range"},
		{"bad virtual proxy", SiteOptions{VirtualProxies: []string{"/a/b"}}, "invalid virtual proxy"},
		{"duplicate virtual proxy", SiteOptions{VirtualProxies: []string{"/", ""}}, "duplicate virtual proxy"},
		// Server 0 starts, server 1 cannot bind: server 0 must be closed.
		{"port in use", SiteOptions{BasePort: busyPort - 1, Servers: 2}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Certs = cs
			site, err := StartSite(context.Background(), tt.opts)
			if err == nil {
				site.Close()
				t.Fatal("no error")
			}
			if tt.want == "" {
				// Each platform words it differently; Windows' number is
				// WSAEADDRINUSE, not Go's syscall.EADDRINUSE.
				if !errors.Is(err, syscall.EADDRINUSE) && !errors.Is(err, syscall.Errno(10048)) {
					t.Errorf("error %q is not EADDRINUSE", err)
				}
			} else if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
	// The server that did start in "port in use" was closed again. (Another
	// test's connection may hold the port as its ephemeral one for a moment:
	// a server left open would hold it for good.)
	var ln net.Listener
	for try := 0; ; try++ {
		if ln, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(busyPort-1)); err == nil || try == 20 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Errorf("port of the server started before the failure is still taken: %v", err)
	} else {
		ln.Close()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := StartSite(ctx, SiteOptions{Certs: cs}); err == nil {
		t.Error("cancelled context: no error")
	}
}

// freeBasePort returns a port p such that p and p+1..p+n-1 were free a
// moment ago.
func freeBasePort(t *testing.T, n int) int {
	t.Helper()
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		ok := base+n-1 <= 65535
		for i := 1; i < n && ok; i++ {
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(base+i))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}

func TestSiteBasePort(t *testing.T) {
	cs, err := GenerateCerts(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var site *Site
	for attempt := 0; ; attempt++ {
		base := freeBasePort(t, 3)
		site, err = StartSite(context.Background(), SiteOptions{Servers: 3, BasePort: base, Certs: cs})
		if err == nil {
			defer site.Close()
			for i, srv := range site.Servers {
				if srv.Port() != base+i || srv.HealthURL() != "https://127.0.0.1:"+strconv.Itoa(base+i) {
					t.Errorf("server %d at %s, want port %d", i, srv.Addr(), base+i)
				}
			}
			break
		}
		if attempt == 5 { // someone else grabbed a port in between
			t.Fatal(err)
		}
	}
	c := newClient(t, cs.ClientTLSConfig())
	getHealth(t, c, site.Servers[2])
}

func TestSiteListenUnspecified(t *testing.T) {
	site := startTestSite(t, SiteOptions{Servers: 1, Listen: "0.0.0.0", Seed: 1})
	srv := site.Servers[0]
	if !strings.HasPrefix(srv.Addr(), "127.0.0.1:") {
		t.Errorf("addr %s, want loopback", srv.Addr())
	}
	getHealth(t, newClient(t, site.Certs.ClientTLSConfig()), srv)
}

// serverGoroutines returns the stacks of goroutines that belong to a
// simulated server or to an HTTP connection (server or client side),
// excluding test goroutines.
func serverGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "testing.tRunner") {
			continue
		}
		for _, marker := range []string{"internal/sensesim.", "net/http.(*conn).serve", "net/http.(*Server).Serve", "net/http.(*persistConn)"} {
			if strings.Contains(g, marker) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

func TestSiteCloseReleasesEverything(t *testing.T) {
	// Connections of earlier tests wind down asynchronously; if they never
	// do, another test leaked (reported here rather than blaming Close).
	for i := 0; len(serverGoroutines()) > 0; i++ {
		if i == 1000 {
			t.Fatalf("goroutines left by earlier tests:\n%s", strings.Join(serverGoroutines(), "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cs, err := GenerateCerts(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	site, err := StartSite(context.Background(), SiteOptions{Servers: 3, Certs: cs, VirtualProxies: []string{"/", "/hdr"}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{TLSClientConfig: cs.ClientTLSConfig()}
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var addrs []string
	for _, srv := range site.Servers {
		addrs = append(addrs, srv.Addr())
		getHealth(t, c, srv)
		mustGet(t, c, srv.SessionURL("/hdr"), testXrfkey)
	}
	// Leave work in flight: a hung request, a long-delayed one, an open
	// keep-alive connection and a failed handshake.
	site.Servers[1].SetFault(APIHealth, Fault{Hang: true})
	site.Servers[2].SetFault(APIRepository, Fault{Latency: time.Hour})
	errc := make(chan error, 2)
	go func() { _, _, err := get(c, site.Servers[1].HealthcheckURL(), ""); errc <- err }()
	go func() { _, _, err := get(c, site.Servers[2].AppListURL(), testXrfkey); errc <- err }()
	waitFor(t, "requests in flight", func() bool {
		return site.Servers[1].Requests(APIHealth) == 2 && site.Servers[2].Requests(APIRepository) == 1
	})
	noCert := cs.ClientTLSConfig()
	noCert.Certificates = nil
	get(newClient(t, noCert), site.Servers[0].HealthcheckURL(), "")

	if err := site.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-errc; err == nil {
			t.Error("an in-flight request got a response although the site closed")
		}
	}
	if err := site.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, _, err := get(c, site.Servers[0].HealthcheckURL(), ""); err == nil {
		t.Error("request after Close succeeded")
	}
	tr.CloseIdleConnections()
	for _, a := range addrs {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			t.Errorf("port not released: %v", err)
			continue
		}
		ln.Close()
	}
	for i := 0; len(serverGoroutines()) > 0; i++ {
		if i == 1000 {
			t.Fatalf("goroutines left after Close:\n%s", strings.Join(serverGoroutines(), "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSiteClosesWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	site, err := StartSite(ctx, SiteOptions{Servers: 1, Dir: t.TempDir(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	addr := site.Servers[0].Addr()
	cancel()
	waitFor(t, "listener closed after cancel", func() bool {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			return true
		}
		conn.Close()
		return false
	})
	if err := site.Close(); err != nil {
		t.Errorf("Close after cancel: %v", err)
	}
}

// busyPortAfterFreeOne listens on a port whose predecessor is free, so a
// site of two servers starting there gets its first server up and fails on
// the second.
func busyPortAfterFreeOne(t *testing.T) (net.Listener, int) {
	t.Helper()
	for range 50 {
		busy, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := busy.Addr().(*net.TCPAddr).Port
		if free, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port-1)); err == nil {
			free.Close()
			return busy, port
		}
		busy.Close()
	}
	t.Fatal("no free port before a busy one")
	return nil, 0
}
