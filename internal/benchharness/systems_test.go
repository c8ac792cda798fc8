//go:build linux

package benchharness

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/senseops/senseops-collector/internal/citest"
	"github.com/senseops/senseops-collector/internal/sensesim"
)

const collectorBinary = "../../_build/otelcol-senseops/otelcol-senseops"

const componentsOutput = `buildinfo:
    command: otelcol-senseops
    version: 0.1.0
receivers:
    - name: otlp
      module: go.opentelemetry.io/collector/receiver/otlpreceiver v0.161.0
      stability:
        logs: Stable
    - name: qliksense_events
      module: github.com/senseops/senseops-collector v0.0.0
    - name: udp_log
      module: github.com/open-telemetry/opentelemetry-collector-contrib/receiver/udplogreceiver v0.161.0
processors:
    - name: batch
      module: go.opentelemetry.io/collector/processor/batchprocessor v0.161.0
    - name: memory_limiter
      module: go.opentelemetry.io/collector/processor/memorylimiterprocessor v0.161.0
    - name: user_agent
      module: github.com/senseops/senseops-collector v0.0.0
exporters:
    - name: otlp_http
      module: go.opentelemetry.io/collector/exporter/otlphttpexporter v0.161.0
connectors:
    - name: qliksense_metrics
      module: github.com/senseops/senseops-collector v0.0.0
      stability:
        logs-to-metrics: Alpha
`

func TestParseComponents(t *testing.T) {
	c := Components(ParseComponents(componentsOutput))
	assert.True(t, c.Has("receivers", "qliksense_events"))
	assert.True(t, c.Has("processors", "user_agent"))
	assert.False(t, c.Has("processors", "log_categorization"))
	assert.True(t, c.Has("connectors", "qliksense_metrics"))
	assert.False(t, c.Has("buildinfo", "command"))
	assert.Equal(t, "go.opentelemetry.io/collector/receiver/otlpreceiver v0.161.0", c["receivers"]["otlp"])
	assert.Equal(t, []string{"processors/log_categorization", "receivers/nope"},
		c.Missing(map[string][]string{"receivers": {"udp_log", "nope"}, "processors": {"batch", "log_categorization"}}))
}

func TestSenseOpsSystemAddsCategorizationWhenPresent(t *testing.T) {
	without := SenseOpsSystem(Components(ParseComponents(componentsOutput)))
	require.Len(t, without.Warnings, 1)
	assert.Contains(t, without.Warnings[0], "log_categorization")
	cfg := without.Config(ConfigParams{UDPPort: 9, MetricsPort: 10, LogsURL: "http://127.0.0.1:11/s1/v1/logs"})
	assert.NotContains(t, cfg, "log_categorization")
	assert.Contains(t, cfg, "processors: [memory_limiter, user_agent, batch]")
	assert.Contains(t, cfg, "endpoint: 127.0.0.1:9\n")
	assert.Contains(t, cfg, "logs_endpoint: http://127.0.0.1:11/s1/v1/logs")
	assert.Contains(t, cfg, "prometheus: {host: 127.0.0.1, port: 10}")

	c := Components(ParseComponents(componentsOutput))
	c["processors"]["log_categorization"] = "github.com/senseops/senseops-collector v0.0.0"
	with := SenseOpsSystem(c)
	assert.Empty(t, with.Warnings)
	cfg = with.Config(ConfigParams{UDPPort: 9, MetricsPort: 10, LogsURL: "http://x/v1/logs"})
	assert.Contains(t, cfg, "processors: [memory_limiter, log_categorization, user_agent, batch]")
	assert.Equal(t, 10, strings.Count(cfg, "- description:"), "the 10-rule set")
	assert.Contains(t, with.Description, "log_categorization (10 rules)")
}

// The stock regexes split every simulated datagram: each one matches
// exactly one of them, and the fields come out right.
func TestStockRegexesSplitTheSimulatorsMix(t *testing.T) {
	logRe, userRe := regexp.MustCompile(StockLogRegex), regexp.MustCompile(StockUserRegex)
	gen, err := sensesim.NewGenerator(3, sensesim.Options{})
	require.NoError(t, err)
	kinds := map[string]int{}
	for range 2000 {
		ev := gen.Next()
		line := string(ev.Payload)
		lm, um := logRe.FindStringSubmatch(line), userRe.FindStringSubmatch(line)
		if ev.Kind.IsUserEvent() {
			require.Nil(t, lm, line)
			require.NotNil(t, um, line)
			assert.Equal(t, ev.Host, um[userRe.SubexpIndex("host")])
			assert.True(t, strings.HasSuffix(line, um[userRe.SubexpIndex("message")]))
			kinds[um[userRe.SubexpIndex("source")]]++
			continue
		}
		require.Nil(t, um, line)
		require.NotNil(t, lm, line)
		assert.Equal(t, ev.Host, lm[logRe.SubexpIndex("host")], line)
		assert.Contains(t, []string{"INFO", "WARN", "ERROR", "FATAL", "DEBUG"}, lm[logRe.SubexpIndex("level")], line)
		assert.Regexp(t, `^\d{8}T\d{6}`, lm[logRe.SubexpIndex("timestamp")])
		kinds[lm[logRe.SubexpIndex("source")]]++
	}
	assert.Len(t, kinds, 7, "%v", kinds)
}

