package qliksensemetricsconnector

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/senseops/senseops-collector/connector/qliksensemetricsconnector/internal/metadatatest"
	"github.com/senseops/senseops-collector/internal/senseevent"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func defaultConfig() *Config { return createDefaultConfig().(*Config) }

// TestSamplesGolden feeds the receiver's output for every sample datagram
// through the connector and compares the metrics with the golden files.
func TestSamplesGolden(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		extra  func(t *testing.T) []plog.Logs
	}{
		{name: "default", mutate: func(*Config) {}},
		{
			// Butler-style filter (only layouts and hypercubes of Sales
			// forecast, every method elsewhere but reloads), every dimension
			// including the host and object id, and categorized log events.
			name: "filtered",
			mutate: func(c *Config) {
				c.Qix.Dimensions = append([]string{attrHost}, append(c.Qix.Dimensions, senseevent.AttrObjectID)...)
				c.Events.Categories = []string{"qs_log_category"}
				c.Qix.MonitorFilter = MonitorFilterConfig{
					AppSpecific: AppSpecificConfig{Enable: true, App: []AppEntryConfig{{
						Include: []AppMatchConfig{{AppID: appSales}},
						Method:  &MethodRule{SomeMethodsInclude: []string{"GenericObject::GetLayout", "GenericObject::GetHyperCubeData"}},
					}}},
					AllApps: AllAppsConfig{Enable: true, AppExclude: []AppMatchConfig{{AppID: appSales}}, Method: &MethodRule{AllMethods: true, AllMethodsExclude: []string{"Doc::DoReload"}}},
				}
			},
			extra: func(*testing.T) []plog.Logs {
				return []plog.Logs{engineBatch("QS-CENTRAL-01",
					engineLog("ERROR", "System.Engine.Engine", "qs_log_category", "resource-limit", "qs_log_team", "platform"),
					engineLog("ERROR", "System.Engine.Engine", "qs_log_category", "resource-limit"),
					engineLog("WARN", "System.Engine.Engine", "qs_log_team", "platform"),
					qixRec(appInventory, "Doc::DoReload", "<Unknown>", "<Unknown>", 1500),
					qixRec(appInventory, "GenericObject::GetLayout", "kpi", "Xy12", 3, 2, 0, 0.5, 1),
				)}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultConfig()
			tt.mutate(cfg)
			h := newHarness(t, cfg)
			h.consume(samples(t)...)
			if tt.extra != nil {
				h.consume(tt.extra(t)...)
			}
			got := h.collect()
			file := filepath.Join("testdata", "expected", tt.name+".yaml")
			if *update {
				require.NoError(t, golden.WriteMetrics(t, file, got))
			}
			want, err := golden.ReadMetrics(file)
			require.NoError(t, err)
			require.NoError(t, pmetrictest.CompareMetrics(want, got,
				pmetrictest.IgnoreTimestamp(), pmetrictest.IgnoreStartTimestamp(),
				pmetrictest.IgnoreMetricsOrder(), pmetrictest.IgnoreMetricDataPointsOrder(),
				pmetrictest.IgnoreScopeVersion()))
		})
	}
}

