package qliksensemetricsconnector // import "github.com/senseops/senseops-collector/connector/qliksensemetricsconnector"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/senseops/senseops-collector/connector/qliksensemetricsconnector/internal/metadata"
)

// Metric and attribute names. The README documents each one.
const (
	metricEvents = "qliksense.events"

	metricQixDuration     = "qliksense.qix.request.duration"
	metricQixWorkTime     = "qliksense.qix.request.work_time"
	metricQixLockTime     = "qliksense.qix.request.lock_time"
	metricQixValidateTime = "qliksense.qix.request.validate_time"
	metricQixTraverseTime = "qliksense.qix.request.traverse_time"

	metricRejectedRequests    = "qliksense.qix.rejected.requests"
	metricRejectedProcessTime = "qliksense.qix.rejected.process_time"

	metricActiveSessions = "qliksense.proxy.session.active"
	metricActiveUsers    = "qliksense.proxy.user.active"

	// familyQix and familyRejected name the two capped attribute-set families
	// in the overflow telemetry.
	familyQix      = "qliksense.qix.request"
	familyRejected = "qliksense.qix.rejected"

	attrEventType = "qliksense.event.type"
	attrLevel     = "qliksense.log.level"
)

type metricDesc struct{ name, description, unit string }

var phaseMetrics = [numPhases]metricDesc{
	{metricQixDuration, "QIX requests by their process time: the whole request as the engine measured it (qix-perf ProcessTime), accepted by the monitor filter.", "s"},
	{metricQixWorkTime, "QIX requests by their work time: actual computation (qix-perf WorkTime), accepted by the monitor filter.", "s"},
	{metricQixLockTime, "QIX requests by the time they waited for internal locks (qix-perf LockTime), accepted by the monitor filter.", "s"},
	{metricQixValidateTime, "QIX requests by their validation time (qix-perf ValidateTime), accepted by the monitor filter.", "s"},
	{metricQixTraverseTime, "QIX requests by their data-model traversal time (qix-perf TraverseTime), accepted by the monitor filter.", "s"},
}

// collect builds the metrics from the current state: every series, with its
// own start time. It also ages out idle series and timed-out sessions.
func (c *qsConnector) collect() pmetric.Metrics {
	md := pmetric.NewMetrics()
	sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(metadata.ScopeName)
	sm.Scope().SetVersion(c.set.BuildInfo.Version)
	ms := sm.Metrics()

	c.mu.Lock()
	defer c.mu.Unlock()
	// The time is read under the lock, as ConsumeLogs reads it: read
	// before, a batch that took the lock first could start a series later
	// than this emission's timestamp.
	now := c.now()
	ts := pcommon.NewTimestampFromTime(now)
	if idle := c.cfg.SeriesIdleTimeout; idle > 0 {
		for _, f := range []*family{c.events, c.qix, c.rejected} {
			if f != nil {
				f.expire(now.Add(-idle))
			}
		}
	}

	if c.events != nil {
		sumInts(ms, c.events, metricDesc{metricEvents, "Qlik Sense log events and user events received, by source, host, subsystem (user events: origin), level and category.", "{event}"}, ts,
			func(s *series) int64 { return s.count })
	}
	if c.qix != nil {
		for p := range numPhases {
			c.histograms(ms, p, ts)
		}
	}
	if c.rejected != nil {
		sumInts(ms, c.rejected, metricDesc{metricRejectedRequests, "QIX requests the monitor filter rejected (Butler SOS's rejected_event_count counter).", "{request}"}, ts,
			func(s *series) int64 { return s.count })
		sumDoubles(ms, c.rejected, metricDesc{metricRejectedProcessTime, "Total process time of the QIX requests the monitor filter rejected (Butler SOS's rejected_event_count process_time, in seconds).", "s"}, ts,
			func(s *series) float64 { return s.sumMs / 1000 })
	}
	if c.sessions != nil {
		c.sessions.sweep(now)
		c.sessionGauges(ms, ts)
	}
	return md
}

// each calls fn for every series of f, the overflow series last.
func each(f *family, fn func(*series)) {
	for _, s := range f.series {
		fn(s)
	}
	if f.overflow != nil {
		fn(f.overflow)
	}
}

