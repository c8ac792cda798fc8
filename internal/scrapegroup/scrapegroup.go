// Package scrapegroup runs one scraperhelper controller per target, so each
// target is scraped on its own schedule: a slow or dead target costs only
// its own timeout and never delays another target's data. A Limiter bounds
// how many requests are in flight across the group.
package scrapegroup

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper"
	"go.opentelemetry.io/collector/scraper/scraperhelper"
)

// Group is a receiver made of one controller per target.
type Group struct {
	controllers []receiver.Metrics
}

// Target is one scraper in the group, with a name for errors.
type Target struct {
	Name    string
	Scraper scraper.Metrics
}

// New builds a controller for every target, all with the same settings.
func New(cfg *scraperhelper.ControllerConfig, set receiver.Settings, next consumer.Metrics, typ component.Type, targets []Target) (*Group, error) {
	g := &Group{}
	for _, t := range targets {
		c, err := scraperhelper.NewMetricsController(cfg, set, next, scraperhelper.AddMetricsScraper(typ, t.Scraper))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name, err)
		}
		g.controllers = append(g.controllers, c)
	}
	return g, nil
}

// Start starts every controller; if one fails, those started are stopped.
func (g *Group) Start(ctx context.Context, host component.Host) error {
	for i, c := range g.controllers {
		if err := c.Start(ctx, host); err != nil {
			for _, started := range g.controllers[:i] {
				err = errors.Join(err, started.Shutdown(ctx))
			}
			return err
		}
	}
	return nil
}

// Shutdown stops every controller.
func (g *Group) Shutdown(ctx context.Context) error {
	var errs []error
	for _, c := range g.controllers {
		errs = append(errs, c.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// Limiter bounds concurrent requests.
type Limiter chan struct{}

// NewLimiter allows n requests at once.
func NewLimiter(n int) Limiter { return make(Limiter, n) }

// Acquire waits for a slot or the context's end.
func (l Limiter) Acquire(ctx context.Context) error {
	select {
	case l <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Release frees a slot taken by Acquire.
func (l Limiter) Release() { <-l }
