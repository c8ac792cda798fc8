package scrapegroup

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/collector/scraper"
	"go.opentelemetry.io/collector/scraper/scrapererror"
	"go.opentelemetry.io/collector/scraper/scraperhelper"
)

var typ = component.MustNewType("test")

func gaugeScraper(t *testing.T, name string, block <-chan struct{}) scraper.Metrics {
	t.Helper()
	s, err := scraper.NewMetrics(func(ctx context.Context) (pmetric.Metrics, error) {
		if block != nil {
			select {
			case <-block:
			case <-ctx.Done():
			}
		}
		md := pmetric.NewMetrics()
		md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty().SetName(name)
		return md, nil
	})
	require.NoError(t, err)
	return s
}

// TestHungTargetDoesNotDelayOthers: while one target's scrape hangs, the
// others keep delivering on their own schedule.
func TestHungTargetDoesNotDelayOthers(t *testing.T) {
	hang := make(chan struct{})
	cfg := scraperhelper.NewDefaultControllerConfig()
	cfg.CollectionInterval = 10 * time.Millisecond
	cfg.InitialDelay = 0
	cfg.Timeout = time.Hour
	sink := new(consumertest.MetricsSink)
	g, err := New(&cfg, receivertest.NewNopSettings(typ), sink, typ, NewShared(1, 0), []Target{
		{"hung", gaugeScraper(t, "hung", hang)},
		{"a", gaugeScraper(t, "a", nil)},
		{"b", gaugeScraper(t, "b", nil)},
	})
	require.NoError(t, err)
	require.NoError(t, g.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(t, func() bool { return len(sink.AllMetrics()) >= 10 }, 10*time.Second, 5*time.Millisecond)
	for _, md := range sink.AllMetrics() {
		assert.NotEqual(t, "hung", md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Name())
	}
	close(hang) // let the hung scrape finish so shutdown returns
	require.NoError(t, g.Shutdown(context.Background()))
}

func TestSharedBoundsAndCancels(t *testing.T) {
	s := NewShared(2, 0)
	_, done1, err := s.Begin(context.Background())
	require.NoError(t, err)
	ctx2, _, err := s.Begin(context.Background())
	require.NoError(t, err)
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err = s.Begin(short)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "a third request waits for a slot")
	var got atomic.Bool
	go func() {
		_, done, err := s.Begin(context.Background())
		if err == nil {
			done()
			got.Store(true)
		}
	}()
	done1()
	require.Eventually(t, got.Load, 5*time.Second, time.Millisecond, "a freed slot is taken")
	s.stop()
	select {
	case <-ctx2.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("shutdown did not cancel the request in flight")
	}
}

// TestShutdownDoesNotWaitForAHungTarget: a scrape stuck with an hour's
// timeout does not hold up shutdown.
func TestShutdownDoesNotWaitForAHungTarget(t *testing.T) {
	shared := NewShared(1, 0)
	started := make(chan struct{}, 1)
	hung, err := scraper.NewMetrics(func(ctx context.Context) (pmetric.Metrics, error) {
		ctx, done, err := shared.Begin(ctx)
		if err != nil {
			return pmetric.NewMetrics(), err
		}
		defer done()
		started <- struct{}{}
		<-ctx.Done()
		return pmetric.NewMetrics(), ctx.Err()
	})
	require.NoError(t, err)
	cfg := scraperhelper.NewDefaultControllerConfig()
	cfg.CollectionInterval, cfg.InitialDelay, cfg.Timeout = time.Hour, 0, time.Hour
	g, err := New(&cfg, receivertest.NewNopSettings(typ), consumertest.NewNop(), typ, shared, []Target{{"hung", hung}})
	require.NoError(t, err)
	require.NoError(t, g.Start(context.Background(), componenttest.NewNopHost()))
	<-started
	require.NoError(t, g.Shutdown(context.Background())) // returns: the request was cancelled
}

// TestShutdownAfterFailedStart: the collector shuts a component down after a
// failed start; the controllers that did start stop once, without a panic.
func TestShutdownAfterFailedStart(t *testing.T) {
	cfg := scraperhelper.NewDefaultControllerConfig()
	bad, err := scraper.NewMetrics(func(context.Context) (pmetric.Metrics, error) { return pmetric.NewMetrics(), nil },
		scraper.WithStart(func(context.Context, component.Host) error { return errors.New("bad certificate") }))
	require.NoError(t, err)
	g, err := New(&cfg, receivertest.NewNopSettings(typ), new(consumertest.MetricsSink), typ, NewShared(1, 0), []Target{
		{"ok", gaugeScraper(t, "ok", nil)}, {"bad", bad}, {"never started", gaugeScraper(t, "later", nil)},
	})
	require.NoError(t, err)
	require.ErrorContains(t, g.Start(context.Background(), componenttest.NewNopHost()), "bad certificate")
	require.NotPanics(t, func() { require.NoError(t, g.Shutdown(context.Background())) })
	require.NotPanics(t, func() { require.NoError(t, g.Shutdown(context.Background())) }, "a second shutdown is harmless")
}

