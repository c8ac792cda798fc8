package senseevent

// Event is one parsed datagram. String fields are substrings of the line it
// was parsed from; a field Sense left empty is "". Fields a kind does not
// carry stay at their zero value.
type Event struct {
	Kind Kind

	// Time is Sense's own event time in Unix nanoseconds, valid when
	// TimeStatus is TimeOK. User events carry no time (TimeMissing).
	Time       int64
	TimeStatus TimeStatus
	// TimeRaw is the %longIso8601date text the time was read from.
	TimeRaw string

	// Common to the log-event kinds (everything but user events).
	Row         int64 // %rownum, a per-service sequence that wraps after 9999
	HasRow      bool
	LocalTime   string // log4net %date: server-local time without offset
	Level       string // log4net level name as sent
	Host        string // %hostname; also set for user events
	Logger      string // %logger; Butler SOS calls it the subsystem
	ServiceUser string // %user: the Windows account the service runs as
	Message     string // %encodedmessage, or %message for user events
	Exception   string // %encodedexception (proxy, repository, scheduler)
	// ExceptionType is the .NET type the exception starts with, if any.
	ExceptionType string
	UserDir       string // user directory of the acting user
	UserID        string // user id within UserDir
	UserFull      string // DIRECTORY\userid, derived when Sense does not send it
	AppID         string // validated GUID
	ProxySession  string // proxy session GUID (engine, qix-perf, user events)
	NonUser       bool   // ProxySessionId "0": the engine works for no user (reloads, ...)

	// Engine and qix-perf.
	EngineTime    string // %property{EngineTimestamp}, kept as text
	EngineSession string // engine session GUID (%property{SessionId})
	ProcessID     string // engine process GUID
	EngineVersion string
	EngineStarted string
	EntryType     string

	// Proxy, repository and user events.
	Command       string
	ResultCode    int64
	HasResultCode bool
	Origin        string
	Context       string

	// Scheduler.
	TaskName    string
	AppName     string
	TaskID      string
	ExecutionID string

	// Qix-perf.
	RequestID     int64
	HasRequestID  bool
	Method        string
	ProcessTimeMS float64
	WorkTimeMS    float64
	LockTimeMS    float64
	ValidateMS    float64
	TraverseMS    float64
	Handle        int64
	ObjectID      string
	ObjectType    string
	NetRAM        int64
	PeakRAM       int64
	// Present has one bit per optional numeric qix-perf field that parsed.
	Present PresentFields

	// User events.
	Action    Action
	UserAgent string // browser user agent from the message, unparsed

	// Problems found while parsing. A problem never rejects the event: the
	// affected value is left out and named here.
	Invalid   []InvalidField
	Ambiguous Ambiguity

	// Next is the rest of the datagram when it holds more than one event,
	// one per line (log4net sends one per datagram; a relay that joins lines
	// does not): parse it too. It is a suffix of the line given to Parse, and
	// it is set even when Parse rejects the event.
	Next string
}

// PresentFields records which optional qix-perf numbers were present and valid.
type PresentFields uint16

const (
	HasProcessTime PresentFields = 1 << iota
	HasWorkTime
	HasLockTime
	HasValidateTime
	HasTraverseTime
	HasHandle
	HasNetRAM
	HasPeakRAM
)

// TimeStatus says where an event's time came from.
type TimeStatus uint8

const (
	TimeOK      TimeStatus = iota // parsed from the event
	TimeMissing                   // the event carries no time
	TimeInvalid                   // the event's time text could not be read
)

func (s TimeStatus) String() string {
	switch s {
	case TimeOK:
		return "ok"
	case TimeMissing:
		return "missing"
	default:
		return "invalid"
	}
}

// Action is what a user event reports.
type Action uint8

const (
	ActionNone Action = iota
	ActionSessionStart
	ActionSessionStop
	ActionConnectionOpen
	ActionConnectionClose
)

var actionNames = [...]string{"", "session.start", "session.stop", "connection.open", "connection.close"}

// String is the stable name of the action, e.g. "session.start"; "" for none.
func (a Action) String() string { return actionNames[a] }

// InvalidField names a value that was present but malformed, and keeps it.
type InvalidField struct {
	Field string // the attribute name the value would have had
	Value string
}

// Ambiguity says which split of a line could not be made with certainty.
type Ambiguity uint8

const (
	NotAmbiguous Ambiguity = iota
	// AmbiguousMessageException: the message or exception contained ';' and
	// where one ends and the other begins was a best guess.
	AmbiguousMessageException
	// AmbiguousTrailingFields: extra ';' were taken as part of the free text,
	// but the fields after it do not look right, so the ';' may have been in
	// one of them instead.
	AmbiguousTrailingFields
)

func (a Ambiguity) String() string {
	switch a {
	case AmbiguousMessageException:
		return "message_exception_split"
	case AmbiguousTrailingFields:
		return "trailing_fields"
	default:
		return ""
	}
}

func (e *Event) invalid(field, value string) {
	e.Invalid = append(e.Invalid, InvalidField{Field: field, Value: value})
}

// reset clears e for reuse, keeping the Invalid slice's storage.
func (e *Event) reset() {
	inv := e.Invalid[:0]
	*e = Event{}
	e.Invalid = inv
}
