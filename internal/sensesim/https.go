package sensesim

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// API identifies one of the Qlik Sense APIs a simulated server serves. The
// values are bits, so one fault switch can target several APIs at once.
type API uint8

const (
	// APIHealth is the engine healthcheck, GET /engine/healthcheck (real
	// Sense: port 4747).
	APIHealth API = 1 << iota
	// APIProxy is the QPS session API, GET /qps[/<prefix>]/session (real
	// Sense: port 4243).
	APIProxy
	// APIRepository is the QRS app list, GET /qrs/app (real Sense: port
	// 4242).
	APIRepository
	// APIAll is every API.
	APIAll = APIHealth | APIProxy | APIRepository
)

var apiList = [...]API{APIHealth, APIProxy, APIRepository}

var apiNames = map[API]string{APIHealth: "health", APIProxy: "proxy", APIRepository: "repository"}

// apiIndex returns the index of a single-bit API in apiList, or -1.
func apiIndex(a API) int {
	for i, x := range apiList {
		if x == a {
			return i
		}
	}
	return -1
}

// String returns "health", "proxy", "repository", "all", or a "|"-joined
// combination such as "health|proxy".
func (a API) String() string {
	if a == APIAll {
		return "all"
	}
	var parts []string
	for _, x := range apiList {
		if a&x != 0 {
			parts = append(parts, apiNames[x])
		}
	}
	if rest := a &^ APIAll; rest != 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("API(%d)", uint8(rest)))
	}
	return strings.Join(parts, "|")
}

// ParseAPIs parses a comma-separated list of health (alias engine), proxy
// (qps) and repository (qrs, repo), or "all".
func ParseAPIs(s string) (API, error) {
	var a API
	for _, f := range strings.Split(s, ",") {
		switch strings.ToLower(strings.TrimSpace(f)) {
		case "all", "*":
			a |= APIAll
		case "health", "engine", "healthcheck":
			a |= APIHealth
		case "proxy", "qps", "session", "sessions":
			a |= APIProxy
		case "repository", "repo", "qrs", "apps":
			a |= APIRepository
		default:
			return 0, fmt.Errorf("unknown API %q (want health, proxy, repository or all)", f)
		}
	}
	return a, nil
}

// Fault is a fault injected into the responses of one API of one server.
// The zero value is "no fault". Effects are applied in this order:
//
//  1. Latency: the response is delayed by Latency (before anything is
//     written). If the client gives up first, the connection is dropped
//     without a response.
//  2. Hang: the request is never answered; the handler blocks until the
//     client gives up (cancels or times out) or the server closes, and then
//     the connection is dropped without a response.
//  3. FailRate: with this probability (0..1; 1 = always) the request is
//     answered "500 Internal Server Error" (plain-text body), before any
//     request validation. The draws come from the server's own PCG stream
//     (seeded from the site seed), so the sequence of 500s is deterministic
//     too.
//  4. Malformed: a response that would have been 200 carries a truncated,
//     invalid JSON body (the first half of the real body, as if the
//     connection dropped mid-body; Content-Length matches the truncated
//     body). Error responses (403, 404) are not affected.
//
// A wrong server certificate is a per-server (per-listener) fault: see
// Server.SetWrongCert.
type Fault struct {
	Latency   time.Duration
	Hang      bool
	FailRate  float64
	Malformed bool
}

// IsZero reports whether f injects nothing.
func (f Fault) IsZero() bool { return f == Fault{} }

