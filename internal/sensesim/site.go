package sensesim

// The HTTPS side of the simulator. A Site is N simulated Qlik Sense servers,
// each an HTTPS listener that requires a client certificate signed by the
// site's root CA (mutual TLS, as a QMC certificate export is used) and
// serves, on one port:
//
//	GET /engine/healthcheck           engine health (EngineHealth JSON)
//	GET /qps/session?Xrfkey=K         sessions of the default virtual proxy "/"
//	GET /qps/<prefix>/session?Xrfkey=K sessions of virtual proxy "/<prefix>"
//	GET /qrs/app?Xrfkey=K             QRS app list (QRSApp JSON); also /qrs/app/full
//
// QPS and QRS calls need the X-Qlik-Xrfkey header equal to the Xrfkey query
// parameter (16 letters/digits), else 403; an unconfigured virtual proxy
// prefix gives 404. Faults (Fault, Server.SetWrongCert) are switchable per
// server and API at runtime.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// SiteOptions configures StartSite. The zero value is usable: two servers on
// 127.0.0.1 with ephemeral ports, certificates in a temporary directory,
// only the default virtual proxy "/", seed 0.
type SiteOptions struct {
	// Servers is the number of servers; 0 means len(Names), or 2 if Names
	// is empty too.
	Servers int
	// Names are the server names; empty means DefaultServerNames(Servers).
	// If both are set, len(Names) must equal Servers.
	Names []string

	// Certs is a certificate set to use (e.g. shared between sites to save
	// generation time); its server certificate must cover the Listen
	// address. Nil means generate one into Dir.
	Certs *CertSet
	// Dir is where certificates are generated when Certs is nil. Empty
	// means a temporary directory, removed by Close.
	Dir string
	// CertOptions configures certificate generation. Server names, their
	// ".corp.example" FQDNs and the Listen address are always added to
	// CertOptions.Hosts.
	CertOptions CertOptions

	// Listen is the IP address to listen on; empty means 127.0.0.1. On an
	// unspecified address (0.0.0.0, ::) the URLs use the loopback address.
	Listen string
	// BasePort, if non-zero, makes server i listen on BasePort+i; 0 means
	// an ephemeral port per server.
	BasePort int

	// VirtualProxies are the QPS virtual proxy prefixes served by every
	// server, e.g. ["/", "/hdr"]; empty means ["/"]. Prefixes whose name
	// contains "hdr" or "header" behave as header-authenticated virtual
	// proxies (mostly external users, Attributes [{"Header": ...}]).
	VirtualProxies []string

	// Seed seeds every model (math/rand/v2 PCG). Same seed, same options
	// and the same sequence of requests per endpoint give the same bodies
	// (see Server for what advances the models).
	Seed uint64
	// Start is the simulated time the site starts at; engines report
	// "started" 6 to 96 hours before it. Zero means 2024-03-12 10:00:00 in
	// Location (deterministic); the CLI uses the current time.
	Start time.Time
	// Location is the site's time zone, which gives the UTC offset of
	// "started" (including negative offsets such as -0500, see
	// ParseTZOffset). Nil means a fixed +0100.
	Location *time.Location

	// UnlistedApps makes engines now and then hold an app in memory that
	// the QRS app list does not contain (id f42d6b16-..., as in the
	// reference sample), to exercise the "keep the id" fallback of app-name
	// lookup. Off by default: every non-session doc id resolves to a name.
	UnlistedApps bool

	// Log, if non-nil, receives one line per request and net/http's error
	// lines (e.g. TLS handshake errors).
	Log *log.Logger
}

// Site is a running simulated Qlik Sense site. Fields are read-only.
type Site struct {
	// Servers are the simulated servers, in order (server i listens on
	// BasePort+i when BasePort is set).
	Servers []*Server
	// Certs is the site's certificate set (shared by all servers).
	Certs *CertSet

	vps       []string // display form
	seed      uint64
	apps      []QRSApp
	tempDir   string
	stopCtx   func() bool
	closeOnce sync.Once
	closeErr  error
}

// DefaultServerNames returns n server names: qs-central-01, then
// qs-rim-01, qs-rim-02, ...
func DefaultServerNames(n int) []string {
	names := make([]string, 0, n)
	for i := range n {
		if i == 0 {
			names = append(names, "qs-central-01")
		} else {
			names = append(names, fmt.Sprintf("qs-rim-%02d", i))
		}
	}
	return names
}