func TestEventCounts(t *testing.T) {
	h := newHarness(t, defaultConfig())
	h.consume(samples(t)...)
	got := numbers(t, h.collect(), metricEvents)
	// Engine warnings and errors, by host and subsystem and level.
	assert.Equal(t, 1.0, got["qliksense.event.type=log,qliksense.host=QS-CENTRAL-01,qliksense.log.level=ERROR,qliksense.source=qseow-engine,qliksense.subsystem=System.Engine.Engine"])
	assert.Equal(t, 2.0, got["qliksense.event.type=log,qliksense.host=QS-CENTRAL-01,qliksense.log.level=WARN,qliksense.source=qseow-engine,qliksense.subsystem=System.Engine.Engine"], "log-engine and edge-cases")
	// Every qix-perf record is counted, accepted or not.
	assert.Equal(t, 4.0, got["qliksense.event.type=log,qliksense.host=QS-CENTRAL-01,qliksense.log.level=INFO,qliksense.source=qseow-qix-perf,qliksense.subsystem=QixPerformance.Engine.Engine"])
	// User events: subsystem is the origin, no level.
	assert.Equal(t, 3.0, got["qliksense.event.type=user,qliksense.host=QS-PROXY-01,qliksense.source=qseow-proxy-connection,qliksense.subsystem=AppAccess"])
	assert.Equal(t, 3.0, got["qliksense.event.type=user,qliksense.host=QS-PROXY-01,qliksense.source=qseow-proxy-session,qliksense.subsystem=AppAccess"])
	assert.Equal(t, 1.0, got["qliksense.event.type=user,qliksense.host=QS-PROXY-02,qliksense.source=qseow-proxy-connection,qliksense.subsystem=AppAccess"])
	var total float64
	for _, v := range got {
		total += v
	}
	// 26 records, less the raw unparsed datagram that has no source.
	assert.Equal(t, 25.0, total)

	// Counts are cumulative: the same batch again doubles them, start times stay.
	before, _ := findMetric(h.collect(), metricEvents)
	h.advance(time.Minute)
	h.consume(samples(t, "log-engine")...)
	after, _ := findMetric(h.collect(), metricEvents)
	assert.Equal(t, 2.0, numbers(t, h.collect(), metricEvents)["qliksense.event.type=log,qliksense.host=QS-CENTRAL-01,qliksense.log.level=ERROR,qliksense.source=qseow-engine,qliksense.subsystem=System.Engine.Engine"])
	starts := map[string]int64{}
	for _, dp := range before.Sum().DataPoints().All() {
		starts[attrKey(dp.Attributes())] = int64(dp.StartTimestamp())
	}
	for _, dp := range after.Sum().DataPoints().All() {
		assert.Equal(t, starts[attrKey(dp.Attributes())], int64(dp.StartTimestamp()), "stable start time")
		assert.Greater(t, dp.Timestamp(), dp.StartTimestamp())
	}
}

func TestEventCategories(t *testing.T) {
	recs := []rec{
		engineLog("ERROR", "System.Engine.Engine", "qs_log_category", "resource-limit", "qs_log_team", "platform"),
		// the same categories in the other order are the same series
		{level: "ERROR", attrs: map[string]any{
			categoryPrefix + "qs_log_team": "platform", senseevent.AttrSource: "qseow-engine",
			senseevent.AttrSubsystem: "System.Engine.Engine", categoryPrefix + "qs_log_category": "resource-limit",
		}},
		engineLog("ERROR", "System.Engine.Engine", "qs_log_category", "unknown"),
		engineLog("ERROR", "System.Engine.Engine"),
	}
	const base = "qliksense.event.type=log,qliksense.host=QS-CENTRAL-01,qliksense.log.level=ERROR,qliksense.source=qseow-engine,qliksense.subsystem=System.Engine.Engine"
	t.Run("all", func(t *testing.T) {
		h := newHarness(t, defaultConfig())
		h.consume(engineBatch("QS-CENTRAL-01", recs...))
		assert.Equal(t, map[string]float64{
			"qliksense.category.qs_log_category=resource-limit,qliksense.category.qs_log_team=platform," + base: 2,
			"qliksense.category.qs_log_category=unknown," + base:                                                1,
			base: 1,
		}, numbers(t, h.collect(), metricEvents))
	})
	t.Run("listed", func(t *testing.T) {
		cfg := defaultConfig()
		cfg.Events.Categories = []string{"qs_log_category"}
		h := newHarness(t, cfg)
		h.consume(engineBatch("QS-CENTRAL-01", recs...))
		assert.Equal(t, map[string]float64{
			"qliksense.category.qs_log_category=resource-limit," + base: 2,
			"qliksense.category.qs_log_category=unknown," + base:        1,
			base: 1,
		}, numbers(t, h.collect(), metricEvents))
	})
	t.Run("none", func(t *testing.T) {
		cfg := defaultConfig()
		cfg.Events.Categories = []string{}
		h := newHarness(t, cfg)
		h.consume(engineBatch("QS-CENTRAL-01", recs...))
		assert.Equal(t, map[string]float64{base: 4}, numbers(t, h.collect(), metricEvents))
	})
}

