package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/senseops/senseops-collector/internal/citest"
	"github.com/senseops/senseops-collector/internal/sensesim"
)

const binary = "../../_build/otelcol-senseops/otelcol-senseops"

// collectorBinary returns the built distribution. Outside CI a missing binary
// skips (run `make build`); in CI it fails, so nothing is silently untested.
func collectorBinary(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs(binary)
	require.NoError(t, err)
	if _, err := os.Stat(abs); err != nil {
		citest.Unavailable(t, "collector binary %s not built; run make build (make test builds it first)", abs)
	}
	return abs
}

func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type collector struct {
	udpAddr     string
	metricsURL  string
	metricsPort int
	outFile     string
	logs        *syncBuffer
}

// syncBuffer is the collector's output, written by exec's copier while the
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startCollector(t *testing.T, receiverExtra string) *collector {
	t.Helper()
	c := newCollector(t)
	return c.start(t, fmt.Sprintf(`
receivers:
  qliksense_events:
    endpoint: %s
    batch: {timeout: 50ms}
%s
processors:
  batch:
    timeout: 50ms
exporters:
  file:
    path: %s
    flush_interval: 50ms
service:
  telemetry:
    metrics:
      # The default level (normal), as users run it: the README promises the
      # receiver's counts on the internal metrics endpoint.
      readers:
        - pull:
            exporter:
              prometheus: {host: 127.0.0.1, port: %d}
  pipelines:
    logs:
      receivers: [qliksense_events]
      processors: [batch]
      exporters: [file]
`, c.udpAddr, receiverExtra, c.outFile, c.metricsPort))
}

func newCollector(t *testing.T) *collector {
	t.Helper()
	c := &collector{
		udpAddr:     fmt.Sprintf("127.0.0.1:%d", freePort(t, "udp")),
		outFile:     filepath.Join(t.TempDir(), "logs.json"),
		logs:        &syncBuffer{},
		metricsPort: freePort(t, "tcp"),
	}
	c.metricsURL = fmt.Sprintf("http://127.0.0.1:%d/metrics", c.metricsPort)
	return c
}

// start runs the built collector with cfg until the test ends.
func (c *collector) start(t *testing.T, cfg string) *collector {
	t.Helper()
	cfgFile := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(cfgFile, []byte(cfg), 0o600))
	return c.startFile(t, cfgFile, nil)
}

// repoRoot is where `make run` and `make validate` run the collector: the
// shipped configs' ${file:...} paths are relative to it.
const repoRoot = "../.."

// shippedConfig copies distributions/otelcol-senseops/<name> to a temporary
// file with each old string replaced by its new one (addresses, ports,
// certificate paths), so the test runs the config users get. Every old string
// must be in the file: if the config changes, the test fails instead of
// quietly testing something else.
func shippedConfig(t *testing.T, name string, replace ...string) string {
	t.Helper()
	require.Zero(t, len(replace)%2, "replace takes old, new pairs")
	b, err := os.ReadFile(filepath.Join(repoRoot, "distributions", "otelcol-senseops", name))
	require.NoError(t, err)
	cfg := string(b)
	for i := 0; i < len(replace); i += 2 {
		require.Contains(t, cfg, replace[i], "%s no longer contains %q: update the test", name, replace[i])
		cfg = strings.ReplaceAll(cfg, replace[i], replace[i+1])
	}
	f := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(f, []byte(cfg), 0o600))
	return f
}

// startFile runs the built collector with the config file cfgFile, in the
// repository root, with env added to the environment, until the test ends.
func (c *collector) startFile(t *testing.T, cfgFile string, env []string, args ...string) *collector {
	t.Helper()
	bin := collectorBinary(t)
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append([]string{"--config=" + cfgFile}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = c.logs, c.logs
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("collector output:\n%s", c.logs.String())
		}
	})
	require.Eventually(t, func() bool { return strings.Contains(c.logs.String(), "Everything is ready") },
		60*time.Second, 50*time.Millisecond, "collector did not start")
	return c
}

