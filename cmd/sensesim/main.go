// Command sensesim impersonates a Qlik Sense Enterprise on Windows site for
// testing SenseOps Collector. Subcommands:
//
//	sensesim udp [flags]     send log events and user events over UDP
//	sensesim https [flags]   serve the engine healthcheck, QPS session and QRS
//	                         app APIs over mutual TLS until Ctrl-C
//	sensesim run [flags]     https and udp together (used by make run)
//
// Run "sensesim <command> -h" for the flags.
//
// https and run generate a QMC-style certificate export (root.pem,
// client.pem, client_key.pem, client_key_encrypted.pem, server.pem,
// server_key.pem, wrong/...) into -cert-dir, start -servers simulated
// servers (server i on -listen:-base-port+i, or ephemeral ports when
// -base-port is 0; run defaults to -base-port 14747), print a table of the
// servers' URLs and the certificate paths, and write a JSON description of
// the site (sensesim.SiteInfo; run adds "udp": {"log_target", "user_target"})
// to -site-file, by default <cert-dir>/site.json. The file is written
// atomically once every listener is up and removed on exit, so a script can
// wait for it to appear. -site-file - prints the JSON to stdout instead (the
// table then goes to stderr); -site-file none writes nothing.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/senseops/senseops-collector/internal/sensesim"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the subcommand table.
var commands = []command{
	{"udp", "send simulated Qlik Sense UDP log events and user events", runUDP},
	{"https", "serve simulated Qlik Sense engine/QPS/QRS HTTPS APIs (mutual TLS)", runHTTPS},
	{"run", "https and udp together (what make run uses)", runAll},
	{"certs", "write a QMC-like certificate export (root.pem, client.pem, client_key.pem) and exit", runCerts},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			default:
				fmt.Fprintf(stderr, "sensesim %s: %v\n", c.name, err)
				return 1
			}
		}
	}
	fmt.Fprintf(stderr, "sensesim: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

var errUsage = errors.New("usage error")

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: sensesim <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'sensesim <command> -h' for the flags of a command.")
}

// parse parses args into fs; errUsage or flag.ErrHelp on failure.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected arguments %q\n", fs.Name(), fs.Args())
		return errUsage
	}
	return nil
}

// ---------------------------------------------------------------------------
// flags shared by udp, https and run

type commonFlags struct {
	seed     *uint64
	tz       *string
	start    *string
	duration *time.Duration
	quiet    *bool
}

func addCommonFlags(fs *flag.FlagSet, durationHelp, startHelp string) *commonFlags {
	return &commonFlags{
		seed:     fs.Uint64("seed", 1, "random seed; same seed and -start give identical output"),
		tz:       fs.String("tz-offset", "+0100", "UTC offset of the simulated site, e.g. +0100, -0500, +05:30"),
		start:    fs.String("start", "", startHelp),
		duration: fs.Duration("duration", 0, durationHelp),
		quiet:    fs.Bool("quiet", false, "no progress lines, only the final summary"),
	}
}

// resolve returns the site's time zone and the simulated start time.
func (c *commonFlags) resolve() (*time.Location, time.Time, error) {
	loc, err := sensesim.ParseTZOffset(*c.tz)
	if err != nil {
		return nil, time.Time{}, err
	}
	start := time.Now()
	if *c.start != "" {
		if start, err = time.Parse(time.RFC3339Nano, *c.start); err != nil {
			return nil, time.Time{}, fmt.Errorf("-start: %w", err)
		}
	}
	return loc, start, nil
}

// ---------------------------------------------------------------------------
// udp

type udpFlags struct {
	logTarget, userTarget *string
	rate                  *float64
	count                 *int64
	kinds                 *string
	dryRun                *bool
	waitFor               *string
}

func addUDPFlags(fs *flag.FlagSet) *udpFlags {
	return &udpFlags{
		logTarget:  fs.String("log-target", "127.0.0.1:9996", "`host:port` receiving log events (engine, proxy, repository, scheduler, qix-perf)"),
		userTarget: fs.String("user-target", "", "`host:port` receiving user events (proxy session/connection); default: same as -log-target"),
		rate:       fs.Float64("rate", 20, "events per second; 0 = as fast as possible"),
		count:      fs.Int64("count", 0, "stop sending after this many events; 0 = unlimited"),
		kinds:      fs.String("kinds", "all", "comma list of engine, proxy, repository, scheduler, qix-perf, proxy-session, proxy-connection; or all, log, user"),
		dryRun:     fs.Bool("dry-run", false, "print the datagrams to stdout, one per line, instead of sending them"),
		waitFor:    fs.String("wait-for", "", "`URL` to poll before sending until it answers 200, e.g. the collector's health_check http://127.0.0.1:13133/, so no datagram is sent before the receiver listens (at most "+readyWait.String()+", then it sends anyway)"),
	}
}

