package qliksensehealthreceiver // import "github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver"

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper"

	"github.com/senseops/senseops-collector/internal/scrapegroup"
	"github.com/senseops/senseops-collector/internal/senseapi"
	"github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver/internal/metadata"
)

// healthReceiver scrapes every server on its own controller (see
// scrapegroup), after reading the app list the scrapers use for names.
type healthReceiver struct {
	cfg   *Config
	set   receiver.Settings
	group *scrapegroup.Group
	names *appNamesHolder
}

// appNamesHolder lets scrapers created before Start see the cache made in it.
type appNamesHolder struct {
	names *senseapi.AppNames
}

func (h *appNamesHolder) name(id string) string {
	if h.names != nil {
		if n, ok := h.names.Name(id); ok && n != "" {
			return n
		}
	}
	return id
}

func newHealthReceiver(cfg *Config, set receiver.Settings, next consumer.Metrics) (*healthReceiver, error) {
	r := &healthReceiver{cfg: cfg, set: set, names: &appNamesHolder{}}
	shared := scrapegroup.NewShared(cfg.MaxConcurrency, cfg.Timeout)
	targets := make([]scrapegroup.Target, 0, len(cfg.Servers))
	for _, server := range cfg.Servers {
		s := newServerScraper(cfg, server, set, r.names, shared)
		sc, err := scraper.NewMetrics(s.scrape, scraper.WithStart(s.start), scraper.WithShutdown(s.shutdown))
		if err != nil {
			return nil, err
		}
		targets = append(targets, scrapegroup.Target{Name: fmt.Sprintf("servers %q", server.Name), Scraper: sc})
	}
	group, err := scrapegroup.New(&cfg.ControllerConfig, set, next, metadata.Type, shared, targets)
	if err != nil {
		return nil, err
	}
	r.group = group
	return r, nil
}

// Start reads the app list first (bounded by the scrape timeout), so names
// are there from the first scrape, then starts every server's scraper. The
// list is read only for the one metric that names apps: with it off (the
// default), a repository that cannot be reached would delay the start and
// warn every refresh for nothing.
func (r *healthReceiver) Start(ctx context.Context, host component.Host) error {
	if r.cfg.AppNames.Enabled && r.cfg.Metrics.QliksenseEngineAppStatus.Enabled {
		if endpoint := r.cfg.appNamesEndpoint(); endpoint != "" {
			client, err := senseapi.NewClient(ctx, endpoint, r.cfg.appNamesConnection(), host, r.set.TelemetrySettings)
			if err != nil {
				return fmt.Errorf("app_names: %w", err)
			}
			r.names.names = senseapi.NewAppNames(client, r.cfg.AppNames.RefreshInterval, r.cfg.Timeout, r.set.Logger)
			r.names.names.Start(ctx)
		}
	}
	return r.group.Start(ctx, host) // after a failure, Shutdown stops what started
}

// Shutdown stops every scraper and the app-name refresh.
func (r *healthReceiver) Shutdown(ctx context.Context) error {
	err := r.group.Shutdown(ctx)
	r.stopNames()
	return err
}

func (r *healthReceiver) stopNames() {
	if r.names.names != nil {
		r.names.names.Stop()
		r.names.names = nil
	}
}