// String describes f, e.g. "latency=2s fail-rate=0.5" or "none".
func (f Fault) String() string {
	var parts []string
	if f.Latency > 0 {
		parts = append(parts, "latency="+f.Latency.String())
	}
	if f.Hang {
		parts = append(parts, "hang")
	}
	if f.FailRate > 0 {
		parts = append(parts, "fail-rate="+strconv.FormatFloat(f.FailRate, 'g', -1, 64))
	}
	if f.Malformed {
		parts = append(parts, "malformed")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// RequestInfo describes a request a server received (see
// Server.LastRequest).
type RequestInfo struct {
	API      API
	Method   string
	Path     string      // URL path, e.g. /qps/hdr/session
	RawQuery string      // e.g. Xrfkey=abcdefghij987654
	Header   http.Header // a copy of the request headers
	// ClientCN is the subject CN of the verified client certificate
	// ("QlikClient").
	ClientCN string
}

// XrfkeyHeader is the request header that must repeat the Xrfkey query
// parameter on QPS and QRS calls.
const XrfkeyHeader = "X-Qlik-Xrfkey"

// xrfFailedBody is what Qlik Sense answers with 403 on an Xrfkey mismatch.
const xrfFailedBody = "XSRF prevention check failed. Possible XSRF discovered."

// Server is one simulated Qlik Sense server: one HTTPS listener (mutual TLS
// required) serving the engine healthcheck, the QPS session API and the QRS
// app list. Servers are created by StartSite. All methods are safe for
// concurrent use.
//
// Model state advances per request, not with wall time: every successful
// (200, well-formed) healthcheck response advances that server's engine
// model by one step (one poll interval), every successful session-list
// response advances that virtual proxy's session model by one step. Each
// server, and each virtual proxy of a server, has its own PCG stream derived
// from SiteOptions.Seed, so the sequence of bodies of one endpoint depends
// only on the seed and on how many successful requests that endpoint served
// before, not on the timing or on requests to other endpoints. Requests that
// are rejected (403, 404), answered with an injected 500 or malformed body,
// or hung do not advance the models (a malformed body is cut from the
// current state); delayed ones that are answered do. The QRS app list is
// fixed.
type Server struct {
	name    string
	index   int
	addr    string // host:port to connect to
	baseURL string
	vps     []string // normalized prefixes, configured order
	certs   *CertSet
	logger  *log.Logger

	stateMu sync.Mutex
	engine  *engineModel
	proxies map[string]*proxyModel
	appBody []byte

	faultMu  sync.Mutex
	faults   [len(apiList)]Fault
	faultRng *rand.Rand

	wrongCert       atomic.Bool
	connMu          sync.Mutex
	conns           map[net.Conn]*connInfo // by raw TCP connection
	counts          [len(apiList)]atomic.Uint64
	handshakeErrors atomic.Uint64

	lastMu sync.Mutex
	last   [len(apiList)]*RequestInfo

	srv       *http.Server
	closing   chan struct{}
	served    chan struct{}
	closeOnce sync.Once
	closeErr  error
}

type serverConfig struct {
	name     string
	index    int
	listenIP net.IP
	port     int // 0 = ephemeral
	seed     uint64
	start    time.Time // simulated site start, in the site's location
	central  bool
	vps      []string // normalized
	unlisted bool
	certs    *CertSet
	logger   *log.Logger
	appBody  []byte
}

func startServer(cfg serverConfig) (*Server, error) {
	s := &Server{
		name:     cfg.name,
		index:    cfg.index,
		vps:      cfg.vps,
		certs:    cfg.certs,
		logger:   cfg.logger,
		engine:   newEngineModel(cfg.seed, cfg.index, cfg.start, cfg.central, cfg.unlisted),
		proxies:  map[string]*proxyModel{},
		appBody:  cfg.appBody,
		faultRng: rand.New(rand.NewPCG(cfg.seed, 0xfa0170000+uint64(cfg.index))),
		closing:  make(chan struct{}),
		served:   make(chan struct{}),
		conns:    map[net.Conn]*connInfo{},
	}
	for i, vp := range cfg.vps {
		s.proxies[vp] = newProxyModel(cfg.seed, cfg.index, i, vp, cfg.central)
	}

	mux := http.NewServeMux()
	mux.Handle("GET /engine/healthcheck", s.handle(APIHealth, s.serveHealth))
	mux.Handle("GET /engine/healthcheck/{$}", s.handle(APIHealth, s.serveHealth))
	mux.Handle("GET /qps/session", s.handle(APIProxy, s.serveSessions))
	mux.Handle("GET /qps/{prefix}/session", s.handle(APIProxy, s.serveSessions))
	mux.Handle("GET /qrs/app", s.handle(APIRepository, s.serveApps))
	mux.Handle("GET /qrs/app/full", s.handle(APIRepository, s.serveApps))

	tlsCfg := cfg.certs.ServerTLSConfig()
	tlsCfg.Certificates = nil
	tlsCfg.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		wrong := s.wrongCert.Load()
		s.connMu.Lock()
		if ci := s.conns[hello.Conn]; ci != nil {
			ci.handshaken, ci.wrong = true, wrong
		}
		s.connMu.Unlock()
		if wrong {
			return &s.certs.WrongServerCert, nil
		}
		return &s.certs.ServerCert, nil
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	s.srv = &http.Server{
		Handler:           mux,
		TLSConfig:         tlsCfg,
		Protocols:         &protocols,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(errorLogWriter{s}, "", 0),
		ConnState:         s.connState,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, rawConn(c))
		},
	}

	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.listenIP.String(), strconv.Itoa(cfg.port)))
	if err != nil {
		return nil, fmt.Errorf("sensesim: server %s: %w", cfg.name, err)
	}
	s.addr = connectAddr(cfg.listenIP, ln.Addr().(*net.TCPAddr).Port)
	s.baseURL = "https://" + s.addr
	go func() {
		defer close(s.served)
		_ = s.srv.ServeTLS(ln, "", "")
	}()
	return s, nil
}