func (u *udpFlags) effectiveUserTarget() string {
	if *u.userTarget == "" {
		return *u.logTarget
	}
	return *u.userTarget
}

func runUDP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sensesim udp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	uf := addUDPFlags(fs)
	cf := addCommonFlags(fs, "stop after this long (e.g. 30s, 5m); 0 = unlimited",
		"simulated time of the first event, RFC 3339 (default: now)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: sensesim udp [flags]\n\nSends Qlik Sense log4net-style UDP datagrams (Butler SOS wire format) until -count, -duration or Ctrl-C.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	return sendUDP(ctx, cf, uf, stdout, stderr)
}

func sendUDP(ctx context.Context, cf *commonFlags, uf *udpFlags, stdout, stderr io.Writer) error {
	if *uf.waitFor != "" && !*uf.dryRun {
		if err := waitReady(ctx, *uf.waitFor, readyWait); err != nil {
			fmt.Fprintf(stderr, "sensesim: %v; sending anyway\n", err)
		}
	}
	loc, startTime, err := cf.resolve()
	if err != nil {
		return err
	}
	ks, err := sensesim.ParseKinds(*uf.kinds)
	if err != nil {
		return err
	}
	rate := *uf.rate
	interval := time.Millisecond
	if rate > 0 {
		interval = time.Duration(float64(time.Second) / rate)
	}
	gen, err := sensesim.NewGenerator(*cf.seed, sensesim.Options{
		Start:    startTime,
		Location: loc,
		Interval: interval,
		Weights:  sensesim.DefaultWeights().Only(ks...),
	})
	if err != nil {
		return err
	}

	cfg := sensesim.RunConfig{Rate: rate, Count: *uf.count, Duration: *cf.duration}
	if !*cf.quiet {
		cfg.Progress = func(s sensesim.Stats) {
			fmt.Fprintf(stderr, "sensesim: %s: sent %d (%.1f/s), %d errors\n",
				s.Elapsed.Round(time.Second), s.Sent.Total(), s.Rate(), s.Errors.Total())
		}
	}
	var stats sensesim.Stats
	summaryOut := stdout
	if *uf.dryRun {
		summaryOut = stderr
		stats, err = sensesim.Run(ctx, gen, cfg, func(ev sensesim.Event) error {
			_, err := fmt.Fprintf(stdout, "%s\n", ev.Payload)
			return err
		})
	} else {
		sender, serr := sensesim.NewUDPSender(*uf.logTarget, *uf.userTarget)
		if serr != nil {
			return serr
		}
		defer sender.Close()
		if !*cf.quiet {
			fmt.Fprintf(stderr, "sensesim: sending %s to log target %s, user target %s at %s (seed %d)\n",
				*uf.kinds, *uf.logTarget, uf.effectiveUserTarget(), rateText(rate), *cf.seed)
		}
		stats, err = sensesim.RunBatched(ctx, gen, cfg, sender)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(summaryOut, "sensesim: %s\n", stats)
	if stats.Errors.Total() > 0 && !*uf.dryRun {
		fmt.Fprintln(stderr, `sensesim: "connection refused" means nothing listened on the target port when the datagram was sent`)
	}
	return nil
}

// readyWait is how long -wait-for waits at most.
const readyWait = time.Minute

// waitReady polls url until it answers 200 OK, for at most limit or until
// ctx ends.
func waitReady(ctx context.Context, url string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
		if err != nil {
			return fmt.Errorf("-wait-for: %w", err)
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("-wait-for: %s did not answer 200 within %s", url, limit)
		case <-tick.C:
		}
	}
}

func rateText(r float64) string {
	if r <= 0 {
		return "max rate"
	}
	return fmt.Sprintf("%g events/s", r)
}

// ---------------------------------------------------------------------------
// https

// latencyFlag is a duration or "hang".
type latencyFlag struct {
	d    time.Duration
	hang bool
}

func (l *latencyFlag) String() string {
	switch {
	case l == nil:
		return ""
	case l.hang:
		return "hang"
	case l.d == 0:
		return "0s"
	}
	return l.d.String()
}

func (l *latencyFlag) Set(s string) error {
	if strings.EqualFold(s, "hang") {
		l.hang, l.d = true, 0
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("want a duration such as 2s or 500ms, or hang")
	}
	l.hang, l.d = false, d
	return nil
}

