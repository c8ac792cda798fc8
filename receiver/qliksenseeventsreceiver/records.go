package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/xpdata"

	"github.com/senseops/senseops-collector/internal/senseevent"
	"github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver/internal/metadata"
)

// resourceKey identifies the Sense host and service that sent a record.
type resourceKey struct {
	host    string
	service string
}

// batchBuilder gathers records into one plog.Logs, one resource per Sense
// host and service.
type batchBuilder struct {
	logs      plog.Logs
	resources map[resourceKey]plog.LogRecordSlice
	count     int
	version   string
	attrs     attrBuilder
}

func newBatchBuilder(version string) *batchBuilder {
	return &batchBuilder{
		logs:      plog.NewLogs(),
		resources: make(map[resourceKey]plog.LogRecordSlice),
		version:   version,
	}
}

// take returns the gathered logs and starts a new batch.
func (b *batchBuilder) take() plog.Logs {
	ld := b.logs
	b.logs = plog.NewLogs()
	clear(b.resources)
	b.count = 0
	return ld
}

func (b *batchBuilder) records(key resourceKey) plog.LogRecordSlice {
	if rs, ok := b.resources[key]; ok {
		return rs
	}
	rl := b.logs.ResourceLogs().AppendEmpty()
	attrs := rl.Resource().Attributes()
	attrs.PutStr(senseevent.AttrServiceNamespace, senseevent.ServiceNamespace)
	putStr(attrs, senseevent.AttrServiceName, key.service)
	putStr(attrs, senseevent.AttrHostName, key.host)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	sl.Scope().SetVersion(b.version)
	rs := sl.LogRecords()
	b.resources[key] = rs
	return rs
}

func putStr(m pcommon.Map, key, value string) {
	if value != "" {
		m.PutStr(key, value)
	}
}

// attrBuilder appends a record's attributes without the duplicate-key scan
// pcommon.Map's Put methods make before every insert (a quarter of the time
// spent putting a record's ~24 attributes in a 60,000/s profile).
// appendEvent sets each key at most once by construction;
// TestRecordKeysAreDistinct holds that for every kind.
type attrBuilder struct {
	xpdata.MapBuilder
}

// str appends a string attribute, leaving out empty values.
func (a *attrBuilder) str(key, value string) {
	if value != "" {
		a.AppendEmpty(key).SetStr(value)
	}
}

func (a *attrBuilder) int(key string, v int64) {
	a.AppendEmpty(key).SetInt(v)
}

func (a *attrBuilder) double(key string, v float64) {
	a.AppendEmpty(key).SetDouble(v)
}

// appendEvent adds one parsed event.
func (b *batchBuilder) appendEvent(ev *senseevent.Event, client string, observed pcommon.Timestamp) {
	lr := b.records(resourceKey{host: ev.Host, service: senseevent.ServiceName(ev.Kind)}).AppendEmpty()
	b.count++
	lr.SetObservedTimestamp(observed)
	attrs := &b.attrs
	attrs.EnsureCapacity(attrCapacity[ev.Kind])
	attrs.str(senseevent.AttrSource, ev.Kind.Source())
	attrs.str(senseevent.AttrClientAddress, client)
	if ev.TimeStatus == senseevent.TimeOK {
		lr.SetTimestamp(pcommon.Timestamp(ev.Time))
	} else {
		lr.SetTimestamp(observed)
		attrs.str(senseevent.AttrTimestampFallback, ev.TimeStatus.String())
	}
	if ev.Kind.IsUserEvent() {
		putUserEvent(lr, attrs, ev)
	} else {
		putLogEvent(lr, attrs, ev)
	}
	putUser(attrs, ev)
	attrs.str(senseevent.AttrSessionID, ev.ProxySession)
	attrs.str(senseevent.AttrAppID, ev.AppID)
	if ev.Ambiguous != senseevent.NotAmbiguous {
		attrs.str(senseevent.AttrParseAmbiguous, ev.Ambiguous.String())
	}
	if len(ev.Invalid) > 0 {
		// The key is appended (set once); the fields inside are put, not
		// appended: two problems may name the same field.
		invalid := attrs.AppendEmpty(senseevent.AttrParseInvalid).SetEmptyMap()
		for _, f := range ev.Invalid {
			invalid.PutStr(f.Field, f.Value)
		}
	}
	attrs.UnsafeIntoMap(lr.Attributes())
}

