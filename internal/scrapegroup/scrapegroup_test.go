package scrapegroup

import (
	"context"
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
	g, err := New(&cfg, receivertest.NewNopSettings(typ), sink, typ, []Target{
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

func TestLimiter(t *testing.T) {
	l := NewLimiter(2)
	require.NoError(t, l.Acquire(context.Background()))
	require.NoError(t, l.Acquire(context.Background()))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, l.Acquire(ctx), context.DeadlineExceeded, "a third request waits")
	var got atomic.Bool
	go func() { got.Store(l.Acquire(context.Background()) == nil) }()
	l.Release()
	require.Eventually(t, got.Load, 5*time.Second, time.Millisecond)
}