// TestHistogramBuckets: known timings land in the right buckets; a bound is
// inclusive, and the metric is in seconds.
func TestHistogramBuckets(t *testing.T) {
	h := newHarness(t, defaultConfig())
	timings := []float64{0, 0.4, 1, 1.0001, 5, 812.4, 1000, 4180.2, 60000, 91234}
	recs := make([]rec, 0, len(timings)+2)
	for _, ms := range timings {
		recs = append(recs, qixRec(appSales, "GenericObject::GetLayout", "barchart", "rwPjBk", ms, ms/2, 0.6, ms/10, ms/4))
	}
	// Bad values are not observed: negative, and no value at all.
	recs = append(recs, qixRec(appSales, "GenericObject::GetLayout", "barchart", "rwPjBk", -1), qixRec(appSales, "GenericObject::GetLayout", "barchart", "rwPjBk"))
	h.consume(engineBatch("QS-CENTRAL-01", recs...))
	md := h.collect()
	const key = "qliksense.app.id=" + appSales + ",qliksense.object.type=barchart,qliksense.qix.method=GenericObject::GetLayout"

	dp, ok := histograms(t, md, metricQixDuration)[key]
	require.True(t, ok, "%v", histograms(t, md, metricQixDuration))
	assert.Equal(t, []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}, dp.ExplicitBounds().AsRaw())
	//                          ≤1ms     ≤5 ≤10 ≤25 ≤50 ≤100 ≤250 ≤500 ≤1s ≤2.5s ≤5s ≤10 ≤30 ≤60 >60
	assert.Equal(t, []uint64{3, 2, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 0, 1, 1}, dp.BucketCounts().AsRaw())
	assert.Equal(t, uint64(10), dp.Count())
	var sum float64
	for _, ms := range timings {
		sum += ms
	}
	assert.InDelta(t, sum/1000, dp.Sum(), 1e-9)
	assert.Equal(t, 0.0, dp.Min())
	assert.InDelta(t, 91.234, dp.Max(), 1e-12)

	lock := histograms(t, md, metricQixLockTime)[key]
	assert.Equal(t, uint64(10), lock.Count())
	assert.Equal(t, uint64(10), lock.BucketCounts().At(0), "0.6 ms, ten times")
	for _, name := range []string{metricQixWorkTime, metricQixValidateTime, metricQixTraverseTime} {
		assert.Equal(t, uint64(10), histograms(t, md, name)[key].Count(), name)
	}
}

func TestHistogramDimensions(t *testing.T) {
	cfg := defaultConfig()
	cfg.Qix.Dimensions = []string{attrHost, senseevent.AttrObjectID, senseevent.AttrActivitySource, senseevent.AttrServiceName}
	h := newHarness(t, cfg)
	r := qixRec(appSales, "GenericObject::GetLayout", "barchart", "rwPjBk", 10)
	r.attrs[senseevent.AttrActivitySource] = "user"
	h.consume(engineBatch("QS-CENTRAL-01", r))
	got := histograms(t, h.collect(), metricQixDuration)
	assert.Contains(t, got, "qliksense.activity_source=user,qliksense.host=QS-CENTRAL-01,qliksense.object.id=rwPjBk,service.name=qliksense-engine",
		"record attributes, resource attributes and the host")
}

