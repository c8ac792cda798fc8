package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver/internal/metadata"
)

const (
	defaultEndpoint          = "localhost:9996"
	defaultReceiveBufferSize = 16 << 20 // 16 MiB: about 26,000 typical datagrams, 0.4 s at 60,000 events/s
	defaultMaxMessageSize    = 65507    // the largest UDP payload over IPv4
	defaultBatchSize         = 1000
	defaultBatchTimeout      = 100 * time.Millisecond
)

// NewFactory creates the factory for the qliksense_events receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogsReceiver, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		Endpoint:          defaultEndpoint,
		ReceiveBufferSize: defaultReceiveBufferSize,
		Readers:           1,
		MaxMessageSize:    defaultMaxMessageSize,
		Batch: BatchConfig{
			MaxSize: defaultBatchSize,
			Timeout: defaultBatchTimeout,
		},
	}
}

func createLogsReceiver(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newEventsReceiver(cfg.(*Config), set, next)
}
