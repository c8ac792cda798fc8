package qliksensemetricsconnector // import "github.com/senseops/senseops-collector/connector/qliksensemetricsconnector"

import (
	"context"
	"slices"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"

	"github.com/senseops/senseops-collector/connector/qliksensemetricsconnector/internal/metadata"
	"github.com/senseops/senseops-collector/internal/senseapi"
)

const (
	defaultEmitInterval    = 10 * time.Second
	defaultMaxSeries       = 5000
	defaultSessionTimeout  = 8 * time.Hour
	defaultMaxSessions     = 50000
	defaultAPITimeout      = 10 * time.Second
	defaultAppNamesRefresh = 5 * time.Minute
)

// NewFactory creates the factory for the qliksense_metrics connector.
func NewFactory() connector.Factory {
	return connector.NewFactory(
		metadata.Type,
		createDefaultConfig,
		connector.WithLogsToMetrics(createLogsToMetrics, metadata.LogsToMetricsStability),
	)
}

func createDefaultConfig() component.Config {
	appNames := AppNamesConfig{
		RefreshInterval:  defaultAppNamesRefresh,
		Timeout:          defaultAPITimeout,
		ConnectionConfig: senseapi.NewDefaultConnectionConfig(),
	}
	return &Config{
		EmitInterval: defaultEmitInterval,
		Events: EventsConfig{
			Enabled:    true,
			Categories: []string{allCategories},
			MaxSeries:  defaultMaxSeries,
		},
		Qix: QixConfig{
			Enabled:       true,
			Buckets:       slices.Clone(defaultBuckets),
			Dimensions:    slices.Clone(defaultDimensions),
			MaxSeries:     defaultMaxSeries,
			TrackRejected: true,
			AppNames:      appNames,
		},
		Sessions: SessionsConfig{
			Enabled:     true,
			Timeout:     defaultSessionTimeout,
			MaxSessions: defaultMaxSessions,
			Seed: SeedConfig{
				ConnectionConfig: senseapi.NewDefaultConnectionConfig(),
				Timeout:          defaultAPITimeout,
			},
		},
	}
}

func createLogsToMetrics(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Metrics) (connector.Logs, error) {
	return newConnector(cfg.(*Config), set, next)
}
