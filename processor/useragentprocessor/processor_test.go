package useragentprocessor

import (
	"context"
	"flag"
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/senseops/senseops-collector/internal/senseevent"
	"github.com/senseops/senseops-collector/processor/useragentprocessor/internal/metadata"
	"github.com/senseops/senseops-collector/processor/useragentprocessor/internal/metadatatest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/expected")

// receiverGolden is the qliksense_events receiver's output for the user-event
// samples; testdata/input/user-events.yaml is a copy of it, so that a change
// in the receiver does not silently rewrite this processor's expectations.
const receiverGolden = "../../receiver/qliksenseeventsreceiver/testdata/golden/user-events.yaml"

// newTestProcessor builds the processor through the factory, as the
// collector does, and returns it with the sink it feeds.
func newTestProcessor(t *testing.T, cfg *Config, set processor.Settings) (processor.Logs, *consumertest.LogsSink) {
	t.Helper()
	require.NoError(t, cfg.Validate())
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, p.Shutdown(context.Background())) })
	return p, sink
}

func defaultConfig() *Config { return createDefaultConfig().(*Config) }

func TestGolden(t *testing.T) {
	overwrite := defaultConfig()
	overwrite.Overwrite = true
	tests := []struct {
		input, expected string
		cfg             *Config
	}{
		{"user-events.yaml", "user-events.yaml", defaultConfig()},
		{"edge-cases.yaml", "edge-cases.yaml", defaultConfig()},
		{"edge-cases.yaml", "edge-cases-overwrite.yaml", overwrite},
	}
	for _, tt := range tests {
		t.Run(tt.expected, func(t *testing.T) {
			in, err := golden.ReadLogs(filepath.Join("testdata", "input", tt.input))
			require.NoError(t, err)
			p, sink := newTestProcessor(t, tt.cfg, processortest.NewNopSettings(metadata.Type))
			require.NoError(t, p.ConsumeLogs(context.Background(), in))
			require.Len(t, sink.AllLogs(), 1)
			got := sink.AllLogs()[0]

			expectedFile := filepath.Join("testdata", "expected", tt.expected)
			if *update {
				require.NoError(t, golden.WriteLogs(t, expectedFile, got))
			}
			want, err := golden.ReadLogs(expectedFile)
			require.NoError(t, err)
			require.NoError(t, plogtest.CompareLogs(want, got))
		})
	}
}

// TestReceiverOutput runs the receiver's current golden output (not the
// copy) through the processor, so a change in what the receiver emits for
// the samples shows up here: every record with a user agent must come out
// with a browser and an operating system.
func TestReceiverOutput(t *testing.T) {
	in, err := golden.ReadLogs(receiverGolden)
	require.NoError(t, err)
	p, sink := newTestProcessor(t, defaultConfig(), processortest.NewNopSettings(metadata.Type))
	require.NoError(t, p.ConsumeLogs(context.Background(), in))
	withUA := 0
	forEachRecord(sink.AllLogs()[0], func(lr plog.LogRecord) {
		if _, ok := lr.Attributes().Get(attrOriginal); !ok {
			return
		}
		withUA++
		for _, k := range []string{attrName, attrVersion, attrVersionMajor, attrOSName, attrOSVersion, attrMobile} {
			_, ok := lr.Attributes().Get(k)
			assert.True(t, ok, "record %q lacks %s", lr.Body().AsString(), k)
		}
	})
	assert.Equal(t, 3, withUA, "the samples hold three connection events with a user agent")
}

// TestTableThroughProcessor checks that every case of the parser table ends
// up on a record exactly as expected: the attributes present, their types,
// and nothing added when nothing is recognised.
func TestTableThroughProcessor(t *testing.T) {
	p, sink := newTestProcessor(t, defaultConfig(), processortest.NewNopSettings(metadata.Type))
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, c := range uaCases {
		lr := lrs.AppendEmpty()
		lr.Body().SetStr(c.desc)
		lr.Attributes().PutStr(attrOriginal, c.ua)
	}
	require.NoError(t, p.ConsumeLogs(context.Background(), ld))

	got := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, len(uaCases), got.Len())
	for i, c := range uaCases {
		want := map[string]any{attrOriginal: c.ua}
		if w := c.want(); w.recognized {
			put := func(k, v string) {
				if v != "" {
					want[k] = v
				}
			}
			put(attrName, c.name)
			put(attrVersion, c.version)
			put(attrOSName, c.osName)
			put(attrOSVersion, c.osVersion)
			if c.major != 0 {
				want[attrVersionMajor] = c.major
			}
			want[attrMobile] = c.mobile
			if c.bot {
				want[attrSyntheticType] = "bot"
			}
		}
		assert.Equal(t, want, got.At(i).Attributes().AsRaw(), c.desc)
	}
}

func TestCustomSourceAttribute(t *testing.T) {
	cfg := defaultConfig()
	cfg.SourceAttribute = "http.user_agent"
	p, sink := newTestProcessor(t, cfg, processortest.NewNopSettings(metadata.Type))

	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	lrs.AppendEmpty().Attributes().PutStr("http.user_agent", uaSafariIPhone)
	lrs.AppendEmpty().Attributes().PutStr(attrOriginal, uaSafariIPhone) // not the configured source
	require.NoError(t, p.ConsumeLogs(context.Background(), ld))

	got := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	assert.Equal(t, map[string]any{
		"http.user_agent": uaSafariIPhone,
		attrName:          "Safari",
		attrVersion:       "17.3",
		attrVersionMajor:  int64(17),
		attrOSName:        "iOS",
		attrOSVersion:     "17.3",
		attrMobile:        true,
	}, got.At(0).Attributes().AsRaw())
	assert.Equal(t, map[string]any{attrOriginal: uaSafariIPhone}, got.At(1).Attributes().AsRaw())
}