// StartSite generates (or reuses) certificates and starts every server's
// HTTPS listener. On error nothing is left running. The site stops when
// Close is called or when ctx is cancelled, whichever comes first (so
// passing t.Context() in a test closes it automatically); ctx is not
// otherwise used by requests.
func StartSite(ctx context.Context, opts SiteOptions) (*Site, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	names := opts.Names
	switch {
	case len(names) == 0 && opts.Servers < 0:
		return nil, errors.New("sensesim: negative number of servers")
	case len(names) == 0:
		n := opts.Servers
		if n == 0 {
			n = 2
		}
		names = DefaultServerNames(n)
	case opts.Servers != 0 && opts.Servers != len(names):
		return nil, fmt.Errorf("sensesim: %d servers but %d names", opts.Servers, len(names))
	}
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, " \t\r\n/\\:") {
			return nil, fmt.Errorf("sensesim: invalid server name %q", n)
		}
		if seen[strings.ToLower(n)] {
			return nil, fmt.Errorf("sensesim: duplicate server name %q", n)
		}
		seen[strings.ToLower(n)] = true
	}
	if opts.BasePort < 0 || opts.BasePort+len(names)-1 > 65535 {
		return nil, fmt.Errorf("sensesim: base port %d out of range for %d servers", opts.BasePort, len(names))
	}
	listen := opts.Listen
	if listen == "" {
		listen = "127.0.0.1"
	}
	listenIP := net.ParseIP(listen)
	if listenIP == nil {
		return nil, fmt.Errorf("sensesim: listen address %q is not an IP address", listen)
	}

	vpInput := opts.VirtualProxies
	if len(vpInput) == 0 {
		vpInput = []string{"/"}
	}
	var vps []string
	seenVP := map[string]bool{}
	for _, p := range vpInput {
		seg, err := normalizeVirtualProxy(p)
		if err != nil {
			return nil, err
		}
		if seenVP[seg] {
			return nil, fmt.Errorf("sensesim: duplicate virtual proxy %q", p)
		}
		seenVP[seg] = true
		vps = append(vps, seg)
	}

	loc := opts.Location
	if loc == nil {
		loc = time.FixedZone(FormatTZOffset(int(DefaultTZOffset/time.Second)), int(DefaultTZOffset/time.Second))
	}
	start := opts.Start
	if start.IsZero() {
		d := DefaultStart
		start = time.Date(d.Year(), d.Month(), d.Day(), d.Hour(), d.Minute(), d.Second(), 0, loc)
	} else {
		start = start.In(loc)
	}

	site := &Site{seed: opts.Seed, apps: qrsApps()}
	for _, seg := range vps {
		site.vps = append(site.vps, displayVirtualProxy(seg))
	}
	certs := opts.Certs
	if certs == nil {
		dir := opts.Dir
		if dir == "" {
			tmp, err := os.MkdirTemp("", "sensesim-certs-")
			if err != nil {
				return nil, fmt.Errorf("sensesim: %w", err)
			}
			dir, site.tempDir = tmp, tmp
		}
		co := opts.CertOptions
		co.Hosts = append([]string(nil), co.Hosts...)
		for _, n := range names {
			co.Hosts = append(co.Hosts, n, n+"."+siteDomain)
		}
		if !listenIP.IsUnspecified() {
			co.Hosts = append(co.Hosts, listenIP.String())
		}
		var err error
		if certs, err = GenerateCertsWithOptions(dir, co); err != nil {
			site.removeTemp()
			return nil, err
		}
	}
	site.Certs = certs

	appBody := marshalJSON(site.apps)
	for i, name := range names {
		port := 0
		if opts.BasePort != 0 {
			port = opts.BasePort + i
		}
		srv, err := startServer(serverConfig{
			name:     name,
			index:    i,
			listenIP: listenIP,
			port:     port,
			seed:     opts.Seed,
			start:    start,
			central:  i == 0,
			vps:      vps,
			unlisted: opts.UnlistedApps,
			certs:    certs,
			logger:   opts.Log,
			appBody:  appBody,
		})
		if err != nil {
			_ = site.Close()
			return nil, err
		}
		site.Servers = append(site.Servers, srv)
	}
	site.stopCtx = context.AfterFunc(ctx, func() { _ = site.Close() })
	return site, nil
}