// attrCapacity is, per kind, how many attributes a record usually ends up
// with: what appendEvent sets (leaving out the rare parse problems) plus
// what this project's processors add (two categories; seven user-agent fields
// on user events). Sizing the slice once matters: growing it copies every
// attribute, and the profile showed the growth costing more memory than the
// records' values. Sizes matter too: a slice of n attributes takes 40n bytes
// plus the allocator's 8-byte header, rounded up to a size class. A qix-perf
// record (the most frequent kind when engine performance logging is on) gets
// 26 attributes from the receiver: 28 take the 1152-byte class, where the 34
// once reserved took the 1408-byte one, on every record.
var attrCapacity = [...]int{
	senseevent.KindEngine:          20 + processorAttrs,
	senseevent.KindProxy:           17 + processorAttrs,
	senseevent.KindRepository:      17 + processorAttrs,
	senseevent.KindScheduler:       17 + processorAttrs,
	senseevent.KindQixPerf:         26 + processorAttrs,
	senseevent.KindProxySession:    13 + 7 + processorAttrs,
	senseevent.KindProxyConnection: 13 + 7 + processorAttrs,
}

// processorAttrs is room for log_categorization's category attributes.
const processorAttrs = 2

func putUser(attrs *attrBuilder, ev *senseevent.Event) {
	attrs.str(senseevent.AttrUserID, ev.FullUser())
	attrs.str(senseevent.AttrUserName, ev.UserID)
	attrs.str(senseevent.AttrUserDirectory, ev.UserDir)
}

func putLogEvent(lr plog.LogRecord, attrs *attrBuilder, ev *senseevent.Event) {
	lr.SetSeverityText(ev.Level)
	lr.SetSeverityNumber(severityOf(ev.Level))
	if ev.HasRow {
		attrs.int(senseevent.AttrLogRow, ev.Row)
	}
	attrs.str(senseevent.AttrLogLocalTime, ev.LocalTime)
	attrs.str(senseevent.AttrSubsystem, ev.Logger)
	attrs.str(senseevent.AttrProcessOwner, ev.ServiceUser)
	if ev.Kind == senseevent.KindQixPerf {
		lr.Body().SetStr(ev.Method)
		putQixPerf(attrs, ev)
	} else {
		lr.Body().SetStr(ev.Message)
	}
	if ev.Exception != "" {
		attrs.str(senseevent.AttrExceptionMessage, ev.Exception)
		attrs.str(senseevent.AttrExceptionType, ev.ExceptionType)
	}
	switch ev.Kind {
	case senseevent.KindEngine, senseevent.KindQixPerf:
		attrs.str(senseevent.AttrEngineTimestamp, ev.EngineTime)
		attrs.str(senseevent.AttrEngineSessionID, ev.EngineSession)
		attrs.str(senseevent.AttrEngineProcessID, ev.ProcessID)
		attrs.str(senseevent.AttrEngineVersion, ev.EngineVersion)
		attrs.str(senseevent.AttrEngineStarted, ev.EngineStarted)
		attrs.str(senseevent.AttrEngineEntryType, ev.EntryType)
		if ev.NonUser {
			attrs.str(senseevent.AttrActivitySource, "non-user")
		} else if ev.ProxySession != "" {
			attrs.str(senseevent.AttrActivitySource, "user")
		}
	case senseevent.KindProxy, senseevent.KindRepository:
		attrs.str(senseevent.AttrCommand, ev.Command)
		if ev.HasResultCode {
			attrs.int(senseevent.AttrResultCode, ev.ResultCode)
		}
		attrs.str(senseevent.AttrOrigin, ev.Origin)
		attrs.str(senseevent.AttrContext, ev.Context)
	case senseevent.KindScheduler:
		attrs.str(senseevent.AttrTaskName, ev.TaskName)
		attrs.str(senseevent.AttrTaskID, ev.TaskID)
		attrs.str(senseevent.AttrTaskExecutionID, ev.ExecutionID)
		attrs.str(senseevent.AttrAppName, ev.AppName)
	}
}

func putQixPerf(attrs *attrBuilder, ev *senseevent.Event) {
	if ev.HasRequestID {
		attrs.int(senseevent.AttrQixRequestID, ev.RequestID)
	}
	attrs.str(senseevent.AttrQixMethod, ev.Method)
	putDouble(attrs, ev, senseevent.HasProcessTime, senseevent.AttrQixProcessTime, ev.ProcessTimeMS)
	putDouble(attrs, ev, senseevent.HasWorkTime, senseevent.AttrQixWorkTime, ev.WorkTimeMS)
	putDouble(attrs, ev, senseevent.HasLockTime, senseevent.AttrQixLockTime, ev.LockTimeMS)
	putDouble(attrs, ev, senseevent.HasValidateTime, senseevent.AttrQixValidateTime, ev.ValidateMS)
	putDouble(attrs, ev, senseevent.HasTraverseTime, senseevent.AttrQixTraverseTime, ev.TraverseMS)
	putInt(attrs, ev, senseevent.HasHandle, senseevent.AttrQixHandle, ev.Handle)
	putInt(attrs, ev, senseevent.HasNetRAM, senseevent.AttrQixNetRAM, ev.NetRAM)
	putInt(attrs, ev, senseevent.HasPeakRAM, senseevent.AttrQixPeakRAM, ev.PeakRAM)
	attrs.str(senseevent.AttrObjectID, ev.ObjectID)
	attrs.str(senseevent.AttrObjectType, ev.ObjectType)
}