// TestOverwrite checks the two policies on a record that already carries
// some target attributes, including one of another type.
func TestOverwrite(t *testing.T) {
	for _, overwrite := range []bool{false, true} {
		t.Run(map[bool]string{false: "keep", true: "overwrite"}[overwrite], func(t *testing.T) {
			cfg := defaultConfig()
			cfg.Overwrite = overwrite
			p, sink := newTestProcessor(t, cfg, processortest.NewNopSettings(metadata.Type))
			ld := plog.NewLogs()
			attrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Attributes()
			attrs.PutStr(attrOriginal, uaChromeWindows)
			attrs.PutStr(attrName, "Custom")
			attrs.PutStr(attrVersionMajor, "one-two-two")
			attrs.PutBool(attrMobile, true)
			require.NoError(t, p.ConsumeLogs(context.Background(), ld))

			got := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().AsRaw()
			want := map[string]any{
				attrOriginal:     uaChromeWindows,
				attrName:         "Custom",
				attrVersion:      "122.0.0.0",
				attrVersionMajor: "one-two-two",
				attrOSName:       "Windows",
				attrOSVersion:    "10",
				attrMobile:       true,
			}
			if overwrite {
				want[attrName] = "Chrome"
				want[attrVersionMajor] = int64(122)
				want[attrMobile] = false
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestTelemetry(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	p, _ := newTestProcessor(t, defaultConfig(), metadatatest.NewSettings(tel))

	in, err := golden.ReadLogs(filepath.Join("testdata", "input", "edge-cases.yaml"))
	require.NoError(t, err)
	for range 2 {
		ld := plog.NewLogs()
		in.CopyTo(ld)
		require.NoError(t, p.ConsumeLogs(context.Background(), ld))
	}

	// edge-cases.yaml: 10 records; 6 with a non-blank string user agent, of
	// which 5 distinct recognised (Edge, Chrome, Googlebot, Samsung, curl)
	// and 1 unrecognised. All 6 miss on the first pass and hit on the second.
	dp := func(v int64) []metricdata.DataPoint[int64] { return []metricdata.DataPoint[int64]{{Value: v}} }
	metadatatest.AssertEqualProcessorUserAgentCacheMisses(t, tel, dp(6), metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorUserAgentCacheHits(t, tel, dp(6), metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorUserAgentRecordsEnriched(t, tel, dp(10), metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorUserAgentRecordsUnrecognized(t, tel, dp(2), metricdatatest.IgnoreTimestamp())
}

func TestNoCacheParsesEveryRecord(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	cfg := defaultConfig()
	cfg.CacheSize = 0
	p, sink := newTestProcessor(t, cfg, metadatatest.NewSettings(tel))
	ld := recordsWith(uaChromeWindows, uaChromeWindows, uaChromeWindows)
	require.NoError(t, p.ConsumeLogs(context.Background(), ld))

	metadatatest.AssertEqualProcessorUserAgentCacheMisses(t, tel, []metricdata.DataPoint[int64]{{Value: 3}}, metricdatatest.IgnoreTimestamp())
	_, err := tel.GetMetric("otelcol_processor_user_agent_cache_hits")
	require.Error(t, err, "no hits are recorded without a cache")
	forEachRecord(sink.AllLogs()[0], func(lr plog.LogRecord) {
		v, ok := lr.Attributes().Get(attrName)
		require.True(t, ok)
		assert.Equal(t, "Chrome", v.Str())
	})
}

// recordsWith returns logs with one record per user agent.
func recordsWith(uas ...string) plog.Logs {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, ua := range uas {
		lrs.AppendEmpty().Attributes().PutStr(attrOriginal, ua)
	}
	return ld
}

func forEachRecord(ld plog.Logs, f func(plog.LogRecord)) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				f(lrs.At(k))
			}
		}
	}
}

// The default source is the attribute the qliksense_events receiver sets.
func TestDefaultSourceIsTheReceiversAttribute(t *testing.T) {
	assert.Equal(t, senseevent.AttrUserAgentOriginal, defaultConfig().SourceAttribute)
}

// TestQuotedUserAgent: Sense writes the user agent in quotes (UserAgent:
// '...'); a value that still has them (another source, or a message cut
// after the agent) is read without them, as Butler SOS did, and shares the
// unquoted string's cache entry.
func TestQuotedUserAgent(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	p, sink := newTestProcessor(t, defaultConfig(), metadatatest.NewSettings(tel))
	quoted := []string{"'" + uaChromeWindows + "'", `"` + uaChromeWindows + `"`, " '" + uaChromeWindows + "' ", uaChromeWindows + "'"}
	require.NoError(t, p.ConsumeLogs(context.Background(), recordsWith(quoted...)))
	i := 0
	forEachRecord(sink.AllLogs()[0], func(lr plog.LogRecord) {
		assert.Equal(t, map[string]any{
			attrOriginal:     quoted[i],
			attrName:         "Chrome",
			attrVersion:      "122.0.0.0",
			attrVersionMajor: int64(122),
			attrOSName:       "Windows",
			attrOSVersion:    "10",
			attrMobile:       false,
		}, lr.Attributes().AsRaw(), quoted[i])
		i++
	})
	metadatatest.AssertEqualProcessorUserAgentCacheMisses(t, tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())

	// quotes alone are blank
	require.NoError(t, p.ConsumeLogs(context.Background(), recordsWith("''", `""`, "'")))
	forEachRecord(sink.AllLogs()[1], func(lr plog.LogRecord) {
		assert.Equal(t, 1, lr.Attributes().Len(), "nothing added")
	})
}