type httpsFlags struct {
	certDir        *string
	servers        *int
	names          *string
	listen         *string
	basePort       *int
	virtualProxies *string
	siteFile       *string
	passphrase     *string
	rsa            *bool
	unlistedApps   *bool
	logRequests    *bool

	latency      latencyFlag
	failRate     *float64
	malformed    *bool
	wrongCert    *bool
	faultServers *string
	faultAPIs    *string
}

func addHTTPSFlags(fs *flag.FlagSet, defaultBasePort int) *httpsFlags {
	hf := &httpsFlags{
		certDir:        fs.String("cert-dir", filepath.Join("_build", "sensesim-certs"), "`dir`ectory for the generated certificates (QMC export layout; overwritten)"),
		servers:        fs.Int("servers", 2, "number of simulated Sense servers (qs-central-01, qs-rim-01, ...)"),
		names:          fs.String("names", "", "comma list of server names (overrides -servers)"),
		listen:         fs.String("listen", "127.0.0.1", "IP `address` to listen on"),
		basePort:       fs.Int("base-port", defaultBasePort, "server i listens on base-port+i; 0 = ephemeral ports"),
		virtualProxies: fs.String("virtual-proxies", "/,/hdr", "comma list of QPS virtual proxy prefixes"),
		siteFile:       fs.String("site-file", "", "write the JSON site description here (default <cert-dir>/site.json; - = stdout; none = nowhere)"),
		passphrase:     fs.String("passphrase", sensesim.DefaultKeyPassphrase, "passphrase of client_key_encrypted.pem"),
		rsa:            fs.Bool("rsa", false, "RSA 2048 keys (like a real export) instead of ECDSA P-256"),
		unlistedApps:   fs.Bool("unlisted-apps", false, "engines sometimes hold an app that the QRS app list lacks"),
		logRequests:    fs.Bool("log-requests", false, "log every HTTPS request and TLS handshake error to stderr"),

		failRate:     fs.Float64("fail-rate", 0, "fault: fraction (0..1) of requests answered with HTTP 500"),
		malformed:    fs.Bool("malformed", false, "fault: 200 responses carry truncated, invalid JSON"),
		wrongCert:    fs.Bool("wrong-cert", false, "fault: serve a server certificate signed by the wrong CA (all APIs of the -fault-servers)"),
		faultServers: fs.String("fault-servers", "all", "servers the faults apply to: all, or a comma list of names or 0-based indexes"),
		faultAPIs:    fs.String("fault-apis", "all", "APIs -latency, -fail-rate and -malformed apply to: all, or a comma list of health, proxy, repository"),
	}
	fs.Var(&hf.latency, "latency", "fault: delay every response by this `duration`, or \"hang\" = never answer")
	return hf
}

func (hf *httpsFlags) siteFilePath() string {
	switch *hf.siteFile {
	case "":
		return filepath.Join(*hf.certDir, "site.json")
	case "none":
		return ""
	}
	return *hf.siteFile
}