func putDouble(attrs *attrBuilder, ev *senseevent.Event, bit senseevent.PresentFields, key string, v float64) {
	if ev.Present&bit != 0 {
		attrs.double(key, v)
	}
}

func putInt(attrs *attrBuilder, ev *senseevent.Event, bit senseevent.PresentFields, key string, v int64) {
	if ev.Present&bit != 0 {
		attrs.int(key, v)
	}
}

var userEventNames = [...]string{
	senseevent.ActionSessionStart:    "qliksense.session.start",
	senseevent.ActionSessionStop:     "qliksense.session.stop",
	senseevent.ActionConnectionOpen:  "qliksense.connection.open",
	senseevent.ActionConnectionClose: "qliksense.connection.close",
}

func putUserEvent(lr plog.LogRecord, attrs *attrBuilder, ev *senseevent.Event) {
	lr.Body().SetStr(ev.Message)
	attrs.str(senseevent.AttrCommand, ev.Command)
	if ev.Action != senseevent.ActionNone {
		attrs.str(senseevent.AttrAction, ev.Action.String())
		lr.SetEventName(userEventNames[ev.Action])
	}
	attrs.str(senseevent.AttrOrigin, ev.Origin)
	attrs.str(senseevent.AttrContext, ev.Context)
	attrs.str(senseevent.AttrUserAgentOriginal, ev.UserAgent)
}

// severityOf maps log4net level names, in any case, to OpenTelemetry
// severities: each name to the severity of the same name, and log4net's
// others by their values (NOTICE between INFO and WARN, SEVERE, CRITICAL and
// ALERT between ERROR and FATAL, EMERGENCY above FATAL; VERBOSE, FINEST and
// FINER are traces, FINE is DEBUG). "WARNING" is read as WARN. Levels it
// does not know keep only their text.
func severityOf(level string) plog.SeverityNumber {
	// Sense sends the names in upper case: a switch on constants first.
	switch level {
	case "WARN":
		return plog.SeverityNumberWarn
	case "ERROR":
		return plog.SeverityNumberError
	case "INFO":
		return plog.SeverityNumberInfo
	case "FATAL":
		return plog.SeverityNumberFatal
	}
	for _, l := range log4netLevels {
		if strings.EqualFold(level, l.name) {
			return l.severity
		}
	}
	return plog.SeverityNumberUnspecified
}

var log4netLevels = [...]struct {
	name     string
	severity plog.SeverityNumber
}{
	{"WARN", plog.SeverityNumberWarn},
	{"WARNING", plog.SeverityNumberWarn},
	{"ERROR", plog.SeverityNumberError},
	{"INFO", plog.SeverityNumberInfo},
	{"FATAL", plog.SeverityNumberFatal},
	{"DEBUG", plog.SeverityNumberDebug},
	{"FINE", plog.SeverityNumberDebug},
	{"TRACE", plog.SeverityNumberTrace},
	{"FINER", plog.SeverityNumberTrace},
	{"VERBOSE", plog.SeverityNumberTrace},
	{"FINEST", plog.SeverityNumberTrace},
	{"NOTICE", plog.SeverityNumberInfo2},
	{"SEVERE", plog.SeverityNumberError2},
	{"CRITICAL", plog.SeverityNumberError3},
	{"ALERT", plog.SeverityNumberError4},
	{"EMERGENCY", plog.SeverityNumberFatal2},
}

// appendRaw adds a datagram that is not a valid event, for include_unparsed.
func (b *batchBuilder) appendRaw(datagram string, reason string, kind senseevent.Kind, client string, observed pcommon.Timestamp) {
	lr := b.records(resourceKey{service: senseevent.ServiceName(kind)}).AppendEmpty()
	b.count++
	lr.SetObservedTimestamp(observed)
	lr.SetTimestamp(observed)
	attrs := lr.Attributes()
	attrs.PutStr(senseevent.AttrParseError, reason)
	putStr(attrs, senseevent.AttrClientAddress, client)
	if kind != senseevent.KindUnknown {
		attrs.PutStr(senseevent.AttrSource, kind.Source())
	}
	attrs.PutStr(senseevent.AttrTimestampFallback, senseevent.TimeMissing.String())
	if utf8.ValidString(datagram) {
		lr.Body().SetStr(datagram)
	} else {
		// Kept byte for byte: OTLP strings must be valid UTF-8.
		lr.Body().SetEmptyBytes().FromRaw([]byte(datagram))
	}
}

// clientAddresses caches the text form of the few addresses Sense sends from.
type clientAddresses map[netip.Addr]string

func (c clientAddresses) text(a netip.Addr) string {
	if !a.IsValid() {
		return "" // no sender known (Windows' oversized reads), not "invalid IP"
	}
	if s, ok := c[a]; ok {
		return s
	}
	if len(c) >= 4096 {
		clear(c)
	}
	s := a.Unmap().String()
	c[a] = s
	return s
}
