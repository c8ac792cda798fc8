package qliksenseeventsreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/senseops/senseops-collector/internal/senseevent"
)

// TestAttrCapacityFitsEveryKind keeps attrCapacity honest: a well-formed
// event of any kind, with the most attributes its kind can carry in the
// samples, must fit without growing the slice, with the processors' room
// left over. A kind that gains an attribute fails here, not in a profile.
func TestAttrCapacityFitsEveryKind(t *testing.T) {
	userAgentAttrs := 7
	for _, file := range []string{"log-engine", "log-proxy", "log-repository", "log-scheduler", "log-qix-perf", "user-events"} {
		for _, line := range sampleLines(t, file) {
			var ev senseevent.Event
			require.NoError(t, senseevent.Parse(line, &ev), line)
			if ev.Ambiguous != senseevent.NotAmbiguous || len(ev.Invalid) > 0 {
				continue // rare problems may grow the slice
			}
			b := newBatchBuilder("test")
			b.appendEvent(&ev, "10.0.0.5", pcommon.Timestamp(1))
			lr := b.logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
			room := processorAttrs
			if ev.Kind.IsUserEvent() {
				room += userAgentAttrs
			}
			assert.LessOrEqual(t, lr.Attributes().Len()+room, attrCapacity[ev.Kind], "%s: %s", ev.Kind, line)
		}
	}
}

// TestSeverityOf maps every log4net level name, in any case, to its
// OpenTelemetry severity: the severity of the same name, and log4net's other
// levels by their values (NOTICE 50000 between INFO and WARN; SEVERE 80000,
// CRITICAL 90000 and ALERT 100000 between ERROR and FATAL; EMERGENCY 120000
// above FATAL).
func TestSeverityOf(t *testing.T) {
	tests := []struct {
		level string
		want  plog.SeverityNumber
	}{
		{"VERBOSE", plog.SeverityNumberTrace},
		{"FINEST", plog.SeverityNumberTrace},
		{"TRACE", plog.SeverityNumberTrace},
		{"trace", plog.SeverityNumberTrace},
		{"FINER", plog.SeverityNumberTrace},
		{"DEBUG", plog.SeverityNumberDebug},
		{"Debug", plog.SeverityNumberDebug},
		{"FINE", plog.SeverityNumberDebug},
		{"INFO", plog.SeverityNumberInfo},
		{"info", plog.SeverityNumberInfo},
		{"NOTICE", plog.SeverityNumberInfo2},
		{"WARN", plog.SeverityNumberWarn},
		{"warn", plog.SeverityNumberWarn},
		{"WARNING", plog.SeverityNumberWarn},
		{"Warning", plog.SeverityNumberWarn},
		{"ERROR", plog.SeverityNumberError},
		{"error", plog.SeverityNumberError},
		{"SEVERE", plog.SeverityNumberError2},
		{"CRITICAL", plog.SeverityNumberError3},
		{"ALERT", plog.SeverityNumberError4},
		{"FATAL", plog.SeverityNumberFatal},
		{"fatal", plog.SeverityNumberFatal},
		{"EMERGENCY", plog.SeverityNumberFatal2},
		{"", plog.SeverityNumberUnspecified},
		{"LOUD", plog.SeverityNumberUnspecified},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, severityOf(tt.level), tt.level)
	}
}
