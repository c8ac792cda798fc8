package logcategorizationprocessor

import (
	"context"
	"flag"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/senseops/senseops-collector/processor/logcategorizationprocessor/internal/metadata"
	"github.com/senseops/senseops-collector/processor/logcategorizationprocessor/internal/metadatatest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// receiverGolden holds the qliksense_events receiver's records for the
// sample datagrams in testdata/udp at the repository root: the records this
// processor gets in a real pipeline.
const receiverGolden = "../../receiver/qliksenseeventsreceiver/testdata/golden"

var sampleFiles = []string{"log-engine", "log-proxy", "log-repository", "log-scheduler", "log-qix-perf", "user-events", "edge-cases"}

// loadConfig reads the named configuration from testdata/config.yaml.
func loadConfig(t testing.TB, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	id := component.NewID(metadata.Type)
	if name != "" {
		id = component.NewIDWithName(metadata.Type, name)
	}
	sub, err := cm.Sub(id.String())
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

type testProcessor struct {
	processor.Logs
	sink *consumertest.LogsSink
	tel  *componenttest.Telemetry
}

func newTestProcessor(t testing.TB, cfg *Config) *testProcessor {
	t.Helper()
	require.NoError(t, cfg.Validate())
	tp := &testProcessor{sink: new(consumertest.LogsSink), tel: componenttest.NewTelemetry()}
	t.Cleanup(func() { require.NoError(t, tp.tel.Shutdown(context.Background())) })
	p, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(tp.tel), cfg, tp.sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, p.Shutdown(context.Background())) })
	tp.Logs = p
	return tp
}

// process runs ld through the processor and returns what it passed on
// (an empty plog.Logs when it passed nothing).
func (tp *testProcessor) process(t testing.TB, ld plog.Logs) plog.Logs {
	t.Helper()
	tp.sink.Reset()
	require.NoError(t, tp.ConsumeLogs(context.Background(), ld))
	all := tp.sink.AllLogs()
	require.LessOrEqual(t, len(all), 1)
	if len(all) == 0 {
		return plog.NewLogs()
	}
	return all[0]
}

// TestSamples runs the receiver's records for every sample datagram through
// the Butler SOS rule set (pasted and snake_case: the same output) and
// through a rule set that uses the extensions, and compares with
// testdata/expected/<config>/<sample>.yaml. -update rewrites those files.
func TestSamples(t *testing.T) {
	for _, name := range []string{"butler", "snake", "extended"} {
		expectedDir := name
		if name == "snake" {
			expectedDir = "butler"
		}
		tp := newTestProcessor(t, loadConfig(t, name))
		for _, sample := range sampleFiles {
			t.Run(name+"/"+sample, func(t *testing.T) {
				in, err := golden.ReadLogs(filepath.Join(receiverGolden, sample+".yaml"))
				require.NoError(t, err)
				got := tp.process(t, in)
				file := filepath.Join("testdata", "expected", expectedDir, sample+".yaml")
				if *update && name != "snake" {
					require.NoError(t, golden.WriteLogs(t, file, got))
				}
				want, err := golden.ReadLogs(file)
				require.NoError(t, err)
				require.NoError(t, plogtest.CompareLogs(want, got))
			})
		}
	}
}

