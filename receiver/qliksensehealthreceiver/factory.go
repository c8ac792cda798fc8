package qliksensehealthreceiver // import "github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/senseops/senseops-collector/internal/senseapi"
	"github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver/internal/metadata"
)

const (
	defaultCollectionInterval = 30 * time.Second
	defaultTimeout            = 10 * time.Second
	defaultMaxConcurrency     = 10
	defaultAppNamesRefresh    = 5 * time.Minute
)

// NewFactory creates the factory for the qliksense_health receiver.
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
		AppNames:             AppNamesConfig{Enabled: true, RefreshInterval: defaultAppNamesRefresh},
	}
}

func createMetricsReceiver(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	return newHealthReceiver(cfg.(*Config), set, next)
}
