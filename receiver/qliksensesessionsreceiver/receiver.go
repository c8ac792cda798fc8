package qliksensesessionsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksensesessionsreceiver"

import (
	"fmt"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper"

	"github.com/senseops/senseops-collector/internal/scrapegroup"
	"github.com/senseops/senseops-collector/internal/senseapi"
	"github.com/senseops/senseops-collector/receiver/qliksensesessionsreceiver/internal/metadata"
)

// newSessionsReceiver polls every server on its own controller (see
// scrapegroup), so a slow proxy never delays another's data.
func newSessionsReceiver(cfg *Config, set receiver.Settings, next consumer.Metrics) (*scrapegroup.Group, error) {
	shared := scrapegroup.NewShared(cfg.MaxConcurrency, cfg.Timeout)
	excluded := make(map[string]bool, len(cfg.ExcludeUsers))
	for _, u := range cfg.ExcludeUsers {
		excluded[senseapi.UserKey(excludedUser(u))] = true
	}
	targets := make([]scrapegroup.Target, 0, len(cfg.Servers))
	for _, server := range cfg.Servers {
		s := newServerScraper(cfg, server, set, excluded, shared)
		sc, err := scraper.NewMetrics(s.scrape, scraper.WithStart(s.start), scraper.WithShutdown(s.shutdown))
		if err != nil {
			return nil, err
		}
		targets = append(targets, scrapegroup.Target{Name: fmt.Sprintf("servers %q", server.Name), Scraper: sc})
	}
	return scrapegroup.New(&cfg.ControllerConfig, set, next, metadata.Type, shared, targets)
}
