package qliksensehealthreceiver // import "github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver"

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/senseops/senseops-collector/internal/senseapi"
	"github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver/internal/metadata"
)

// healthReceiver runs one scraper controller per server, so each server is
// scraped on its own schedule: a slow or dead server costs only its own
// timeout and never delays another server's data. A shared semaphore bounds
// how many healthchecks are in flight at once.
type healthReceiver struct {
	cfg         *Config
	set         receiver.Settings
	controllers []receiver.Metrics
	names       *appNamesHolder
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
	slots := make(chan struct{}, cfg.MaxConcurrency)
	for _, server := range cfg.Servers {
		s := newServerScraper(cfg, server, set, r.names, slots)
		sc, err := scraper.NewMetrics(s.scrape, scraper.WithStart(s.start), scraper.WithShutdown(s.shutdown))
		if err != nil {
			return nil, err
		}
		ctrl, err := scraperhelper.NewMetricsController(&cfg.ControllerConfig, set, next,
			scraperhelper.AddMetricsScraper(metadata.Type, sc))
		if err != nil {
			return nil, fmt.Errorf("server %q: %w", server.Name, err)
		}
		r.controllers = append(r.controllers, ctrl)
	}
	return r, nil
}

// Start reads the app list first (bounded by the scrape timeout), so names
// are there from the first scrape, then starts every server's scraper.
func (r *healthReceiver) Start(ctx context.Context, host component.Host) error {
	if r.cfg.AppNames.Enabled {
		if endpoint := r.cfg.appNamesEndpoint(); endpoint != "" {
			client, err := senseapi.NewClient(ctx, endpoint, r.cfg.ConnectionConfig, host, r.set.TelemetrySettings)
			if err != nil {
				return fmt.Errorf("app_names: %w", err)
			}
			r.names.names = senseapi.NewAppNames(client, r.cfg.AppNames.RefreshInterval, r.cfg.Timeout, r.set.Logger)
			r.names.names.Start(ctx)
		}
	}
	for _, c := range r.controllers {
		if err := c.Start(ctx, host); err != nil {
			return errors.Join(err, r.Shutdown(ctx))
		}
	}
	return nil
}

// Shutdown stops every scraper and the app-name refresh.
func (r *healthReceiver) Shutdown(ctx context.Context) error {
	var errs []error
	for _, c := range r.controllers {
		errs = append(errs, c.Shutdown(ctx))
	}
	if r.names.names != nil {
		r.names.names.Stop()
		r.names.names = nil
	}
	return errors.Join(errs...)
}
