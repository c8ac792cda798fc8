// Package scrapegroup runs one scraperhelper controller per target, so each
// target is scraped on its own schedule: a slow or dead target costs only
// its own timeout and never delays another target's data. Shared bounds how
// many requests are in flight across the group, gives each its timeout from
// when it is sent, and cancels them all when the group shuts down, so a hung
// server cannot hold up the collector's stop.
package scrapegroup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper"
	"go.opentelemetry.io/collector/scraper/scraperhelper"
)

// Group is a receiver made of one controller per target.
type Group struct {
	controllers []receiver.Metrics
	shared      *Shared
	started     int // controllers[:started] are running
}

// Target is one scraper in the group, with a name for errors.
type Target struct {
	Name    string
	Scraper scraper.Metrics
}

// New builds a controller for every target, all with the same settings but
// the timeout: shared applies that to each request instead (see Begin), so
// give NewShared cfg.Timeout, or the requests have none.
func New(cfg *scraperhelper.ControllerConfig, set receiver.Settings, next consumer.Metrics, typ component.Type, shared *Shared, targets []Target) (*Group, error) {
	g := &Group{shared: shared}
	cc := *cfg
	cc.Timeout = 0
	for _, t := range targets {
		sc, err := shared.wrap(t.Scraper)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name, err)
		}
		c, err := scraperhelper.NewMetricsController(&cc, set, next, scraperhelper.AddMetricsScraper(typ, sc))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name, err)
		}
		g.controllers = append(g.controllers, c)
	}
	return g, nil
}

// Start starts every controller. If one fails, those started keep running
// until Shutdown, which the collector calls after a failed start too.
func (g *Group) Start(ctx context.Context, host component.Host) error {
	for _, c := range g.controllers[g.started:] {
		if err := c.Start(ctx, host); err != nil {
			return err
		}
		g.started++
	}
	return nil
}

// Shutdown cancels the requests in flight, then stops every controller
// (which waits for its scrape to return).
func (g *Group) Shutdown(ctx context.Context) error {
	g.shared.stop()
	var errs []error
	for _, c := range g.controllers[:g.started] {
		errs = append(errs, c.Shutdown(ctx))
	}
	g.started = 0 // each controller is shut down once
	return errors.Join(errs...)
}

// Shared is what a group's scrapers share: a bound on requests in flight,
// their timeout and the group's lifetime.
type Shared struct {
	slots   chan struct{}
	timeout time.Duration
	stopped context.Context
	stop    context.CancelFunc
}

// NewShared allows n requests at once, each for at most timeout (0: no
// limit) from when it gets its slot.
func NewShared(n int, timeout time.Duration) *Shared {
	stopped, stop := context.WithCancel(context.Background())
	return &Shared{slots: make(chan struct{}, n), timeout: timeout, stopped: stopped, stop: stop}
}

// wrap drops what a scrape cut short by shutdown produced: its requests were
// cancelled, so an up=0 or an error count from it would be false.
func (s *Shared) wrap(sc scraper.Metrics) (scraper.Metrics, error) {
	return scraper.NewMetrics(func(ctx context.Context) (pmetric.Metrics, error) {
		md, err := sc.ScrapeMetrics(ctx)
		if s.stopped.Err() != nil {
			return pmetric.NewMetrics(), errors.New("scrape cancelled by shutdown")
		}
		return md, err
	}, scraper.WithStart(sc.Start), scraper.WithShutdown(sc.Shutdown))
}

// Begin waits for a request slot and returns a context that ends with ctx,
// with the group's shutdown, or when the request has had its timeout; call
// done when the request is over. The timeout starts with the slot: when
// more requests hang than there are slots, a healthy server's request waits
// for one, and is then given its full time rather than reported as timed out
// for the other servers' wait.
func (s *Shared) Begin(ctx context.Context) (context.Context, func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	unbind := context.AfterFunc(s.stopped, cancel)
	select {
	case s.slots <- struct{}{}:
		if s.timeout > 0 {
			timed, stopTimer := context.WithTimeout(ctx, s.timeout)
			return timed, func() { <-s.slots; unbind(); stopTimer(); cancel() }, nil
		}
		return ctx, func() { <-s.slots; unbind(); cancel() }, nil
	case <-ctx.Done():
		unbind()
		cancel()
		return nil, nil, ctx.Err()
	}
}