func TestCardinalityCap(t *testing.T) {
	cfg := defaultConfig()
	cfg.Events.MaxSeries = 2
	cfg.Qix.MaxSeries = 2
	h := newHarness(t, cfg)
	h.consume(engineBatch("QS-CENTRAL-01",
		engineLog("WARN", "A"), engineLog("WARN", "B"), engineLog("WARN", "C"), engineLog("WARN", "D"), engineLog("WARN", "A"),
		qixRec(appSales, "m1", "t", "", 1), qixRec(appSales, "m2", "t", "", 1), qixRec(appSales, "m3", "t", "", 1), qixRec(appSales, "m4", "t", "", 1),
	))
	md := h.collect()
	events := numbers(t, md, metricEvents)
	assert.Len(t, events, 3, "two series and the overflow series")
	assert.Equal(t, 2.0, events["qliksense.event.type=log,qliksense.host=QS-CENTRAL-01,qliksense.log.level=WARN,qliksense.source=qseow-engine,qliksense.subsystem=A"])
	// C and D, and the four qix-perf records (a third source/level/subsystem)
	assert.Equal(t, 6.0, events["otel.metric.overflow=true"])
	hist := histograms(t, md, metricQixDuration)
	assert.Len(t, hist, 3)
	assert.Equal(t, uint64(2), hist["otel.metric.overflow=true"].Count())

	metadatatest.AssertEqualConnectorQliksenseMetricsSeriesOverflow(t, h.tel, []metricdata.DataPoint[int64]{
		{Value: 6, Attributes: attribute.NewSet(attribute.String("metric", metricEvents))},
		{Value: 2, Attributes: attribute.NewSet(attribute.String("metric", familyQix))},
	}, metricdatatest.IgnoreTimestamp())

	// Memory stays bounded however many attribute sets arrive.
	for i := range 1000 {
		h.consume(engineBatch("QS-CENTRAL-01", engineLog("WARN", string(rune('E'+i)))))
	}
	assert.Len(t, h.c.events.series, 2)
}

func TestSeriesIdleTimeout(t *testing.T) {
	cfg := defaultConfig()
	cfg.SeriesIdleTimeout = time.Hour
	cfg.Events.MaxSeries = 1
	h := newHarness(t, cfg)
	const a = "qliksense.event.type=log,qliksense.host=QS-CENTRAL-01,qliksense.log.level=WARN,qliksense.source=qseow-engine,qliksense.subsystem=A"
	const b = "qliksense.event.type=log,qliksense.host=QS-CENTRAL-01,qliksense.log.level=WARN,qliksense.source=qseow-engine,qliksense.subsystem=B"
	h.consume(engineBatch("QS-CENTRAL-01", engineLog("WARN", "A")))
	assert.Equal(t, map[string]float64{a: 1}, numbers(t, h.collect(), metricEvents))
	h.advance(30 * time.Minute)
	assert.Equal(t, map[string]float64{a: 1}, numbers(t, h.collect(), metricEvents), "not idle long enough")
	h.advance(2 * time.Hour)
	h.consume(engineBatch("QS-CENTRAL-01", engineLog("WARN", "B")))
	assert.Equal(t, map[string]float64{"otel.metric.overflow=true": 1}, numbers(t, h.collect(), metricEvents),
		"B came while A held the only place; A is forgotten at the next emit")
	h.consume(engineBatch("QS-CENTRAL-01", engineLog("WARN", "B")))
	assert.Equal(t, map[string]float64{b: 1, "otel.metric.overflow=true": 1}, numbers(t, h.collect(), metricEvents), "A's place is free again")
}

func TestRecordsWithoutSourceAreIgnored(t *testing.T) {
	h := newHarness(t, defaultConfig())
	h.consume(batch("", "", rec{attrs: map[string]any{senseevent.AttrParseError: "unknown_marker"}}, rec{level: "WARN", attrs: map[string]any{"foo": "bar"}}))
	assert.Equal(t, 0, h.collect().MetricCount())
}

// TestUnparsedRecordsAreIgnored: the receiver's include_unparsed raw records
// keep qliksense.source when the marker is known (e.g. a datagram with too
// few fields); they are not events, so they are neither counted nor taken
// for QIX requests or session events.
func TestUnparsedRecordsAreIgnored(t *testing.T) {
	raw := func(source string) rec {
		return rec{attrs: map[string]any{
			senseevent.AttrParseError: "field_count", senseevent.AttrSource: source,
			senseevent.AttrClientAddress: "10.0.0.5", senseevent.AttrTimestampFallback: "missing",
		}}
	}
	tests := []struct {
		name string
		rec  rec
	}{
		{name: "engine", rec: raw("qseow-engine")},
		{name: "qix-perf", rec: raw(sourceQixPerf)},
		{name: "session", rec: raw(sourceProxySession)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultConfig()
			// a filter that rejects everything but Sales forecast
			cfg.Qix.MonitorFilter = specific(AppEntryConfig{Include: []AppMatchConfig{{AppID: appSales}}})
			h := newHarness(t, cfg)
			h.consume(batch("", "", tt.rec))
			md := h.collect()
			assert.Empty(t, numbers(t, md, metricEvents))
			assert.Empty(t, numbers(t, md, metricRejectedRequests))
			assert.Empty(t, h.c.qix.series)
			assert.Empty(t, h.c.sessions.hosts)
		})
	}
}