// Server returns the server with the given name (case-insensitive), or nil.
func (s *Site) Server(name string) *Server {
	for _, srv := range s.Servers {
		if strings.EqualFold(srv.name, name) {
			return srv
		}
	}
	return nil
}

// VirtualProxies returns the configured virtual proxy prefixes, e.g.
// ["/", "/hdr"].
func (s *Site) VirtualProxies() []string { return append([]string(nil), s.vps...) }

// Apps returns the QRS app list every server serves (a copy). Engine doc ids
// other than "SessionApp_..." (and, with UnlistedApps, the unlisted app) are
// ids of these apps.
func (s *Site) Apps() []QRSApp { return append([]QRSApp(nil), s.apps...) }

// SetFault sets the fault of the given APIs on every server (see
// Server.SetFault).
func (s *Site) SetFault(apis API, f Fault) {
	for _, srv := range s.Servers {
		srv.SetFault(apis, f)
	}
}

// Close stops every server (see Server.Close) and removes the temporary
// certificate directory, if StartSite created one. Idempotent; also called
// when StartSite's ctx is cancelled.
func (s *Site) Close() error {
	s.closeOnce.Do(func() {
		if s.stopCtx != nil {
			s.stopCtx()
		}
		errs := make([]error, len(s.Servers))
		var wg sync.WaitGroup
		for i, srv := range s.Servers {
			wg.Go(func() { errs[i] = srv.Close() })
		}
		wg.Wait()
		s.closeErr = errors.Join(errs...)
		s.removeTemp()
	})
	return s.closeErr
}

func (s *Site) removeTemp() {
	if s.tempDir != "" {
		_ = os.RemoveAll(s.tempDir)
	}
}

// SiteInfo is a machine-readable description of a running site, e.g. for a
// script that templates a collector configuration (Site.Info, WriteFile;
// the CLI writes it as -site-file).
type SiteInfo struct {
	Servers []ServerInfo `json:"servers"`
	// VirtualProxies are the prefixes every server serves, e.g. ["/", "/hdr"].
	VirtualProxies []string  `json:"virtual_proxies"`
	Certs          CertFiles `json:"certs"`
	Seed           uint64    `json:"seed"`
}

// ServerInfo describes one server of a SiteInfo.
type ServerInfo struct {
	Name string `json:"name"`
	// Addr is host:port, e.g. "127.0.0.1:14747" (the same for every API).
	Addr string `json:"addr"`
	Port int    `json:"port"`
	// Base URLs per API (all equal in the simulator; see Server.HealthURL).
	HealthURL     string `json:"health_url"`
	ProxyURL      string `json:"proxy_url"`
	RepositoryURL string `json:"repository_url"`
	// Full endpoint URLs (without the Xrfkey parameter).
	HealthcheckURL string `json:"healthcheck_url"`
	// SessionURLs maps each virtual proxy prefix ("/", "/hdr") to its
	// session-list URL.
	SessionURLs map[string]string `json:"session_urls"`
	AppListURL  string            `json:"app_list_url"`
}

// Info describes the site.
func (s *Site) Info() SiteInfo {
	info := SiteInfo{VirtualProxies: s.VirtualProxies(), Seed: s.seed, Servers: []ServerInfo{}}
	if s.Certs != nil {
		info.Certs = s.Certs.CertFiles
	}
	for _, srv := range s.Servers {
		si := ServerInfo{
			Name:           srv.Name(),
			Addr:           srv.Addr(),
			Port:           srv.Port(),
			HealthURL:      srv.HealthURL(),
			ProxyURL:       srv.ProxyURL(),
			RepositoryURL:  srv.RepositoryURL(),
			HealthcheckURL: srv.HealthcheckURL(),
			SessionURLs:    map[string]string{},
			AppListURL:     srv.AppListURL(),
		}
		for _, vp := range s.vps {
			si.SessionURLs[vp] = srv.SessionURL(vp)
		}
		info.Servers = append(info.Servers, si)
	}
	return info
}

// JSON returns the indented JSON encoding of i, with a trailing newline.
func (i SiteInfo) JSON() []byte {
	b, err := json.MarshalIndent(i, "", "  ")
	if err != nil {
		panic(err) // plain strings and numbers only
	}
	return append(b, '\n')
}

// WriteFile writes i as indented JSON to path atomically (temporary file
// and rename, so a script polling for the file never reads half of it),
// creating the parent directory if needed.
func (i SiteInfo) WriteFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(path, i.JSON(), 0o644)
}