func putAttrs(m pcommon.Map, s *series) {
	m.EnsureCapacity(len(s.attrs))
	if s.overflow {
		m.PutBool(attrOverflow, true)
		return
	}
	for _, a := range s.attrs {
		m.PutStr(a.k, a.v)
	}
}

func newMetric(ms pmetric.MetricSlice, d metricDesc) pmetric.Metric {
	m := ms.AppendEmpty()
	m.SetName(d.name)
	m.SetDescription(d.description)
	m.SetUnit(d.unit)
	return m
}

func cumulativeSum(ms pmetric.MetricSlice, d metricDesc) pmetric.NumberDataPointSlice {
	sum := newMetric(ms, d).SetEmptySum()
	sum.SetIsMonotonic(true)
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	return sum.DataPoints()
}

func sumInts(ms pmetric.MetricSlice, f *family, d metricDesc, ts pcommon.Timestamp, value func(*series) int64) {
	if len(f.series) == 0 && f.overflow == nil {
		return
	}
	dps := cumulativeSum(ms, d)
	each(f, func(s *series) {
		dp := dps.AppendEmpty()
		putAttrs(dp.Attributes(), s)
		dp.SetStartTimestamp(s.start)
		dp.SetTimestamp(ts)
		dp.SetIntValue(value(s))
	})
}

func sumDoubles(ms pmetric.MetricSlice, f *family, d metricDesc, ts pcommon.Timestamp, value func(*series) float64) {
	if len(f.series) == 0 && f.overflow == nil {
		return
	}
	dps := cumulativeSum(ms, d)
	each(f, func(s *series) {
		dp := dps.AppendEmpty()
		putAttrs(dp.Attributes(), s)
		dp.SetStartTimestamp(s.start)
		dp.SetTimestamp(ts)
		dp.SetDoubleValue(value(s))
	})
}

// histograms emits one phase's histogram: a data point for every series that
// has observed a value of that phase.
func (c *qsConnector) histograms(ms pmetric.MetricSlice, phase int, ts pcommon.Timestamp) {
	var dps pmetric.HistogramDataPointSlice
	started := false
	each(c.qix, func(s *series) {
		h := &s.hist[phase]
		if h.count == 0 {
			return
		}
		if !started {
			hist := newMetric(ms, phaseMetrics[phase]).SetEmptyHistogram()
			hist.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			dps = hist.DataPoints()
			started = true
		}
		dp := dps.AppendEmpty()
		putAttrs(dp.Attributes(), s)
		dp.SetStartTimestamp(s.start)
		dp.SetTimestamp(ts)
		dp.SetCount(h.count)
		dp.SetSum(h.sumMs / 1000)
		dp.SetMin(h.minMs / 1000)
		dp.SetMax(h.maxMs / 1000)
		dp.ExplicitBounds().FromRaw(c.boundsS)
		dp.BucketCounts().FromRaw(h.buckets)
	})
}

// sessionGauges reports every known proxy host, 0 included.
func (c *qsConnector) sessionGauges(ms pmetric.MetricSlice, ts pcommon.Timestamp) {
	if len(c.sessions.hosts) == 0 {
		return
	}
	sessions := newMetric(ms, metricDesc{metricActiveSessions, "Active proxy sessions on the proxy host, from session start and stop user events (seeded from the proxy session API when configured).", "{session}"}).SetEmptyGauge().DataPoints()
	users := newMetric(ms, metricDesc{metricActiveUsers, "Distinct users (user.id) with active proxy sessions on the proxy host.", "{user}"}).SetEmptyGauge().DataPoints()
	for _, h := range c.sessions.hosts {
		for _, p := range []struct {
			dps   pmetric.NumberDataPointSlice
			value int64
		}{{sessions, h.sessions}, {users, int64(len(h.users))}} {
			dp := p.dps.AppendEmpty()
			if h.name != "" { // user events always name their proxy; left out like any empty value
				dp.Attributes().PutStr(attrHost, h.name)
			}
			dp.SetTimestamp(ts)
			dp.SetIntValue(p.value)
		}
	}
}