// records reads what the file exporter wrote.
func (c *collector) records(t *testing.T) []plog.LogRecord {
	t.Helper()
	f, err := os.Open(c.outFile)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []plog.LogRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<20), 64<<20)
	var u plog.JSONUnmarshaler
	for sc.Scan() {
		ld, err := u.UnmarshalLogs(sc.Bytes())
		if err != nil {
			continue // a line still being written
		}
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					out = append(out, lr)
				}
			}
		}
	}
	return out
}

var metricLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([0-9.e+-]+)`)

// metric sums the samples of one metric on the internal metrics endpoint
// whose labels contain every given label.
func (c *collector) metric(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	resp, err := http.Get(c.metricsURL)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	sum, found := 0.0, false
	for _, line := range strings.Split(string(body), "\n") {
		m := metricLine.FindStringSubmatch(line)
		if m == nil || (m[1] != name && m[1] != name+"_total") {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(m[2], l)
		}
		if ok {
			v, _ := strconv.ParseFloat(m[3], 64)
			sum, found = sum+v, true
		}
	}
	if !found {
		return -1
	}
	return sum
}

// TestSimulatorThroughCollector sends the simulator's realistic mix of all
// seven kinds through the built collector and checks every one arrives,
// parsed, and is counted on the internal metrics endpoint.
func TestSimulatorThroughCollector(t *testing.T) {
	c := startCollector(t, "")
	gen, err := sensesim.NewGenerator(7, sensesim.Options{})
	require.NoError(t, err)
	const n = 500
	stats, err := sensesim.SendUDP(context.Background(), gen, c.udpAddr, "", sensesim.RunConfig{Rate: 2000, Count: n})
	require.NoError(t, err)
	require.EqualValues(t, n, stats.Sent.Total())

	var recs []plog.LogRecord
	require.Eventually(t, func() bool { recs = c.records(t); return len(recs) >= n }, 30*time.Second, 100*time.Millisecond)
	require.Len(t, recs, n)
	kinds := map[string]int{}
	for _, lr := range recs {
		src, ok := lr.Attributes().Get("qliksense.source")
		require.True(t, ok)
		kinds[src.Str()]++
		_, bad := lr.Attributes().Get("qliksense.parse.error")
		assert.False(t, bad)
		assert.NotZero(t, lr.Timestamp())
	}
	assert.Len(t, kinds, 7, "all seven kinds: %v", kinds)

	require.Eventually(t, func() bool {
		return c.metric(t, "otelcol_receiver_qliksense_events_datagrams_received") == n
	}, 30*time.Second, 100*time.Millisecond)
	assert.Equal(t, float64(n), c.metric(t, "otelcol_receiver_accepted_log_records", `receiver="qliksense_events"`))
}

// TestRejectionsVisibleOnMetricsEndpoint: bad datagrams are counted by reason
// where an operator looks, and good ones around them still arrive.
func TestRejectionsVisibleOnMetricsEndpoint(t *testing.T) {
	c := startCollector(t, "")
	conn, err := net.Dial("udp", c.udpAddr)
	require.NoError(t, err)
	defer conn.Close()
	good := "/qseow-proxy-session/;QS-PROXY-01;Start session;CORP;jdoe;AppAccess;/hub/;Start session for user 'CORP\\jdoe'"
	for _, d := range []string{"/qseow-unknown/;x", good, "/qseow-engine/;1;2", "\xff\xfe", good} {
		_, err := conn.Write([]byte(d))
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return len(c.records(t)) == 2 }, 30*time.Second, 100*time.Millisecond)
	require.Eventually(t, func() bool {
		return c.metric(t, "otelcol_receiver_qliksense_events_datagrams_rejected") == 3
	}, 30*time.Second, 100*time.Millisecond)
	for _, reason := range []string{"unknown_marker", "field_count", "invalid_utf8"} {
		assert.Equal(t, 1.0, c.metric(t, "otelcol_receiver_qliksense_events_datagrams_rejected", `reason="`+reason+`"`), reason)
	}
}
