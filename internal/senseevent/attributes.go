package senseevent

// Attribute names used for Sense events in OTLP. OpenTelemetry semantic
// convention names where one fits, the qliksense. namespace for the rest.
// They are part of the project's public contract: dashboards and processors
// depend on them, so change them only with a migration note.
const (
	// Resource attributes: one resource per Sense host and service.
	AttrHostName         = "host.name"
	AttrServiceName      = "service.name"
	AttrServiceNamespace = "service.namespace"

	// Every record.
	AttrSource            = "qliksense.source"
	AttrClientAddress     = "client.address"
	AttrTimestampFallback = "qliksense.timestamp.fallback"
	// AttrTimestamp names Sense's time text in qliksense.parse.invalid when it
	// could not be read; a valid time is the record's Timestamp.
	AttrTimestamp      = "qliksense.timestamp"
	AttrParseInvalid   = "qliksense.parse.invalid"
	AttrParseAmbiguous = "qliksense.parse.ambiguous"
	AttrParseError     = "qliksense.parse.error"

	// Log events.
	AttrLogRow           = "qliksense.log.row"
	AttrLogLocalTime     = "qliksense.log.local_time"
	AttrSubsystem        = "qliksense.subsystem"
	AttrProcessOwner     = "process.owner"
	AttrExceptionMessage = "exception.message"
	AttrExceptionType    = "exception.type"

	// Users and sessions.
	AttrUserID         = "user.id"
	AttrUserName       = "user.name"
	AttrUserDirectory  = "qliksense.user.directory"
	AttrSessionID      = "session.id"
	AttrActivitySource = "qliksense.activity_source"

	// Engine.
	AttrEngineTimestamp = "qliksense.engine.timestamp"
	AttrEngineSessionID = "qliksense.engine.session.id"
	AttrEngineProcessID = "qliksense.engine.process.id"
	AttrEngineVersion   = "qliksense.engine.version"
	AttrEngineStarted   = "qliksense.engine.started"
	AttrEngineEntryType = "qliksense.engine.entry_type"

	// Apps, tasks and requests.
	AttrAppID           = "qliksense.app.id"
	AttrAppName         = "qliksense.app.name"
	AttrTaskID          = "qliksense.task.id"
	AttrTaskName        = "qliksense.task.name"
	AttrTaskExecutionID = "qliksense.task.execution.id"
	AttrCommand         = "qliksense.command"
	AttrResultCode      = "qliksense.result_code"
	AttrOrigin          = "qliksense.origin"
	AttrContext         = "qliksense.context"

	// Qix-perf.
	AttrQixRequestID    = "qliksense.qix.request.id"
	AttrQixMethod       = "qliksense.qix.method"
	AttrQixProcessTime  = "qliksense.qix.process_time_ms"
	AttrQixWorkTime     = "qliksense.qix.work_time_ms"
	AttrQixLockTime     = "qliksense.qix.lock_time_ms"
	AttrQixValidateTime = "qliksense.qix.validate_time_ms"
	AttrQixTraverseTime = "qliksense.qix.traverse_time_ms"
	AttrQixHandle       = "qliksense.qix.handle"
	AttrQixNetRAM       = "qliksense.qix.net_ram_bytes"
	AttrQixPeakRAM      = "qliksense.qix.peak_ram_bytes"
	AttrObjectID        = "qliksense.object.id"
	AttrObjectType      = "qliksense.object.type"

	// User events.
	AttrAction            = "qliksense.action"
	AttrUserAgentOriginal = "user_agent.original"
)

// ServiceNamespace is the service.namespace of every Sense resource.
const ServiceNamespace = "qliksense"

// ServiceName is the service.name of the Sense service that sends kind k,
// e.g. "qliksense-engine".
func ServiceName(k Kind) string { return serviceNames[k] }

var serviceNames = [numKinds]string{
	KindEngine:          "qliksense-engine",
	KindProxy:           "qliksense-proxy",
	KindRepository:      "qliksense-repository",
	KindScheduler:       "qliksense-scheduler",
	KindQixPerf:         "qliksense-engine",
	KindProxySession:    "qliksense-proxy",
	KindProxyConnection: "qliksense-proxy",
}
