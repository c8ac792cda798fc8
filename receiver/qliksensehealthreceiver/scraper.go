package qliksensehealthreceiver // import "github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver"

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper/scrapererror"

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
	started, hasStart := health.StartTime()
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
	if m := h.Mem; m != nil {
		mb.RecordQliksenseEngineMemoryCommittedDataPoint(now, int64(m.Committed*bytesPerMB))
		mb.RecordQliksenseEngineMemoryAllocatedDataPoint(now, int64(m.Allocated*bytesPerMB))
		mb.RecordQliksenseEngineMemoryFreeDataPoint(now, int64(m.Free*bytesPerMB))
		if m.TotalPhysical != nil {
			mb.RecordQliksenseEngineMemoryPhysicalDataPoint(now, int64(*m.TotalPhysical*bytesPerMB))
		}
	}
	if h.CPU != nil {
		mb.RecordQliksenseEngineCPUUtilizationDataPoint(now, h.CPU.Total/100)
	}
	if c := h.Session; c != nil {
		mb.RecordQliksenseEngineSessionActiveDataPoint(now, int64(c.Active))
		mb.RecordQliksenseEngineSessionCountDataPoint(now, int64(c.Total))
	}
	if c := h.Users; c != nil {
		mb.RecordQliksenseEngineUserActiveDataPoint(now, int64(c.Active))
		mb.RecordQliksenseEngineUserCountDataPoint(now, int64(c.Total))
	}
	if a := h.Apps; a != nil {
		mb.RecordQliksenseEngineAppActiveDataPoint(now, int64(len(a.ActiveDocs)))
		mb.RecordQliksenseEngineAppLoadedDataPoint(now, int64(len(a.LoadedDocs)))
		mb.RecordQliksenseEngineAppInMemoryDataPoint(now, int64(len(a.InMemoryDocs)))
		mb.RecordQliksenseEngineCallsDataPoint(now, int64(a.Calls))
		mb.RecordQliksenseEngineSelectionsDataPoint(now, int64(a.Selections))
		if s.cfg.Metrics.QliksenseEngineAppStatus.Enabled {
			s.recordApps(now, a)
		}
	}
	if c := h.Cache; c != nil {
		mb.RecordQliksenseEngineCacheHitsDataPoint(now, int64(c.Hits))
		mb.RecordQliksenseEngineCacheLookupsDataPoint(now, int64(c.Lookups))
		mb.RecordQliksenseEngineCacheAdditionsDataPoint(now, int64(c.Added))
		mb.RecordQliksenseEngineCacheReplacementsDataPoint(now, int64(c.Replaced))
		mb.RecordQliksenseEngineCacheAdditionSizeDataPoint(now, int64(c.BytesAdded))
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
		mb.RecordQliksenseEngineUptimeDataPoint(now, now.AsTime().Sub(startTime).Seconds())
	}
	mb.RecordQliksenseEngineInfoDataPoint(now, 1, h.Version, startText)
}

// recordApps emits one point per app in memory, in its most specific state.
func (s *serverScraper) recordApps(now pcommon.Timestamp, a *senseapi.HealthApps) {
	state := make(map[string]metadata.AttributeQliksenseAppState, len(a.InMemoryDocs))
	for _, id := range a.InMemoryDocs {
		state[id] = metadata.AttributeQliksenseAppStateInMemory
	}
	for _, id := range a.LoadedDocs {
		state[id] = metadata.AttributeQliksenseAppStateLoaded
	}
	for _, id := range a.ActiveDocs {
		state[id] = metadata.AttributeQliksenseAppStateActive
	}
	for id, st := range state {
		s.mb.RecordQliksenseEngineAppStatusDataPoint(now, 1, id, s.names.name(id), st, senseapi.IsSessionApp(id))
	}
}