func TestDescribeDefaults(t *testing.T) {
	type batch struct {
		MaxSize int           `mapstructure:"max_size"`
		Timeout time.Duration `mapstructure:"timeout"`
	}
	type cfg struct {
		Endpoint string   `mapstructure:"endpoint"`
		Buffer   int      `mapstructure:"receive_buffer_size"`
		Readers  int      `mapstructure:"readers"`
		Sources  []string `mapstructure:"allowed_sources"`
		Batch    batch    `mapstructure:"batch"`
		_        struct{}
	}
	got := DescribeDefaults(&cfg{Endpoint: "x:1", Buffer: 4 << 20, Batch: batch{MaxSize: 1000, Timeout: 200 * time.Millisecond}}, "endpoint")
	assert.Equal(t, "receive_buffer_size=4194304, batch.max_size=1000, batch.timeout=200ms", got)
}

// Both generated configs are valid for the built collector (skipped when
// it is not built).
func TestConfigsValidateWithBinary(t *testing.T) {
	bin, err := filepath.Abs(collectorBinary)
	require.NoError(t, err)
	if _, err := os.Stat(bin); err != nil {
		citest.Unavailable(t, "%s not built; run make build (make test builds it first)", bin)
	}
	out, err := exec.Command(bin, "components").Output()
	require.NoError(t, err)
	comps := Components(ParseComponents(string(out)))
	for _, sys := range []*System{SenseOpsSystem(comps), StockSystem()} {
		t.Run(sys.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			cfg := sys.Config(ConfigParams{UDPPort: 39996, MetricsPort: 38888, LogsURL: "http://127.0.0.1:34318/s1/v1/logs"})
			require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
			out, err := exec.Command(bin, "validate", "--config="+path).CombinedOutput()
			require.NoError(t, err, "%s\n%s", out, cfg)
		})
	}
}

// The exporter refuses a request larger than its whole queue (items), even
// with block_on_overflow, and the batch processor then drops the batch. A
// batch with no send_batch_max_size is unbounded: send_batch_size plus what
// the last ConsumeLogs added (udp_log hands on up to 100 entries at a
// time), so the stock pipeline lost whole batches of ~8,192 records as soon
// as it ran above ~41,000 records/s (8,192 in the 200 ms timeout).
func TestBatchRequestsFitTheExporterQueue(t *testing.T) {
	c := Components(ParseComponents(componentsOutput))
	c["processors"]["log_categorization"] = "x"
	for _, sys := range []*System{SenseOpsSystem(c), StockSystem()} {
		t.Run(sys.Name, func(t *testing.T) {
			var cfg struct {
				Processors struct {
					Batch struct {
						Size    int `yaml:"send_batch_size"`
						MaxSize int `yaml:"send_batch_max_size"`
					} `yaml:"batch"`
				} `yaml:"processors"`
				Exporters struct {
					OTLP struct {
						Queue struct {
							Sizer string `yaml:"sizer"`
							Size  int    `yaml:"queue_size"`
						} `yaml:"sending_queue"`
					} `yaml:"otlp_http"`
				} `yaml:"exporters"`
			}
			require.NoError(t, yaml.Unmarshal([]byte(sys.Config(ConfigParams{UDPPort: 1, MetricsPort: 2, LogsURL: "http://x/v1/logs"})), &cfg))
			require.Equal(t, "items", cfg.Exporters.OTLP.Queue.Sizer)
			b := cfg.Processors.Batch
			assert.Positive(t, b.MaxSize, "send_batch_max_size must bound the requests")
			assert.LessOrEqual(t, b.MaxSize, cfg.Exporters.OTLP.Queue.Size)
			if b.Size == 0 {
				b.Size = 8192 // the batch processor's default
			}
			assert.LessOrEqual(t, b.Size, b.MaxSize)
		})
	}
}
