package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/senseops/senseops-collector/internal/citest"
	"github.com/senseops/senseops-collector/internal/sensesim"
)

// The real backends users point the collector at, run by the tests: the
// Debian packages prometheus (2.42) and influxdb (1.6, v1 API only), which
// .ci/run installs. Each test starts its own server on free 127.0.0.1 ports
// with data in a temporary directory and stops it at the end; a system
// service the package may have started is never used.

// serverBinary finds a real server's binary on PATH. Outside CI a missing
// binary skips (install the Debian package); in CI it fails, so nothing is
// silently untested.
func serverBinary(t *testing.T, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		citest.Unavailable(t, "%s not on PATH: apt-get install %s (.ci/run installs it)", name, debianPackage)
	}
	return p
}

// startServer runs bin with args until the test ends and waits until readyURL
// answers with a 2xx status. Its output is logged if the test fails.
func startServer(t *testing.T, name, bin string, args []string, readyURL string) {
	t.Helper()
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
	require.Eventually(t, func() bool {
		select {
		case <-exited:
			return true // reported below
		default:
		}
		resp, err := http.Get(readyURL)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode/100 == 2
	}, 30*time.Second, 50*time.Millisecond, "%s did not get ready", name)
	select {
	case <-exited:
		t.Fatalf("%s exited at start:\n%s", name, out.String())
	default:
	}
}

// startPrometheus runs a Prometheus server that scrapes target (host:port,
// path /metrics) every second as job "senseops", and returns its base URL.
func startPrometheus(t *testing.T, target string) string {
	t.Helper()
	bin := serverBinary(t, "prometheus", "prometheus")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: senseops
    static_configs:
      - targets: ['%s']
`, target)), 0o600))
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))
	startServer(t, "prometheus", bin, []string{
		"--config.file=" + cfg,
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
	}, "http://"+addr+"/-/ready")
	return "http://" + addr
}

// promSample is one series of an instant query's result.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"` // unix time, value as a string
}

func (s promSample) value() float64 {
	var v float64
	str, _ := s.Value[1].(string)
	_, _ = fmt.Sscan(str, &v)
	return v
}

// promQuery runs a PromQL instant query through Prometheus's HTTP API.
func promQuery(base, query string) ([]promSample, error) {
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string       `json:"resultType"`
			Result     []promSample `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, err
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s: %s %s", query, r.Status, r.Error)
	}
	if r.Data.ResultType != "vector" {
		return nil, fmt.Errorf("%s: result type %s, want vector", query, r.Data.ResultType)
	}
	return r.Data.Result, nil
}

// influxDB is a running InfluxDB 1.x server with authentication on: admin
// may do anything, the exporter's user may only write to db.
type influxDB struct {
	url                  string
	db                   string
	adminUser, adminPass string
	user, pass           string
}

// startInfluxDB runs influxd with authentication enabled, creates an admin,
// the database db and a user that may only write to it.
func startInfluxDB(t *testing.T, db string) *influxDB {
	t.Helper()
	bin := serverBinary(t, "influxd", "influxdb")
	dir := t.TempDir()
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))
	cfg := filepath.Join(dir, "influxdb.conf")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`
reporting-disabled = true
bind-address = "127.0.0.1:%d"
[meta]
  dir = "%[2]s/meta"
[data]
  dir = "%[2]s/data"
  wal-dir = "%[2]s/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "%[3]s"
  auth-enabled = true
  log-enabled = false
  pprof-enabled = false
[logging]
  suppress-logo = true
`, freePort(t, "tcp"), dir, httpAddr)), 0o600))
	startServer(t, "influxd", bin, []string{"run", "-config", cfg}, "http://"+httpAddr+"/ping")

	ix := &influxDB{url: "http://" + httpAddr, db: db, adminUser: "admin", adminPass: "admin-secret", user: "senseops", pass: "writer-secret"}
	// With authentication on and no user yet, InfluxDB accepts only the
	// creation of an admin.
	ix.mustExec(t, "", "", fmt.Sprintf("CREATE USER %s WITH PASSWORD '%s' WITH ALL PRIVILEGES", ix.adminUser, ix.adminPass))
	ix.mustExec(t, ix.adminUser, ix.adminPass, "CREATE DATABASE "+db)
	ix.mustExec(t, ix.adminUser, ix.adminPass, fmt.Sprintf("CREATE USER %s WITH PASSWORD '%s'", ix.user, ix.pass))
	ix.mustExec(t, ix.adminUser, ix.adminPass, fmt.Sprintf("GRANT WRITE ON %s TO %s", db, ix.user))
	return ix
}

// influxSeries is one series of an InfluxQL result.
type influxSeries struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags"`
	Columns []string          `json:"columns"`
	Values  [][]any           `json:"values"`
}

// column returns the value of the named column in row i.
func (s influxSeries) column(i int, name string) any {
	for j, c := range s.Columns {
		if c == name && i < len(s.Values) && j < len(s.Values[i]) {
			return s.Values[i][j]
		}
	}
	return nil
}

func (ix *influxDB) post(user, pass, query string) ([]influxSeries, error) {
	form := url.Values{"q": {query}, "db": {ix.db}}
	req, err := http.NewRequest(http.MethodPost, ix.url+"/query", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r struct {
		Error   string `json:"error"`
		Results []struct {
			Error  string         `json:"error"`
			Series []influxSeries `json:"series"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", query, b, err)
	}
	if r.Error != "" {
		return nil, fmt.Errorf("%s: %s", query, r.Error)
	}
	if len(r.Results) != 1 {
		return nil, fmt.Errorf("%s: %d results", query, len(r.Results))
	}
	if r.Results[0].Error != "" {
		return nil, fmt.Errorf("%s: %s", query, r.Results[0].Error)
	}
	return r.Results[0].Series, nil
}

func (ix *influxDB) mustExec(t *testing.T, user, pass, query string) {
	t.Helper()
	_, err := ix.post(user, pass, query)
	require.NoError(t, err)
}

// query runs InfluxQL as the admin in the test's database.
func (ix *influxDB) query(query string) ([]influxSeries, error) {
	return ix.post(ix.adminUser, ix.adminPass, query)
}

// sent is what the simulator's first events of a seed are, counted as the
// collector should count them once the shipped rules have run.
type sent struct {
	kept     int                // events the rules keep
	bySource map[string]float64 // kept events per qliksense.source
	byHost   map[string]float64 // kept events per Sense server (host.name)
	// kept log events (not user events) per Sense server
	logsByHost map[string]float64
}

// expectedEvents replays the simulator's first n events of seed. The shipped
// rules drop WARN events ending "was terminated due to inactivity" (the
// simulator sends that message only at WARN); the seed must have some.
func expectedEvents(t *testing.T, seed uint64, n int) sent {
	t.Helper()
	gen, err := sensesim.NewGenerator(seed, sensesim.Options{})
	require.NoError(t, err)
	s := sent{bySource: map[string]float64{}, byHost: map[string]float64{}, logsByHost: map[string]float64{}}
	dropped := 0
	for range n {
		ev := gen.Next()
		if strings.HasSuffix(ev.Message, "was terminated due to inactivity") {
			dropped++
			continue
		}
		s.kept++
		s.bySource[strings.Trim(ev.Kind.Marker(), "/")]++
		s.byHost[ev.Host]++
		if !ev.Kind.IsUserEvent() {
			s.logsByHost[ev.Host]++
		}
	}
	require.NotZero(t, dropped, "a seed whose events exercise the drop rule")
	return s
}