// TestCancelledScrapeIsDropped: what a scrape cut short by shutdown reports
// (here a metric standing for up=0) never reaches the pipeline.
func TestCancelledScrapeIsDropped(t *testing.T) {
	shared := NewShared(1, 0)
	started := make(chan struct{}, 1)
	sc, err := scraper.NewMetrics(func(ctx context.Context) (pmetric.Metrics, error) {
		ctx, done, err := shared.Begin(ctx)
		if err != nil {
			return pmetric.NewMetrics(), err
		}
		defer done()
		started <- struct{}{}
		<-ctx.Done()
		md := pmetric.NewMetrics()
		md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty().SetName("up=0")
		return md, scrapererror.NewPartialScrapeError(ctx.Err(), 1)
	})
	require.NoError(t, err)
	cfg := scraperhelper.NewDefaultControllerConfig()
	cfg.CollectionInterval, cfg.InitialDelay, cfg.Timeout = time.Hour, 0, time.Hour
	sink := new(consumertest.MetricsSink)
	g, err := New(&cfg, receivertest.NewNopSettings(typ), sink, typ, shared, []Target{{"cut short", sc}})
	require.NoError(t, err)
	require.NoError(t, g.Start(context.Background(), componenttest.NewNopHost()))
	<-started
	require.NoError(t, g.Shutdown(context.Background()))
	for _, md := range sink.AllMetrics() {
		assert.Zero(t, md.MetricCount(), "nothing from the cancelled scrape reaches the pipeline")
	}
}

// TestTimeoutStartsWithTheSlot: a request that waited for a slot still gets
// its whole timeout. Counted from the scrape's start, as it was, the wait
// for slots held by hung servers timed a healthy server's request out.
func TestTimeoutStartsWithTheSlot(t *testing.T) {
	const timeout, held = time.Minute, 50 * time.Millisecond
	s := NewShared(1, timeout)
	_, done1, err := s.Begin(context.Background())
	require.NoError(t, err)
	begun := time.Now()
	go func() { time.Sleep(held); done1() }()
	ctx, done2, err := s.Begin(context.Background())
	require.NoError(t, err)
	defer done2()
	deadline, ok := ctx.Deadline()
	require.True(t, ok, "the request has a timeout")
	assert.GreaterOrEqual(t, deadline.Sub(begun), timeout+held, "the timeout counts from the slot, not from the wait's start")
	assert.Less(t, time.Until(deadline), timeout+time.Second)

	// Without a timeout, none is set.
	ctx3, done3, err := NewShared(1, 0).Begin(context.Background())
	require.NoError(t, err)
	defer done3()
	_, ok = ctx3.Deadline()
	assert.False(t, ok)
}

// TestHungTargetsDoNotTimeOutAHealthyOne: with more hung requests than
// slots, a healthy target's scrape waits for a slot and then succeeds,
// rather than failing as timed out. The controllers get no timeout of their
// own: Shared applies it per request.
func TestHungTargetsDoNotTimeOutAHealthyOne(t *testing.T) {
	const timeout = 200 * time.Millisecond
	shared := NewShared(1, timeout)
	hungStarted := make(chan struct{}, 1)
	request := func(name string, hang bool) scraper.Metrics {
		s, err := scraper.NewMetrics(func(ctx context.Context) (pmetric.Metrics, error) {
			ctx, done, err := shared.Begin(ctx)
			if err != nil {
				return pmetric.NewMetrics(), err
			}
			defer done()
			if hang {
				select {
				case hungStarted <- struct{}{}:
				default:
				}
				<-ctx.Done()
				return pmetric.NewMetrics(), ctx.Err()
			}
			select { // a healthy server answers in a quarter of the timeout
			case <-time.After(timeout / 4):
			case <-ctx.Done():
				return pmetric.NewMetrics(), ctx.Err()
			}
			md := pmetric.NewMetrics()
			md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty().SetName(name)
			return md, nil
		})
		require.NoError(t, err)
		return s
	}
	cfg := scraperhelper.NewDefaultControllerConfig()
	cfg.CollectionInterval, cfg.InitialDelay, cfg.Timeout = time.Hour, 0, timeout
	sink := new(consumertest.MetricsSink)
	hung, err := New(&cfg, receivertest.NewNopSettings(typ), consumertest.NewNop(), typ, shared, []Target{{"hung", request("hung", true)}})
	require.NoError(t, err)
	require.NoError(t, hung.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, hung.Shutdown(context.Background())) }()
	<-hungStarted // the only slot is taken until the hung request times out
	healthy, err := New(&cfg, receivertest.NewNopSettings(typ), sink, typ, shared, []Target{{"healthy", request("healthy", false)}})
	require.NoError(t, err)
	require.NoError(t, healthy.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, healthy.Shutdown(context.Background())) }()
	require.Eventually(t, func() bool { return metricCount(sink) > 0 }, 10*time.Second, 5*time.Millisecond,
		"the healthy target delivered after the hung one's timeout freed the slot")
}

// metricCount counts the metrics delivered (a failed scrape delivers an
// empty batch).
func metricCount(sink *consumertest.MetricsSink) int {
	n := 0
	for _, md := range sink.AllMetrics() {
		n += md.MetricCount()
	}
	return n
}