// faultTargets returns the servers the fault flags apply to.
func (hf *httpsFlags) faultTargets(site *sensesim.Site) ([]*sensesim.Server, error) {
	if strings.TrimSpace(*hf.faultServers) == "all" {
		return site.Servers, nil
	}
	var out []*sensesim.Server
	for _, f := range strings.Split(*hf.faultServers, ",") {
		f = strings.TrimSpace(f)
		if i, err := strconv.Atoi(f); err == nil {
			if i < 0 || i >= len(site.Servers) {
				return nil, fmt.Errorf("-fault-servers: no server %d", i)
			}
			out = append(out, site.Servers[i])
		} else if srv := site.Server(f); srv != nil {
			out = append(out, srv)
		} else {
			return nil, fmt.Errorf("-fault-servers: no server %q", f)
		}
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// startSite starts the HTTPS site and applies the fault flags.
func startSite(ctx context.Context, cf *commonFlags, hf *httpsFlags, stderr io.Writer) (*sensesim.Site, error) {
	loc, start, err := cf.resolve()
	if err != nil {
		return nil, err
	}
	if *hf.failRate < 0 || *hf.failRate > 1 {
		return nil, fmt.Errorf("-fail-rate %v: want 0..1", *hf.failRate)
	}
	apis, err := sensesim.ParseAPIs(*hf.faultAPIs)
	if err != nil {
		return nil, fmt.Errorf("-fault-apis: %w", err)
	}
	opts := sensesim.SiteOptions{
		Servers:        *hf.servers,
		Names:          splitList(*hf.names),
		Dir:            *hf.certDir,
		Listen:         *hf.listen,
		BasePort:       *hf.basePort,
		VirtualProxies: splitList(*hf.virtualProxies),
		Seed:           *cf.seed,
		Start:          start,
		Location:       loc,
		UnlistedApps:   *hf.unlistedApps,
		CertOptions:    sensesim.CertOptions{Passphrase: *hf.passphrase},
	}
	if len(opts.Names) > 0 {
		opts.Servers = 0
	}
	if *hf.rsa {
		opts.CertOptions.KeyType = sensesim.KeyRSA
	}
	if *hf.logRequests {
		opts.Log = log.New(stderr, "sensesim https: ", log.LstdFlags|log.Lmicroseconds)
	}
	site, err := sensesim.StartSite(ctx, opts)
	if err != nil {
		return nil, err
	}
	targets, err := hf.faultTargets(site)
	if err != nil {
		site.Close()
		return nil, err
	}
	fault := sensesim.Fault{Latency: hf.latency.d, Hang: hf.latency.hang, FailRate: *hf.failRate, Malformed: *hf.malformed}
	for _, srv := range targets {
		srv.SetFault(apis, fault)
		srv.SetWrongCert(*hf.wrongCert)
	}
	return site, nil
}

// printSite writes the human-readable description of a running site.
func printSite(w io.Writer, site *sensesim.Site, cf *commonFlags, siteFile string) {
	fmt.Fprintf(w, "sensesim: %d simulated Qlik Sense servers, mutual TLS required (seed %d, UTC offset %s)\n",
		len(site.Servers), *cf.seed, *cf.tz)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  SERVER\tENGINE (health)\tPROXY (QPS)\tREPOSITORY (QRS)\tFAULTS")
	for _, srv := range site.Servers {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", srv.Name(), srv.HealthURL(), srv.ProxyURL(), srv.RepositoryURL(), faultText(srv))
	}
	tw.Flush()
	var qps []string
	for _, vp := range site.VirtualProxies() {
		if vp == "/" {
			qps = append(qps, "/qps/session")
		} else {
			qps = append(qps, "/qps"+vp+"/session")
		}
	}
	fmt.Fprintf(w, "endpoints: GET /engine/healthcheck, %s, /qrs/app\n", strings.Join(qps, ", "))
	fmt.Fprintln(w, "           (QPS and QRS need ?Xrfkey=<16 letters/digits> and the same value in the X-Qlik-Xrfkey header)")
	c := site.Certs
	fmt.Fprintf(w, "certificates (QMC export layout, PEM) in %s:\n", c.Dir)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  root CA\t%s\n", c.CAFile)
	fmt.Fprintf(tw, "  client cert\t%s\n", c.ClientCertFile)
	fmt.Fprintf(tw, "  client key\t%s\n", c.ClientKeyFile)
	fmt.Fprintf(tw, "  client key, encrypted\t%s (passphrase %q)\n", c.ClientKeyEncryptedFile, c.KeyPassphrase)
	fmt.Fprintf(tw, "  wrong CA + client cert\t%s\n", filepath.Dir(c.WrongCAFile))
	tw.Flush()
	if siteFile != "" && siteFile != "-" {
		fmt.Fprintf(w, "site description: %s\n", siteFile)
	}
	if len(site.Servers) > 0 {
		fmt.Fprintf(w, "try: curl --cacert %s --cert %s --key %s %s\n",
			c.CAFile, c.ClientCertFile, c.ClientKeyFile, site.Servers[0].HealthcheckURL())
	}
}

func faultText(srv *sensesim.Server) string {
	var parts []string
	byFault := map[sensesim.Fault]sensesim.API{}
	var order []sensesim.Fault
	for _, api := range []sensesim.API{sensesim.APIHealth, sensesim.APIProxy, sensesim.APIRepository} {
		f := srv.Fault(api)
		if f.IsZero() {
			continue
		}
		if _, ok := byFault[f]; !ok {
			order = append(order, f)
		}
		byFault[f] |= api
	}
	for _, f := range order {
		parts = append(parts, fmt.Sprintf("%s: %s", byFault[f], f))
	}
	if srv.WrongCert() {
		parts = append(parts, "wrong certificate")
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}

// siteDescription is the -site-file JSON: sensesim.SiteInfo plus, for run,
// the UDP targets.
type siteDescription struct {
	sensesim.SiteInfo
	UDP *udpDescription `json:"udp,omitempty"`
}

type udpDescription struct {
	LogTarget  string `json:"log_target"`
	UserTarget string `json:"user_target"`
}

// publish prints the table and writes the site file; it returns the path
// written ("" if none) for removal on exit.
func publish(site *sensesim.Site, cf *commonFlags, hf *httpsFlags, udp *udpDescription, stdout, stderr io.Writer) (string, error) {
	desc := siteDescription{SiteInfo: site.Info(), UDP: udp}
	data, err := json.MarshalIndent(desc, "", "  ")
	if err != nil {
		return "", err
	}
	data = append(data, '\n')
	path := hf.siteFilePath()
	tableOut := stdout
	if path == "-" {
		tableOut = stderr
	}
	printSite(tableOut, site, cf, path)
	switch path {
	case "":
		return "", nil
	case "-":
		_, err := stdout.Write(data)
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return path, nil
}

func removeStaleSiteFile(hf *httpsFlags) {
	if p := hf.siteFilePath(); p != "" && p != "-" {
		os.Remove(p)
	}
}

func runHTTPS(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sensesim https", flag.ContinueOnError)
	fs.SetOutput(stderr)
	hf := addHTTPSFlags(fs, 0)
	cf := addCommonFlags(fs, "stop serving after this long; 0 = until Ctrl-C",
		"simulated site start, RFC 3339 (default: now); engines report starting 6-96h before it")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: sensesim https [flags]\n\nGenerates a QMC-style certificate export and serves the Qlik Sense engine healthcheck,\nQPS session and QRS app-list APIs (mutual TLS required) until -duration or Ctrl-C.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *cf.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *cf.duration)
		defer cancel()
	}
	removeStaleSiteFile(hf)
	site, err := startSite(ctx, cf, hf, stderr)
	if err != nil {
		return err
	}
	defer site.Close()
	written, err := publish(site, cf, hf, nil, stdout, stderr)
	if written != "" {
		defer os.Remove(written)
	}
	if err != nil {
		return err
	}
	if !*cf.quiet {
		fmt.Fprintln(stderr, "sensesim: serving until Ctrl-C")
	}
	<-ctx.Done()
	if err := site.Close(); err != nil {
		return err
	}
	if !*cf.quiet {
		fmt.Fprintf(stderr, "sensesim: stopped; requests served: %s\n", requestSummary(site))
	}
	return nil
}

func requestSummary(site *sensesim.Site) string {
	var parts []string
	for _, srv := range site.Servers {
		parts = append(parts, fmt.Sprintf("%s health=%d proxy=%d repository=%d", srv.Name(),
			srv.Requests(sensesim.APIHealth), srv.Requests(sensesim.APIProxy), srv.Requests(sensesim.APIRepository)))
	}
	return strings.Join(parts, ", ")
}

// ---------------------------------------------------------------------------
// run = https + udp

func runAll(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sensesim run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	uf := addUDPFlags(fs)
	hf := addHTTPSFlags(fs, 14747)
	cf := addCommonFlags(fs, "stop sending and serving after this long; 0 = until Ctrl-C (-count only stops the UDP sender)",
		"simulated time of the first UDP event and site start, RFC 3339 (default: now)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: sensesim run [flags]\n\nRuns 'sensesim https' and 'sensesim udp' together: serves the HTTPS APIs and sends UDP\nevents until -duration or Ctrl-C. Server i listens on 127.0.0.1:14747+i by default.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *cf.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *cf.duration)
		defer cancel()
	}
	removeStaleSiteFile(hf)
	site, err := startSite(ctx, cf, hf, stderr)
	if err != nil {
		return err
	}
	defer site.Close()
	udp := &udpDescription{LogTarget: *uf.logTarget, UserTarget: uf.effectiveUserTarget()}
	written, err := publish(site, cf, hf, udp, stdout, stderr)
	if written != "" {
		defer os.Remove(written)
	}
	if err != nil {
		return err
	}
	if err := sendUDP(ctx, cf, uf, stdout, stderr); err != nil {
		return err
	}
	if ctx.Err() == nil && !*cf.quiet {
		fmt.Fprintln(stderr, "sensesim: UDP sender done; HTTPS still serving until Ctrl-C")
	}
	<-ctx.Done()
	if err := site.Close(); err != nil {
		return err
	}
	if !*cf.quiet {
		fmt.Fprintf(stderr, "sensesim: stopped; requests served: %s\n", requestSummary(site))
	}
	return nil
}

// runCerts writes the certificate set the https side would use, so configs
// that point at it can be validated without starting servers.
func runCerts(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sensesim certs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("cert-dir", "_build/sensesim-certs", "directory for the certificates (overwritten)")
	servers := fs.Int("servers", 2, "number of simulated servers whose names go into the server certificate")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	certs, err := sensesim.GenerateCerts(*dir, sensesim.DefaultServerNames(*servers))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s, %s, %s\n", certs.CAFile, certs.ClientCertFile, certs.ClientKeyFile)
	return nil
}
