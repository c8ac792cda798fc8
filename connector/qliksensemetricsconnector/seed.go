package qliksensemetricsconnector // import "github.com/senseops/senseops-collector/connector/qliksensemetricsconnector"

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/senseops/senseops-collector/internal/senseapi"
)

// seeder reads one proxy's sessions.
type seeder struct {
	index   int
	host    string
	proxies []string
	client  *senseapi.Client
}

// seedLoop seeds at once, then every seed.interval if it is set.
func (c *qsConnector) seedLoop(ctx context.Context) {
	defer c.wg.Done()
	c.seed(ctx)
	interval := c.cfg.Sessions.Seed.Interval
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.seed(ctx)
		}
	}
}

// seed reads every proxy at once and applies each list as it arrives.
func (c *qsConnector) seed(ctx context.Context) {
	var wg sync.WaitGroup
	for _, s := range c.seeders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.seedProxy(ctx, s)
		}()
	}
	wg.Wait()
}

func (c *qsConnector) seedProxy(ctx context.Context, s *seeder) {
	pollStart := c.now()
	var listed []senseapi.Session
	complete := true
	for _, vp := range s.proxies {
		callCtx, cancel := context.WithTimeout(ctx, c.cfg.Sessions.Seed.Timeout)
		sessions, err := s.client.Sessions(callCtx, vp)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return // shutting down
			}
			complete = false
			kind := senseapi.KindOf(err)
			c.tb.ConnectorQliksenseMetricsSessionSeedErrors.Add(ctx, 1,
				metric.WithAttributeSet(attribute.NewSet(attribute.String("error.type", string(kind)))))
			c.logger.Warn("Could not read the proxy's sessions; the active-session gauges count only sessions seen in user events until it answers",
				zap.String("endpoint", s.client.Endpoint()), zap.String("virtual_proxy", vp),
				zap.String("error.type", string(kind)), zap.Error(err))
			continue
		}
		listed = append(listed, sessions...)
	}
	c.mu.Lock()
	c.sessions.seed(s.index, s.host, listed, complete, pollStart, c.now())
	c.mu.Unlock()
	c.logger.Debug("Seeded active proxy sessions from the proxy session API",
		zap.String("endpoint", s.client.Endpoint()), zap.String("host", s.host),
		zap.Int("sessions", len(listed)), zap.Bool("complete", complete))
}
