package qliksensehealthreceiver // import "github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver"

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper/scrapererror"
	"go.uber.org/zap"

	"github.com/senseops/senseops-collector/internal/scrapegroup"
	"github.com/senseops/senseops-collector/internal/senseapi"
	"github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver/internal/metadata"
)

const bytesPerMB = 1 << 20

// serverScraper scrapes one server's engine healthcheck.
type serverScraper struct {
	cfg    *Config
	server ServerConfig
	set    receiver.Settings
	names  *appNamesHolder
	shared *scrapegroup.Shared

	client *senseapi.Client
	mb     *metadata.MetricsBuilder
	// errors counts failed scrapes by kind since the collector started.
	errors map[senseapi.ErrorKind]int64
	// unreadable is the last scrape's unreadable fields, comma-joined.
	unreadable string
}

func newServerScraper(cfg *Config, server ServerConfig, set receiver.Settings, names *appNamesHolder, shared *scrapegroup.Shared) *serverScraper {
	return &serverScraper{
		cfg:    cfg,
		server: server,
		set:    set,
		names:  names,
		shared: shared,
		mb:     metadata.NewMetricsBuilder(cfg.MetricsBuilderConfig, set),
		errors: map[senseapi.ErrorKind]int64{},
	}
}

func (s *serverScraper) start(ctx context.Context, host component.Host) error {
	client, err := senseapi.NewClient(ctx, s.server.Endpoint, s.cfg.ConnectionConfig.For(&s.server), host, s.set.TelemetrySettings)
	if err != nil {
		return fmt.Errorf("servers %q: %w", s.server.Name, err)
	}
	s.client = client
	return nil
}

func (s *serverScraper) shutdown(context.Context) error {
	if s.client != nil {
		s.client.Close()
	}
	return nil
}

// scrape reads the healthcheck. A failure still emits the server's up=0 and
// its error count, returned as a partial error so the collector reports it.
func (s *serverScraper) scrape(ctx context.Context) (pmetric.Metrics, error) {
	health, err := s.fetch(ctx)
	now := pcommon.NewTimestampFromTime(time.Now())
	if err != nil {
		kind := senseapi.KindOf(err)
		s.errors[kind]++
		s.mb.RecordQliksenseEngineUpDataPoint(now, 0)
		s.recordErrors(now)
		s.mb.EmitForResource(metadata.WithResource(s.resource()))
		return s.mb.Emit(), scrapererror.NewPartialScrapeError(
			fmt.Errorf("server %q (%s): %w", s.server.Name, s.server.Endpoint, err), 1)
	}
	s.record(now, health)
	s.logUnreadable(health)
	started, hasStart := health.StartTime()
	if hasStart && started > int64(now) {
		started = int64(now) // the engine's clock runs ahead: a point may not start after it ends
	}
	if hasStart {
		s.mb.EmitForResource(metadata.WithResource(s.resource()), metadata.WithStartTimeOverride(pcommon.Timestamp(started)))
	} else {
		s.mb.EmitForResource(metadata.WithResource(s.resource()))
	}
	// The error counter counts from the collector's start, so it goes in an
	// emission of its own, with the builder's start time.
	s.recordErrors(now)
	s.mb.RecordQliksenseEngineUpDataPoint(now, 1)
	s.mb.EmitForResource(metadata.WithResource(s.resource()))
	return s.mb.Emit(), nil
}

func (s *serverScraper) fetch(ctx context.Context) (*senseapi.Health, error) {
	ctx, done, err := s.shared.Begin(ctx)
	if err != nil {
		return nil, &senseapi.Error{Kind: senseapi.KindTimeout, URL: s.server.Endpoint, Err: err}
	}
	defer done()
	return s.client.Healthcheck(ctx)
}

// logUnreadable warns about fields the engine sent that could not be read
// (and so were left out), once each time the set of them changes, not on
// every scrape.
func (s *serverScraper) logUnreadable(h *senseapi.Health) {
	fields := strings.Join(h.Unreadable, ",")
	if fields == s.unreadable {
		return
	}
	s.unreadable = fields
	if fields == "" {
		s.set.Logger.Info("The engine healthcheck is fully readable again", zap.String("server", s.server.Name))
		return
	}
	s.set.Logger.Warn("Some fields of the engine healthcheck could not be read (not a number, negative, out of range, of the wrong type or, for started, not a time with its UTC offset) and are left out; the rest is reported",
		zap.String("server", s.server.Name), zap.String("endpoint", s.server.Endpoint), zap.Strings("fields", h.Unreadable))
}

func (s *serverScraper) recordErrors(now pcommon.Timestamp) {
	for _, kind := range senseapi.ErrorKinds {
		if n, ok := s.errors[kind]; ok {
			s.mb.RecordQliksenseEngineScrapeErrorsDataPoint(now, n, metadata.MapAttributeErrorType[string(kind)])
		}
	}
}

func (s *serverScraper) resource() pcommon.Resource {
	rb := s.mb.NewResourceBuilder()
	rb.SetHostName(senseapi.HostOf(s.server.Endpoint))
	rb.SetQliksenseServerName(s.server.Name)
	if s.server.Description != "" {
		rb.SetQliksenseServerDescription(s.server.Description)
	}
	res := rb.Emit()
	for k, v := range s.server.Tags {
		res.Attributes().PutStr(k, v)
	}
	return res
}