// TestSampleCategories spells out what the golden files hold for the Butler
// SOS rule set, one line per sample record, so a change is read here.
func TestSampleCategories(t *testing.T) {
	tp := newTestProcessor(t, loadConfig(t, "butler"))
	want := map[string][]string{
		"log-engine": {
			"WARN Document 5b817efe-472d-43ce-8a31-6cce34af7de9 could not be opened: access denied for user CORP\\guest1 => qs_log_category=access-denied",
			"ERROR Failed to allocate memory while calculating object rwPjBk in app e7af59a0-c243-480d-9571-08727551a66f => qs_log_category=resource-limit",
			// the idle-session WARN is dropped
		},
		"log-proxy": {
			"WARN Access was denied for User: 'CORP\\guest1', with AccessID '7a9d0e12', SessionID: 'c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d10', SessionCreated: '2024-03-12 10:05:01', Resource: '/app/5b817efe-472d-43ce-8a31-6cce34af7de9' => qs_log_category=access-denied",
			"ERROR Failed to forward request to engine at qs-rim-02.corp.example:4747 => qs_log_category=node-communication",
			"WARN Client certificate was not trusted => qs_log_category=unknown",
		},
		"log-repository": {
			"WARN Failed to request service alive response from https://qs-rim-02.corp.example:4747/engine/healthcheck => qs_log_category=node-communication",
			"WARN Duplicate entity with userId 'asmith' found in user directory 'CORP' - entity skipped => qs_log_category=user-sync",
			"ERROR Professional access allocation failed: no available access passes => qs_log_category=resource-limit,license qs_log_team=platform",
		},
		"log-scheduler": {
			"ERROR Message from ReloadProvider: Reload failed in Engine. Check engine or script logs. => qs_log_category=reload-failure qs_log_team=apps",
			"WARN Task finished with state FinishedFail => qs_log_category=reload-failure qs_log_team=apps",
			"WARN Task was aborted by user => qs_log_category=unknown",
		},
		"log-qix-perf": {
			"INFO GenericObject::GetLayout => qs_log_category=unknown",
			"INFO Global::OpenApp => qs_log_category=unknown",
			"INFO Doc::DoReload => qs_log_category=unknown",
			"INFO GenericObject::GetHyperCubeData => qs_log_category=unknown",
		},
	}
	for sample, lines := range want {
		in, err := golden.ReadLogs(filepath.Join(receiverGolden, sample+".yaml"))
		require.NoError(t, err)
		assert.Equal(t, lines, describe(tp.process(t, in)), sample)
	}
	in, err := golden.ReadLogs(filepath.Join(receiverGolden, "user-events.yaml"))
	require.NoError(t, err)
	for _, line := range describe(tp.process(t, in)) {
		assert.True(t, strings.HasSuffix(line, "=>"), "user events get no category: %s", line)
	}
}

// describe lists each record as "LEVEL body => name=value ...".
func describe(ld plog.Logs) []string {
	var out []string
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				line := strings.TrimSpace(lr.SeverityText() + " " + lr.Body().AsString() + " =>")
				for k, v := range lr.Attributes().All() {
					if name, ok := strings.CutPrefix(k, CategoryAttributePrefix); ok {
						line += " " + name + "=" + v.AsString()
					}
				}
				out = append(out, line)
			}
		}
	}
	return out
}

