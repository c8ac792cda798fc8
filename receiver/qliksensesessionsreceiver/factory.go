package qliksensesessionsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksensesessionsreceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/senseops/senseops-collector/internal/senseapi"
	"github.com/senseops/senseops-collector/receiver/qliksensesessionsreceiver/internal/metadata"
)

const (
	defaultCollectionInterval = 30 * time.Second
	defaultTimeout            = 10 * time.Second
	defaultMaxConcurrency     = 10
)

// NewFactory creates the factory for the qliksense_sessions receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithMetrics(createMetricsReceiver, metadata.MetricsStability),
	)
}

func createDefaultConfig() component.Config {
	cc := scraperhelper.NewDefaultControllerConfig()
	cc.CollectionInterval = defaultCollectionInterval
	cc.Timeout = defaultTimeout
	return &Config{
		ControllerConfig:     cc,
		MetricsBuilderConfig: metadata.NewDefaultMetricsBuilderConfig(),
		ConnectionConfig:     senseapi.NewDefaultConnectionConfig(),
		MaxConcurrency:       defaultMaxConcurrency,
	}
}

func createMetricsReceiver(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	return newSessionsReceiver(cfg.(*Config), set, next)
}