// connectAddr is the host:port a client uses to reach a listener on
// listenIP: the loopback address of the same family when listenIP is
// unspecified (0.0.0.0, ::).
func connectAddr(listenIP net.IP, port int) string {
	ip := listenIP
	switch {
	case ip.To4() != nil && ip.IsUnspecified():
		ip = net.IPv4(127, 0, 0, 1)
	case ip.IsUnspecified():
		ip = net.IPv6loopback
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(port))
}

// errorLogWriter receives net/http's error log: counts TLS handshake
// failures and forwards the lines to the server's logger, if any.
type errorLogWriter struct{ s *Server }

func (w errorLogWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("TLS handshake error")) {
		w.s.handshakeErrors.Add(1)
	}
	if w.s.logger != nil {
		w.s.logger.Printf("%s: %s", w.s.name, bytes.TrimRight(p, "\n"))
	}
	return len(p), nil
}

// Name returns the server's name, e.g. "qs-central-01".
func (s *Server) Name() string { return s.name }

// Index returns the server's position in Site.Servers.
func (s *Server) Index() int { return s.index }

// Addr returns the host:port clients connect to, e.g. "127.0.0.1:14747"
// (what Butler SOS's servers[].host holds).
func (s *Server) Addr() string { return s.addr }

// Port returns the listening TCP port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(p)
	return n
}

// BaseURL returns "https://<Addr>", without a trailing slash. The simulator
// serves every API from this one listener.
func (s *Server) BaseURL() string { return s.baseURL }

// HealthURL returns the base URL of the engine API (real Sense:
// https://host:4747); the healthcheck is at HealthURL()+"/engine/healthcheck".
func (s *Server) HealthURL() string { return s.baseURL }

// ProxyURL returns the base URL of the QPS API (real Sense:
// https://host:4243); sessions are at ProxyURL()+"/qps[/<prefix>]/session".
func (s *Server) ProxyURL() string { return s.baseURL }

// RepositoryURL returns the base URL of the QRS API (real Sense:
// https://host:4242); the app list is at RepositoryURL()+"/qrs/app".
func (s *Server) RepositoryURL() string { return s.baseURL }

// HealthcheckURL returns the full healthcheck URL.
func (s *Server) HealthcheckURL() string { return s.HealthURL() + "/engine/healthcheck" }

// SessionURL returns the full QPS session-list URL for a virtual proxy
// prefix ("/" or "" for the default one, "/hdr" or "hdr" otherwise), without
// the Xrfkey query parameter. It does not check that the virtual proxy is
// configured.
func (s *Server) SessionURL(virtualProxy string) string {
	seg, _ := normalizeVirtualProxy(virtualProxy)
	if seg == "" {
		return s.ProxyURL() + "/qps/session"
	}
	return s.ProxyURL() + "/qps/" + seg + "/session"
}

// AppListURL returns the full QRS app-list URL, without Xrfkey.
func (s *Server) AppListURL() string { return s.RepositoryURL() + "/qrs/app" }

// VirtualProxies returns the configured virtual proxy prefixes, e.g.
// ["/", "/hdr"].
func (s *Server) VirtualProxies() []string {
	out := make([]string, len(s.vps))
	for i, vp := range s.vps {
		out[i] = displayVirtualProxy(vp)
	}
	return out
}

// SetFault sets the fault of every API in apis (e.g. APIHealth,
// APIProxy|APIRepository, APIAll), replacing what was set before; the zero
// Fault clears it. It takes effect for requests that arrive afterwards.
// FailRate is clamped to [0, 1], a negative Latency counts as 0.
func (s *Server) SetFault(apis API, f Fault) {
	f.FailRate = min(max(f.FailRate, 0), 1)
	f.Latency = max(f.Latency, 0)
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i, a := range apiList {
		if apis&a != 0 {
			s.faults[i] = f
		}
	}
}