func TestTelemetryCountsDroppedAndCategorized(t *testing.T) {
	tp := newTestProcessor(t, loadConfig(t, "butler"))
	for _, sample := range []string{"log-engine", "log-engine", "log-repository"} {
		in, err := golden.ReadLogs(filepath.Join(receiverGolden, sample+".yaml"))
		require.NoError(t, err)
		tp.process(t, in)
	}
	metadatatest.AssertEqualProcessorLogCategorizationRecordsDropped(t, tp.tel, []metricdata.DataPoint[int64]{
		{Value: 2, Attributes: attribute.NewSet(attribute.String("rule", "Idle sessions are noise"))},
	}, metricdatatest.IgnoreTimestamp())
	pair := func(n int64, name, value string) metricdata.DataPoint[int64] {
		return metricdata.DataPoint[int64]{Value: n, Attributes: attribute.NewSet(
			attribute.String("category", name), attribute.String("value", value))}
	}
	metadatatest.AssertEqualProcessorLogCategorizationRecordsCategorized(t, tp.tel, []metricdata.DataPoint[int64]{
		pair(2, "qs_log_category", "access-denied"),
		pair(3, "qs_log_category", "resource-limit"),
		pair(1, "qs_log_category", "license"),
		pair(1, "qs_log_team", "platform"),
		pair(1, "qs_log_category", "node-communication"),
		pair(1, "qs_log_category", "user-sync"),
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

func TestDropRemovesEmptiedContainersOnly(t *testing.T) {
	cfg := &Config{Enable: true, Rules: []RuleConfig{{
		LogLevel: []string{"warn"}, Action: "drop", Filter: []FilterConfig{{Type: "so", Value: "noise"}},
	}}}
	tp := newTestProcessor(t, cfg)

	ld := plog.NewLogs()
	// resource 0: only noise -> removed
	addRecord(ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty(), "WARN", "noise")
	// resource 1: one kept, one dropped; plus a scope that was already empty
	rl := ld.ResourceLogs().AppendEmpty()
	sl := rl.ScopeLogs().AppendEmpty()
	addRecord(sl, "WARN", "noise")
	addRecord(sl, "WARN", "signal")
	rl.ScopeLogs().AppendEmpty()
	got := tp.process(t, ld)
	require.Equal(t, 1, got.ResourceLogs().Len())
	assert.Equal(t, 2, got.ResourceLogs().At(0).ScopeLogs().Len(), "the scope that came empty stays")
	assert.Equal(t, []string{"WARN signal =>"}, describe(got))

	// everything dropped: nothing is passed on
	ld = plog.NewLogs()
	addRecord(ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty(), "WARN", "noise")
	tp.sink.Reset()
	require.NoError(t, tp.ConsumeLogs(context.Background(), ld))
	assert.Empty(t, tp.sink.AllLogs())
	metadatatest.AssertEqualProcessorLogCategorizationRecordsDropped(t, tp.tel, []metricdata.DataPoint[int64]{
		{Value: 3, Attributes: attribute.NewSet(attribute.String("rule", "rules[0]"))},
	}, metricdatatest.IgnoreTimestamp())
}

func TestDisabledPassesEverythingOn(t *testing.T) {
	cfg := loadConfig(t, "butler")
	cfg.Enable = false
	tp := newTestProcessor(t, cfg)
	in, err := golden.ReadLogs(filepath.Join(receiverGolden, "log-engine.yaml"))
	require.NoError(t, err)
	want, err := golden.ReadLogs(filepath.Join(receiverGolden, "log-engine.yaml"))
	require.NoError(t, err)
	require.NoError(t, plogtest.CompareLogs(want, tp.process(t, in)))
}

func TestInvalidConfigRefusesToCreate(t *testing.T) {
	cfg := &Config{Enable: true, Rules: []RuleConfig{{Description: "bad", LogLevel: []string{"warn"}, Action: "keep"}}}
	_, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(componenttest.NewTelemetry()), cfg, consumertest.NewNop())
	require.ErrorContains(t, err, `rules[0] ("bad"): action: "keep" is not categorise or drop`)
}

func addRecord(sl plog.ScopeLogs, level, body string, attrs ...string) plog.LogRecord {
	lr := sl.LogRecords().AppendEmpty()
	lr.SetSeverityText(level)
	lr.Body().SetStr(body)
	for i := 0; i+1 < len(attrs); i += 2 {
		lr.Attributes().PutStr(attrs[i], attrs[i+1])
	}
	return lr
}

// TestConcurrentUse: the processor may be called from several pipelines at
// once; the engine, its cache of merged results and the scratch pool must
// hold up (run with -race).
func TestConcurrentUse(t *testing.T) {
	cfg := loadConfig(t, "butler")
	p, err := newProcessor(cfg, componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	in, err := golden.ReadLogs(filepath.Join(receiverGolden, "log-repository.yaml"))
	require.NoError(t, err)
	want := plog.NewLogs()
	in.CopyTo(want)
	want, err = p.processLogs(context.Background(), want)
	require.NoError(t, err)

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				ld := plog.NewLogs()
				in.CopyTo(ld)
				got, err := p.processLogs(context.Background(), ld)
				assert.NoError(t, err)
				assert.NoError(t, plogtest.CompareLogs(want, got))
			}
		})
	}
	wg.Wait()
}

// TestLevelSpellings: the Butler SOS rule set on records as the
// qliksense_events receiver writes them (severity text as Sense sent it,
// severity number from it). WARNING and lower-case levels are warn, so the
// warn rules see them and they do not fall to the default.
func TestLevelSpellings(t *testing.T) {
	tp := newTestProcessor(t, loadConfig(t, "butler"))
	const denied = "Access was denied for User: 'CORP\\guest1'"
	for _, tt := range []struct {
		text   string
		number plog.SeverityNumber
		want   string
	}{
		{"WARN", plog.SeverityNumberWarn, "qs_log_category=access-denied"},
		{"warn", plog.SeverityNumberWarn, "qs_log_category=access-denied"},
		{"WARNING", plog.SeverityNumberWarn, "qs_log_category=access-denied"},
		{"Warning", plog.SeverityNumberUnspecified, "qs_log_category=access-denied"},
		{"error", plog.SeverityNumberError, "qs_log_category=access-denied"},
		{"", plog.SeverityNumberWarn2, "qs_log_category=access-denied"},
		{"FATAL", plog.SeverityNumberFatal, "qs_log_category=unknown"},
	} {
		t.Run(tt.text, func(t *testing.T) {
			ld := plog.NewLogs()
			lr := addRecord(ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty(), tt.text, denied)
			lr.SetSeverityNumber(tt.number)
			got := describe(tp.process(t, ld))
			require.Len(t, got, 1)
			assert.Equal(t, strings.TrimSpace(tt.text+" "+denied+" => "+tt.want), got[0])
		})
	}
}
