package qliksenseeventsreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

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
