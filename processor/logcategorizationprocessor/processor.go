package logcategorizationprocessor // import "github.com/senseops/senseops-collector/processor/logcategorizationprocessor"

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/senseops/senseops-collector/processor/logcategorizationprocessor/internal/metadata"
)

type logCategorizationProcessor struct {
	enabled   bool
	engine    *engine
	telemetry *metadata.TelemetryBuilder
	// Pre-built metric attributes: by rule, by category id.
	droppedAttrs []metric.AddOption
	countedAttrs []metric.AddOption
	scratch      sync.Pool
}

func newProcessor(cfg *Config, set component.TelemetrySettings) (*logCategorizationProcessor, error) {
	e, err := compile(cfg)
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	p := &logCategorizationProcessor{enabled: cfg.Enable, engine: e, telemetry: tb}
	for _, r := range e.rules {
		p.droppedAttrs = append(p.droppedAttrs, metric.WithAttributeSet(attribute.NewSet(attribute.String("rule", r.name))))
	}
	for _, c := range e.pairs {
		p.countedAttrs = append(p.countedAttrs, metric.WithAttributeSet(attribute.NewSet(
			attribute.String("category", c.Name), attribute.String("value", c.Value))))
	}
	p.scratch.New = func() any { return e.newScratch() }
	return p, nil
}

func (p *logCategorizationProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	if !p.enabled {
		return ld, nil
	}
	sc := p.scratch.Get().(*scratch)
	defer p.scratch.Put(sc)
	dropped := false
	ld.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		droppedHere := false
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			records := sl.LogRecords()
			n := records.Len()
			records.RemoveIf(func(lr plog.LogRecord) bool { return p.engine.apply(lr, sc) })
			if records.Len() == n {
				return false
			}
			droppedHere = true
			return records.Len() == 0
		})
		dropped = dropped || droppedHere
		// Only containers this processor emptied are removed.
		return droppedHere && rl.ScopeLogs().Len() == 0
	})
	p.flushCounts(ctx, sc)
	if dropped && ld.ResourceLogs().Len() == 0 {
		return ld, processorhelper.ErrSkipProcessingData
	}
	return ld, nil
}

// flushCounts adds the call's counts to the metrics and zeroes them.
func (p *logCategorizationProcessor) flushCounts(ctx context.Context, sc *scratch) {
	for i, n := range sc.dropped {
		if n > 0 {
			p.telemetry.ProcessorLogCategorizationRecordsDropped.Add(ctx, n, p.droppedAttrs[i])
			sc.dropped[i] = 0
		}
	}
	for i, n := range sc.counted {
		if n > 0 {
			p.telemetry.ProcessorLogCategorizationRecordsCategorized.Add(ctx, n, p.countedAttrs[i])
			sc.counted[i] = 0
		}
	}
}

func (p *logCategorizationProcessor) shutdown(context.Context) error {
	p.telemetry.Shutdown()
	return nil
}