// Fault returns the fault currently set for one API (a single bit).
func (s *Server) Fault(api API) Fault {
	i := apiIndex(api)
	if i < 0 {
		return Fault{}
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.faults[i]
}

// ClearFaults removes every per-API fault and the wrong-certificate fault.
func (s *Server) ClearFaults() {
	s.SetFault(APIAll, Fault{})
	s.SetWrongCert(false)
}

// SetWrongCert switches the served certificate: on, the server presents
// CertSet.WrongServerCert (signed by the unrelated "wrong" CA, same SANs), so
// clients that trust root.pem fail the handshake; off, the right one. It
// affects every API of the server and takes effect for new TLS handshakes;
// keep-alive connections made with the other certificate are closed (idle
// ones at once, busy ones after their current response), so a client's next
// request makes a new handshake.
func (s *Server) SetWrongCert(on bool) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.wrongCert.Swap(on) == on {
		return
	}
	for _, ci := range s.conns {
		if ci.state == http.StateIdle && ci.stale(on) {
			ci.conn.Close()
		}
	}
}

// connInfo tracks a connection for SetWrongCert: connections made with the
// other certificate are closed when idle, and active ones answer their
// current request with "Connection: close".
type connInfo struct {
	conn       net.Conn // as net/http sees it (*tls.Conn)
	state      http.ConnState
	handshaken bool
	wrong      bool // handshaken with the wrong certificate
}

func (ci *connInfo) stale(wrongNow bool) bool { return ci.handshaken && ci.wrong != wrongNow }

type connKey struct{}

// rawConn returns the TCP connection under a TLS connection.
func rawConn(c net.Conn) net.Conn {
	if tc, ok := c.(*tls.Conn); ok {
		return tc.NetConn()
	}
	return c
}

func (s *Server) connState(c net.Conn, state http.ConnState) {
	raw := rawConn(c)
	s.connMu.Lock()
	defer s.connMu.Unlock()
	switch state {
	case http.StateNew:
		s.conns[raw] = &connInfo{conn: c, state: state}
	case http.StateClosed, http.StateHijacked:
		delete(s.conns, raw)
	default:
		if ci := s.conns[raw]; ci != nil {
			ci.state = state
			if state == http.StateIdle && ci.stale(s.wrongCert.Load()) {
				c.Close()
			}
		}
	}
}

// staleConn reports whether the request's connection was handshaken with
// the certificate that is no longer served.
func (s *Server) staleConn(r *http.Request) bool {
	raw, _ := r.Context().Value(connKey{}).(net.Conn)
	s.connMu.Lock()
	defer s.connMu.Unlock()
	ci := s.conns[raw]
	return ci != nil && ci.stale(s.wrongCert.Load())
}

// WrongCert reports whether the wrong-certificate fault is on.
func (s *Server) WrongCert() bool { return s.wrongCert.Load() }

// Requests returns how many requests the APIs in apis received since the
// server started: every request routed to the API's handler, whatever its
// outcome (200, 403, 404, 500, malformed, delayed or hung). Requests whose
// TLS handshake failed never reach a handler (see HandshakeErrors); requests
// for unknown paths are not counted.
func (s *Server) Requests(apis API) uint64 {
	var n uint64
	for i, a := range apiList {
		if apis&a != 0 {
			n += s.counts[i].Load()
		}
	}
	return n
}

// HandshakeErrors returns how many TLS handshakes failed on this server (no
// client certificate, client certificate from the wrong CA, client rejecting
// the wrong server certificate, ...), as reported by net/http's error log.
func (s *Server) HandshakeErrors() uint64 { return s.handshakeErrors.Load() }

// LastRequest returns the most recent request received by one API (a single
// bit), and false if there was none.
func (s *Server) LastRequest(api API) (RequestInfo, bool) {
	i := apiIndex(api)
	if i < 0 {
		return RequestInfo{}, false
	}
	s.lastMu.Lock()
	defer s.lastMu.Unlock()
	if s.last[i] == nil {
		return RequestInfo{}, false
	}
	ri := *s.last[i]
	ri.Header = ri.Header.Clone()
	return ri, true
}