func TestDisabledFamilies(t *testing.T) {
	cfg := defaultConfig()
	cfg.Events.Enabled = false
	cfg.Qix.Enabled = false
	cfg.Sessions.Enabled = false
	h := newHarness(t, cfg)
	h.consume(samples(t)...)
	assert.Equal(t, 0, h.collect().MetricCount())
}

// TestLifecycle: metrics are emitted on the interval and once more at
// shutdown; ConsumeLogs runs concurrently with the emitter.
func TestLifecycle(t *testing.T) {
	cfg := defaultConfig()
	cfg.EmitInterval = 5 * time.Millisecond
	require.NoError(t, cfg.Validate())
	h := newHarness(t, cfg)
	h.c.now = time.Now
	require.NoError(t, h.c.Start(context.Background(), componenttest.NewNopHost()))

	const workers, rounds = 8, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				h.consume(engineBatch("QS-CENTRAL-01",
					engineLog("WARN", "System.Engine.Engine"),
					qixRec(appSales, "GenericObject::GetLayout", "barchart", "", float64(w*i)),
				))
			}
		}()
	}
	wg.Wait()
	require.Eventually(t, func() bool { return len(h.sink.AllMetrics()) > 0 }, 5*time.Second, time.Millisecond)
	require.NoError(t, h.c.Shutdown(context.Background()))
	all := h.sink.AllMetrics()
	last := all[len(all)-1]
	assert.Equal(t, float64(workers*rounds*2), numbers(t, last, metricEvents)["qliksense.event.type=log,qliksense.host=QS-CENTRAL-01,qliksense.log.level=WARN,qliksense.source=qseow-engine,qliksense.subsystem=System.Engine.Engine"]+
		numbers(t, last, metricEvents)["qliksense.event.type=log,qliksense.host=QS-CENTRAL-01,qliksense.log.level=INFO,qliksense.source=qseow-qix-perf,qliksense.subsystem=QixPerformance.Engine.Engine"],
		"the final flush has every event")
	dp := histograms(t, last, metricQixDuration)["qliksense.app.id="+appSales+",qliksense.object.type=barchart,qliksense.qix.method=GenericObject::GetLayout"]
	assert.Equal(t, uint64(workers*rounds), dp.Count())
	n := len(h.sink.AllMetrics())
	time.Sleep(20 * time.Millisecond)
	assert.Len(t, h.sink.AllMetrics(), n, "nothing is emitted after shutdown")
}

// TestNoAllocationPerRecord: once the series exist, the number of
// allocations of a ConsumeLogs call does not grow with its records.
func TestNoAllocationPerRecord(t *testing.T) {
	h := newHarness(t, defaultConfig())
	allocs := func(n int) float64 {
		ld := benchLogs(n)
		h.consume(ld)
		return testing.AllocsPerRun(50, func() { _ = h.c.ConsumeLogs(context.Background(), ld) })
	}
	small, large := allocs(10), allocs(1000)
	t.Logf("allocations per ConsumeLogs: %.1f with 10 records, %.1f with 1000", small, large)
	// A few per call at most (sync.Pool drops items at random under -race).
	assert.LessOrEqual(t, large, 5.0)
	assert.LessOrEqual(t, large, small+3)
}

// benchLogs is a realistic mix: qix-perf for a few objects, warnings with
// categories, connection events.
func benchLogs(n int) plog.Logs {
	methods := []string{"GenericObject::GetLayout", "GenericObject::GetHyperCubeData", "Doc::GetAppLayout", "Global::OpenApp"}
	types := []string{"barchart", "table", "sheet", "kpi", "<Unknown>"}
	recs := make([]rec, 0, n)
	for i := range n {
		switch i % 4 {
		case 0, 1:
			recs = append(recs, qixRec(appSales, methods[i%len(methods)], types[i%len(types)], "rwPjBk", float64(i%3000), 1, 0.2, 0.3, 0.4))
		case 2:
			recs = append(recs, engineLog("WARN", "System.Engine.Engine", "qs_log_category", "resource-limit"))
		case 3:
			recs = append(recs, userRec(actionConnectionOpen, "c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d10", `CORP\jdoe`))
		}
	}
	return engineBatch("QS-CENTRAL-01", recs...)
}