func (s *serverScraper) record(now pcommon.Timestamp, h *senseapi.Health) {
	mb := s.mb
	// Each value is recorded only when the body had it and it was readable:
	// a missing or null field is left out, never reported as 0.
	count := func(field string, v senseapi.Count, rec func(pcommon.Timestamp, int64)) {
		if h.Has(field) {
			rec(now, int64(v))
		}
	}
	bytes := func(field string, megabytes float64, rec func(pcommon.Timestamp, int64)) {
		if h.Has(field) {
			rec(now, int64(megabytes*bytesPerMB))
		}
	}
	docs := func(field string, ids []string, rec func(pcommon.Timestamp, int64)) {
		if h.Has(field) {
			rec(now, int64(len(ids)))
		}
	}
	if m := h.Mem; m != nil {
		bytes("mem.committed", m.Committed, mb.RecordQliksenseEngineMemoryCommittedDataPoint)
		bytes("mem.allocated", m.Allocated, mb.RecordQliksenseEngineMemoryAllocatedDataPoint)
		bytes("mem.free", m.Free, mb.RecordQliksenseEngineMemoryFreeDataPoint)
		if m.TotalPhysical != nil {
			bytes("mem.totalPhysical", *m.TotalPhysical, mb.RecordQliksenseEngineMemoryPhysicalDataPoint)
		}
	}
	if h.CPU != nil && h.Has("cpu.total") {
		mb.RecordQliksenseEngineCPUUtilizationDataPoint(now, h.CPU.Total/100)
	}
	if c := h.Session; c != nil {
		count("session.active", c.Active, mb.RecordQliksenseEngineSessionActiveDataPoint)
		count("session.total", c.Total, mb.RecordQliksenseEngineSessionCountDataPoint)
	}
	if c := h.Users; c != nil {
		count("users.active", c.Active, mb.RecordQliksenseEngineUserActiveDataPoint)
		count("users.total", c.Total, mb.RecordQliksenseEngineUserCountDataPoint)
	}
	if a := h.Apps; a != nil {
		// The lists hold distinct ids (senseapi drops duplicates and empty ids).
		docs("apps.active_docs", a.ActiveDocs, mb.RecordQliksenseEngineAppActiveDataPoint)
		docs("apps.loaded_docs", a.LoadedDocs, mb.RecordQliksenseEngineAppLoadedDataPoint)
		docs("apps.in_memory_docs", a.InMemoryDocs, mb.RecordQliksenseEngineAppInMemoryDataPoint)
		count("apps.calls", a.Calls, mb.RecordQliksenseEngineCallsDataPoint)
		count("apps.selections", a.Selections, mb.RecordQliksenseEngineSelectionsDataPoint)
		if s.cfg.Metrics.QliksenseEngineAppStatus.Enabled {
			s.recordApps(now, a)
		}
	}
	if c := h.Cache; c != nil {
		count("cache.hits", c.Hits, mb.RecordQliksenseEngineCacheHitsDataPoint)
		count("cache.lookups", c.Lookups, mb.RecordQliksenseEngineCacheLookupsDataPoint)
		count("cache.added", c.Added, mb.RecordQliksenseEngineCacheAdditionsDataPoint)
		count("cache.replaced", c.Replaced, mb.RecordQliksenseEngineCacheReplacementsDataPoint)
		count("cache.bytes_added", c.BytesAdded, mb.RecordQliksenseEngineCacheAdditionSizeDataPoint)
	}
	if h.Saturated != nil {
		saturated := int64(0)
		if *h.Saturated {
			saturated = 1
		}
		mb.RecordQliksenseEngineSaturatedDataPoint(now, saturated)
	}
	startText := ""
	if started, ok := h.StartTime(); ok {
		startTime := time.Unix(0, started).UTC()
		startText = startTime.Format(time.RFC3339)
		mb.RecordQliksenseEngineUptimeDataPoint(now, max(0, now.AsTime().Sub(startTime).Seconds()))
	}
	mb.RecordQliksenseEngineInfoDataPoint(now, 1, h.Version, startText)
}

// recordApps emits one point per app in memory, in its most specific state.
// The lists may spell one GUID in different cases: it is one app, under the
// id its most specific list gives.
func (s *serverScraper) recordApps(now pcommon.Timestamp, a *senseapi.HealthApps) {
	type app struct {
		id    string
		state metadata.AttributeQliksenseAppState
	}
	apps := make(map[string]app, len(a.InMemoryDocs))
	for _, l := range []struct {
		ids   []string
		state metadata.AttributeQliksenseAppState
	}{
		{a.InMemoryDocs, metadata.AttributeQliksenseAppStateInMemory},
		{a.LoadedDocs, metadata.AttributeQliksenseAppStateLoaded},
		{a.ActiveDocs, metadata.AttributeQliksenseAppStateActive},
	} {
		for _, id := range l.ids {
			apps[strings.ToLower(id)] = app{id, l.state}
		}
	}
	for _, ap := range apps {
		s.mb.RecordQliksenseEngineAppStatusDataPoint(now, 1, ap.id, s.names.name(ap.id), ap.state, senseapi.IsSessionApp(ap.id))
	}
}