// Close stops the server: hung and delayed requests are released (their
// connections dropped), then the listener and all connections are closed
// and Close waits for the serving goroutines to finish. Idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.closeErr = s.srv.Close()
		}
		<-s.served
	})
	return s.closeErr
}

// statusRecorder remembers the status code for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

// handle wraps an API handler with counting, request recording, logging
// and fault injection (see Fault for the order).
func (s *Server) handle(api API, serve func(w http.ResponseWriter, r *http.Request, malformed bool)) http.Handler {
	idx := apiIndex(api)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.counts[idx].Add(1)
		s.record(api, idx, r)
		if s.staleConn(r) {
			w.Header().Set("Connection", "close")
		}
		rec := &statusRecorder{ResponseWriter: w}
		if s.logger != nil {
			start := time.Now()
			defer func() {
				status := "aborted"
				if rec.status != 0 {
					status = strconv.Itoa(rec.status)
				}
				s.logger.Printf("%s: %s %s %s %s (%s)", s.name, api, r.Method, r.URL.RequestURI(), status, time.Since(start).Round(time.Millisecond))
			}()
		}
		s.faultMu.Lock()
		f := s.faults[idx]
		fail := f.FailRate >= 1 || f.FailRate > 0 && s.faultRng.Float64() < f.FailRate
		s.faultMu.Unlock()

		if f.Latency > 0 {
			t := time.NewTimer(f.Latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				// The client gave up: drop the connection rather than
				// let net/http send an implicit empty 200.
				t.Stop()
				panic(http.ErrAbortHandler)
			case <-s.closing:
				t.Stop()
				panic(http.ErrAbortHandler)
			}
		}
		if f.Hang {
			select {
			case <-r.Context().Done():
			case <-s.closing:
			}
			panic(http.ErrAbortHandler) // drop the connection, no response
		}
		if fail {
			http.Error(rec, "Internal Server Error", http.StatusInternalServerError)
			return
		}
		serve(rec, r, f.Malformed)
	})
}

func (s *Server) record(api API, idx int, r *http.Request) {
	ri := &RequestInfo{
		API:      api,
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		ri.ClientCN = r.TLS.PeerCertificates[0].Subject.CommonName
	}
	s.lastMu.Lock()
	s.last[idx] = ri
	s.lastMu.Unlock()
}

// writeJSON writes body (valid JSON) with status 200, or its first half if
// malformed.
func writeJSON(w http.ResponseWriter, body []byte, malformed bool) {
	if malformed {
		body = body[:len(body)/2]
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// marshalJSON encodes v compactly without HTML escaping (so "P&L" stays
// "P&L", as a .NET service writes it).
func marshalJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only plain structs, maps and slices are encoded
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

func (s *Server) serveHealth(w http.ResponseWriter, _ *http.Request, malformed bool) {
	s.stateMu.Lock()
	if !malformed {
		s.engine.step()
	}
	h := s.engine.snapshot()
	s.stateMu.Unlock()
	writeJSON(w, marshalJSON(h), malformed)
}

// validXrfkey reports whether the request carries an Xrfkey query
// parameter (name matched case-insensitively) of 16 ASCII letters and
// digits that equals the X-Qlik-Xrfkey header.
func validXrfkey(r *http.Request) bool {
	hdr := r.Header.Get(XrfkeyHeader)
	if len(hdr) != 16 {
		return false
	}
	for _, c := range []byte(hdr) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	for k, v := range r.URL.Query() {
		if strings.EqualFold(k, "xrfkey") {
			return len(v) == 1 && v[0] == hdr
		}
	}
	return false
}

func (s *Server) serveSessions(w http.ResponseWriter, r *http.Request, malformed bool) {
	pm, ok := s.proxies[r.PathValue("prefix")]
	if !ok {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	if !validXrfkey(r) {
		http.Error(w, xrfFailedBody, http.StatusForbidden)
		return
	}
	s.stateMu.Lock()
	if !malformed {
		pm.step()
	}
	sessions := pm.snapshot()
	s.stateMu.Unlock()
	writeJSON(w, marshalJSON(sessions), malformed)
}

func (s *Server) serveApps(w http.ResponseWriter, r *http.Request, malformed bool) {
	if !validXrfkey(r) {
		http.Error(w, xrfFailedBody, http.StatusForbidden)
		return
	}
	writeJSON(w, s.appBody, malformed)
}