func BenchmarkConsumeLogs(b *testing.B) {
	cfg := defaultConfig()
	c, err := newConnector(cfg, newSettings(), nil)
	require.NoError(b, err)
	ld := benchLogs(1000)
	require.NoError(b, c.ConsumeLogs(context.Background(), ld))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = c.ConsumeLogs(context.Background(), ld)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*ld.LogRecordCount()), "ns/record")
}

func BenchmarkConsumeLogsParallel(b *testing.B) {
	c, err := newConnector(defaultConfig(), newSettings(), nil)
	require.NoError(b, err)
	ld := benchLogs(100)
	require.NoError(b, c.ConsumeLogs(context.Background(), ld))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = c.ConsumeLogs(context.Background(), ld)
		}
	})
}

func BenchmarkCollect(b *testing.B) {
	c, err := newConnector(defaultConfig(), newSettings(), nil)
	require.NoError(b, err)
	require.NoError(b, c.ConsumeLogs(context.Background(), benchLogs(1000)))
	b.ReportAllocs()
	for b.Loop() {
		_ = c.collect()
	}
}

// TestReadmeDocumentsEveryMetric: every metric and attribute the connector
// can emit is named in the README.
func TestReadmeDocumentsEveryMetric(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	cfg := defaultConfig()
	cfg.Qix.Dimensions = append(cfg.Qix.Dimensions, attrHost, senseevent.AttrObjectID)
	cfg.Qix.MonitorFilter = allApps(AllAppsConfig{Method: &MethodRule{AllMethods: true, AllMethodsExclude: []string{"Doc::DoReload"}}})
	cfg.Events.MaxSeries = 3
	h := newHarness(t, cfg)
	h.consume(samples(t)...)
	h.consume(engineBatch("QS-CENTRAL-01", engineLog("ERROR", "X", "qs_log_category", "license")))
	md := h.collect()
	names := map[string]bool{}
	for _, m := range md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().All() {
		names[m.Name()] = true
		assert.Contains(t, string(readme), "`"+m.Name()+"`")
	}
	assert.Len(t, names, 10, "every metric was produced")
	for _, a := range []string{attrEventType, senseevent.AttrSource, attrHost, senseevent.AttrSubsystem, attrLevel, "qliksense.category.<name>", attrOverflow} {
		assert.Contains(t, string(readme), "`"+a+"`")
	}
}

// TestNoPointStartsAfterItsTime: a batch that creates a series while an
// emission is under way never gives a point a start time after its
// timestamp. Both read the clock under the lock; the emission read it
// before, so a batch that took the lock first started its series later than
// the emission's timestamp.
func TestNoPointStartsAfterItsTime(t *testing.T) {
	h := newHarness(t, defaultConfig())
	paused, resume := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	h.c.now = func() time.Time {
		now := h.now()
		h.advance(time.Second) // every later read is later
		if calls.Add(1) == 1 { // the emission's read: hold it there
			close(paused)
			<-resume
		}
		return now
	}
	emitted := make(chan pmetric.Metrics)
	go func() { emitted <- h.c.collect() }()
	<-paused
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		h.consume(samples(t, "log-engine")...)
	}()
	select { // with the clock read before the lock, the batch goes first
	case <-consumed:
	case <-time.After(100 * time.Millisecond):
	}
	close(resume)
	md := <-emitted
	<-consumed
	points := 0
	for _, m := range md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().All() {
		if m.Type() != pmetric.MetricTypeSum { // the engine samples make event counts only
			continue
		}
		for _, dp := range m.Sum().DataPoints().All() {
			points++
			assert.LessOrEqual(t, dp.StartTimestamp(), dp.Timestamp(), "%s %v", m.Name(), dp.Attributes().AsRaw())
		}
	}
	t.Logf("%d points in the emission", points)
}
