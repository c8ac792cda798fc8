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

// TestRecordKeysAreDistinct holds what attrBuilder relies on: appendEvent
// sets each attribute key at most once, for every kind, even with every
// field present, a fallback time, a parse ambiguity and invalid fields.
// pcommon.Map's Put methods would have replaced a repeated key; the builder
// would keep both.
func TestRecordKeysAreDistinct(t *testing.T) {
	for kind := senseevent.KindEngine; kind <= senseevent.KindProxyConnection; kind++ {
		for _, ev := range []senseevent.Event{fullEvent(kind, false), fullEvent(kind, true)} {
			b := newBatchBuilder("test")
			b.appendEvent(&ev, "10.0.0.5", pcommon.Timestamp(1))
			attrs := b.logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes()
			seen := map[string]bool{}
			for k := range attrs.All() {
				assert.False(t, seen[k], "%s: key %q set twice", kind, k)
				seen[k] = true
			}
			assert.GreaterOrEqual(t, len(seen), 15, "%s: the event should fill most attributes", kind)
		}
	}
}

// fullEvent is an event of kind with every field the parser can fill set.
func fullEvent(kind senseevent.Kind, nonUser bool) senseevent.Event {
	return senseevent.Event{
		Kind: kind, TimeStatus: senseevent.TimeInvalid, TimeRaw: "x",
		Row: 1, HasRow: true, LocalTime: "t", Level: "WARN", Host: "h", Logger: "l", ServiceUser: "s",
		Message: "m", Exception: "e", ExceptionType: "System.Exception",
		UserDir: "D", UserID: "u", UserFull: `D\u`, AppID: "a", ProxySession: "p", NonUser: nonUser,
		EngineTime: "et", EngineSession: "es", ProcessID: "pid", EngineVersion: "v", EngineStarted: "st", EntryType: "ty",
		Command: "c", ResultCode: 200, HasResultCode: true, Origin: "o", Context: "ctx",
		TaskName: "tn", AppName: "an", TaskID: "ti", ExecutionID: "ei",
		RequestID: 1, HasRequestID: true, Method: "Global::OpenApp", ProcessTimeMS: 1, WorkTimeMS: 1, LockTimeMS: 1,
		ValidateMS: 1, TraverseMS: 1, Handle: 1, ObjectID: "oid", ObjectType: "ot", NetRAM: 1, PeakRAM: 1,
		Present: ^senseevent.PresentFields(0),
		Action:  senseevent.ActionSessionStart, UserAgent: "Mozilla/5.0",
		Invalid:   []senseevent.InvalidField{{Field: "f", Value: "1"}, {Field: "f", Value: "2"}},
		Ambiguous: senseevent.AmbiguousTrailingFields,
	}
}
