package senseevent

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Reason names why a datagram was rejected. The values are stable: they are
// used as telemetry attribute values.
type Reason string

const (
	ReasonEmpty         Reason = "empty"
	ReasonInvalidUTF8   Reason = "invalid_utf8"
	ReasonUnknownMarker Reason = "unknown_marker"
	ReasonFieldCount    Reason = "field_count"
)

// Error is a rejected datagram.
type Error struct {
	Reason Reason
	Kind   Kind // the kind, when the marker was known
	Detail string
}

func (e *Error) Error() string {
	if e.Kind != KindUnknown {
		return fmt.Sprintf("%s %s: %s", e.Kind, e.Reason, e.Detail)
	}
	return fmt.Sprintf("%s: %s", e.Reason, e.Detail)
}

// Field counts of each appender's conversion pattern, marker included.
const (
	engineFields     = 19
	proxyFields      = 16 // proxy and repository
	schedulerFields  = 18
	qixPerfFields    = 26
	userEventFields  = 8
	logHeadFields    = 7 // rownum;longIso8601date;date;level;hostname;logger;user
	maxPrefixDisplay = 40
)

// Parse reads one datagram into ev, which it resets first. A leading
// byte-order mark and trailing line breaks and blanks are ignored. A datagram
// that is not valid UTF-8 is read as Windows-1252 (see windows1252ToUTF8). It
// returns an *Error when the datagram is rejected; problems that leave the
// event usable are reported in ev.Invalid and ev.Ambiguous instead. When the
// datagram holds more events, one per line, ev.Next is the rest of line, a
// suffix of it as given: parse it next (also after an error).
func Parse(line string, ev *Event) error {
	ev.reset()
	in := line
	line = strings.TrimPrefix(line, "\uFEFF")
	line = trimLineEnd(line)
	if trimSpace(line) == "" {
		return &Error{Reason: ReasonEmpty, Detail: "datagram has no content"}
	}
	nextAt := 0 // where in line the next event starts, when this one was cut off before it was read
	if len(line) > longDatagram {
		// A relay may join many events into one datagram. Reading the rest
		// of it for every event would cost time in the square of its
		// length, so a long one is cut at its next event first. (A short
		// one is searched only when its separators say so: below.)
		if i := nextEvent(line); i > 0 {
			nextAt, line = i, trimLineEnd(line[:i])
		}
	}
	var f fields
	text := line // what the fields are read from
	legacy := false
	if !f.scan(line) && !utf8.ValidString(line) {
		// log4net's UdpAppender encodes with the system's ANSI code page
		// (Windows-1252 on Western servers) unless the appender says
		// encoding="utf-8", so a user name such as "Jörg" arrives with a
		// byte 0xF6. OTLP strings must be UTF-8.
		if nextAt == 0 {
			// Convert this event only: converting the whole rest for every
			// event of a datagram costs time in the square of its length.
			// (A datagram that needs converting is searched for a next event
			// whatever its length: the search costs little beside that.)
			if i := nextEvent(line); i > 0 {
				nextAt, text = i, trimLineEnd(line[:i])
			}
		}
		// The bytes that are not UTF-8 may all be in the events after
		// this one: then this one is read as it is.
		legacy = len(text) == len(line) || !utf8.ValidString(text)
		if legacy {
			text = windows1252ToUTF8(text)
		}
		f.scan(text)
	}
	marker := f.marker()
	ev.Kind = kindOf(marker)
	if f.n > int(kindSeparators[ev.Kind]) || nextAt > 0 && ev.Kind != KindUnknown ||
		ev.Kind.IsUserEvent() && strings.IndexByte(f.line, '\n') >= 0 {
		// More separators than the layout has: the line may go on with
		// another event, and some may be inside a user in Qlik's form,
		// which no field position explains. (A user event's message comes
		// last and may hold ';', so there a line break is looked for too.
		// Log events are not searched for one on every line, which would
		// cost every event 3-5 % more instructions: in a short datagram
		// that is UTF-8, a broken line joined with an event, with just the
		// layout's separators between them, is read as one event. Only a
		// relay that joins lines sends such.) A line cut at its next event
		// above holds no other.
		if nextAt == 0 {
			if i := nextEvent(f.line); i > 0 {
				ev.Next = f.line[i:]
				f.scan(trimLineEnd(f.line[:i]))
			}
		}
		f.joinQlikUsers()
	}
	var err error
	switch ev.Kind {
	case KindEngine:
		err = ev.parseEngine(&f)
	case KindProxy, KindRepository:
		err = ev.parseProxy(&f)
	case KindScheduler:
		err = ev.parseScheduler(&f)
	case KindQixPerf:
		err = ev.parseQixPerf(&f)
	case KindProxySession, KindProxyConnection:
		err = ev.parseUserEvent(&f)
	default:
		// Not looked at above (an unknown marker says nothing about the
		// separators), but another event may follow on the next line.
		if i := nextEvent(f.line); i > 0 {
			ev.Next = f.line[i:]
		}
		err = &Error{Reason: ReasonUnknownMarker, Detail: fmt.Sprintf("unknown marker %q", prefix(marker))}
		if looksUTF16(in) {
			err.(*Error).Detail = utf16Hint
		}
	}
	if ev.Next != "" || nextAt > 0 {
		// Next is the rest of the input, as it came: the caller can then
		// tell which bytes this event was (also past a byte-order mark, a
		// trailing line break, or Windows-1252 text, which is longer read).
		at := nextAt
		if at == 0 {
			at = len(text) - len(ev.Next)
			if legacy {
				at = windows1252Offset(line, at)
			}
		}
		ev.Next = in[len(in)-len(strings.TrimPrefix(in, "\uFEFF"))+at:]
	}
	if err != nil && legacy {
		// Not UTF-8 and no event read as Windows-1252 either: garbage
		// rather than text in another encoding. (An event that is UTF-8
		// keeps its own reason, whatever follows it.)
		next := ev.Next
		ev.reset()
		ev.Next = next
		detail := "datagram is not valid UTF-8"
		if looksUTF16(in) {
			detail = utf16Hint
		}
		return &Error{Reason: ReasonInvalidUTF8, Detail: detail}
	}
	return err
}

// kindSeparators is, per kind, the most separators a line of one event
// usually has: the layout's for log events; for user events, whose message
// comes last and often has ';' (user agents do), one short of two events'.
// Unknown markers are never looked at.
var kindSeparators = [numKinds]uint16{
	KindUnknown:         math.MaxUint16,
	KindEngine:          engineFields - 1,
	KindProxy:           proxyFields - 1,
	KindRepository:      proxyFields - 1,
	KindScheduler:       schedulerFields - 1,
	KindQixPerf:         qixPerfFields - 1,
	KindProxySession:    2*(userEventFields-1) - 1,
	KindProxyConnection: 2*(userEventFields-1) - 1,
}

// nextEvent returns where a second event starts in line: at a line break
// followed by a marker (after a byte-order mark, which a relay that joins the
// lines of files keeps) and its separator; 0 if none does. The marker may be
// one no kind has (another appender's, such as /qseow-printing/): that line
// is rejected on its own rather than taken into the event before it. A line
// break in a message is followed by other text, and one with only blanks
// before it starts no second event: the first is still to come.
func nextEvent(line string) int {
	for i := 0; ; {
		j := strings.IndexByte(line[i:], '\n')
		if j < 0 {
			return 0
		}
		i += j + 1
		rest := strings.TrimPrefix(line[i:], "\uFEFF")
		if rest == "" || rest[0] != '/' {
			continue
		}
		// The marker's ';' is looked for in the next maxMarker bytes only:
		// searching the whole rest at every line break that starts with '/'
		// would cost time in the square of the datagram's length.
		if m := strings.IndexByte(rest[:min(len(rest), maxMarker+1)], ';'); m > 0 && (kindOf(rest[:m]) != KindUnknown || looksLikeMarker(rest[:m])) && trimSpace(line[:i]) != "" {
			return i
		}
	}
}

// utf16Hint is the detail of a datagram rejected because it is UTF-16: an
// appender whose encoding is "unicode" (log4net's name for UTF-16LE) sends
// every event so, and the warning should say what to change.
const utf16Hint = `the datagram is UTF-16 (an appender with encoding="unicode"?): set the appender's encoding to utf-8, as the shipped LocalLogConfig.xml files do`

// looksUTF16 reports whether s starts as a marker in UTF-16 does: '/'
// with a zero byte beside it, after a byte-order mark if any. Every marker
// starts with '/'; other binary junk is rejected with its own detail.
func looksUTF16(s string) bool {
	if strings.HasPrefix(s, "\xff\xfe") || strings.HasPrefix(s, "\xfe\xff") {
		s = s[2:]
	}
	return len(s) >= 2 && (s[0] == '/' && s[1] == 0 || s[0] == 0 && s[1] == '/')
}

// maxMarker is the longest marker nextEvent recognises; Sense's longest,
// /qseow-proxy-connection/, has 24 bytes.
const maxMarker = 64

// longDatagram is the length above which Parse cuts a datagram at its next
// event before reading the first: a one-event line of Sense's is shorter
// unless its message or exception is long, and then one search for a line
// break costs little beside reading it.
const longDatagram = 1024

// looksLikeMarker reports whether s has a marker's form, "/name/", with a
// name of letters, digits and -_./ only: no text of a message.
func looksLikeMarker(s string) bool {
	if len(s) < 3 || s[0] != '/' || s[len(s)-1] != '/' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i] | 0x20; !(c >= 'a' && c <= 'z' || s[i] >= '0' && s[i] <= '9' || s[i] == '-' || s[i] == '_' || s[i] == '.' || s[i] == '/') {
			return false
		}
	}
	return true
}

// trimLineEnd drops the line breaks, blanks and other control bytes at the
// end of s: a pattern ending in %newline sends "\r\n", and no field ends in
// a blank that matters.
func trimLineEnd(s string) string {
	for len(s) > 0 && s[len(s)-1] <= ' ' {
		s = s[:len(s)-1]
	}
	return s
}

// trimSpace is strings.TrimSpace with a shortcut for the usual field that
// has nothing to trim: every ASCII space is at most ' ', and a field that
// starts or ends with a non-ASCII byte goes to strings.TrimSpace, which
// knows the Unicode spaces.
func trimSpace(s string) string {
	if len(s) > 0 && s[0] > ' ' && s[0] < utf8.RuneSelf && s[len(s)-1] > ' ' && s[len(s)-1] < utf8.RuneSelf {
		return s
	}
	return strings.TrimSpace(s)
}

func prefix(s string) string {
	if len(s) <= maxPrefixDisplay {
		return s
	}
	cut := maxPrefixDisplay
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func (e *Event) fieldCountError(want int, f *fields) error {
	if e.Next == "" {
		// Too few fields: the line may be a broken event and another.
		if i := nextEvent(f.line); i > 0 {
			e.Next = f.line[i:]
			f.scan(trimLineEnd(f.line[:i]))
		}
	}
	got := f.n + 1 // f.n counts every separator, recorded or not
	return &Error{Reason: ReasonFieldCount, Kind: e.Kind,
		Detail: fmt.Sprintf("has %d fields, want %d", got, want)}
}

// parseLogHead fills the fields every log-event appender starts with.
func (e *Event) parseLogHead(f *fields) {
	if v, ok := e.parseInt(AttrLogRow, f.head(0)); ok {
		e.Row, e.HasRow = v, true
	}
	raw := f.head(1)
	e.TimeRaw = raw
	switch {
	case raw == "":
		e.TimeStatus = TimeMissing
	default:
		if t, ok := ParseTime(trimSpace(raw)); ok {
			e.Time = t
		} else if raw == nullText {
			e.TimeStatus, e.TimeRaw = TimeMissing, ""
		} else {
			e.TimeStatus = TimeInvalid
			e.invalid(AttrTimestamp, raw)
		}
	}
	e.LocalTime, e.Level, e.Host, e.Logger, e.ServiceUser = f.head(2), trimSpace(f.head(3)), f.head(4), f.head(5), f.head(6)
}

// setProxySession reads %property{ProxySessionId}: a GUID for user work, "0"
// for the engine's own work (reloads and the like).
func (e *Event) setProxySession(s string) {
	if s == "0" {
		e.NonUser = true
		return
	}
	e.setGUID(&e.ProxySession, AttrSessionID, s)
}

// plausibleGUIDs reports whether every non-empty value is a GUID (or "0",
// which Sense uses for "no session").
func plausibleGUIDs(values ...string) bool {
	for _, v := range values {
		if v != "" && v != "0" && v != nullText && !IsGUID(v) {
			return false
		}
	}
	return true
}

// engine: marker;head(7);message;ProxySessionId;ActiveUserDirectory;ActiveUserId;
// EngineTimestamp;ProcessId;Exe Version;Server Started;Entry Type;SessionId;AppId
func (e *Event) parseEngine(f *fields) error {
	if !f.layout(logHeadFields, 10) {
		return e.fieldCountError(engineFields, f)
	}
	e.parseLogHead(f)
	// The message is the only free text, so every extra ';' belongs to it.
	// If the fields after it still look wrong, say the split is uncertain.
	body := f.mid()
	if f.midHasSeparator() && !plausibleGUIDs(f.tail(0), f.tail(4), f.tail(8), f.tail(9)) {
		e.Ambiguous = AmbiguousTrailingFields
	}
	e.Message = body
	e.setProxySession(f.tail(0))
	e.setUser(f.tail(1), f.tail(2), "")
	e.EngineTime = orMissing(f.tail(3))
	e.setGUID(&e.ProcessID, AttrEngineProcessID, f.tail(4))
	e.EngineVersion, e.EngineStarted, e.EntryType = orMissing(f.tail(5)), orMissing(f.tail(6)), orMissing(f.tail(7))
	e.setGUID(&e.EngineSession, AttrEngineSessionID, f.tail(8))
	e.setGUID(&e.AppID, AttrAppID, f.tail(9))
	return nil
}

// proxy, repository: marker;head(7);message;exception;UserDirectory;UserId;
// Command;Result;Origin;Context
func (e *Event) parseProxy(f *fields) error {
	if err := e.parseLogWithException(f, 6, proxyFields); err != nil {
		return err
	}
	e.setUser(f.tail(0), f.tail(1), "")
	e.Command = orMissing(f.tail(2))
	if v, ok := e.parseInt(AttrResultCode, f.tail(3)); ok {
		e.ResultCode, e.HasResultCode = v, true
	}
	e.Origin, e.Context = orMissing(f.tail(4)), orMissing(f.tail(5))
	e.AppID = appIDFromContext(e.Context)
	return nil
}

// scheduler: marker;head(7);message;exception;UserDirectory;UserId;User;
// TaskName;AppName;TaskId;AppId;ExecutionId
func (e *Event) parseScheduler(f *fields) error {
	if err := e.parseLogWithException(f, 8, schedulerFields); err != nil {
		return err
	}
	user := orMissing(f.tail(2))
	// The task and app names are free text too: a ';' in one of them shifts
	// the user fields, which the split above cannot see. %property{User} is
	// DIRECTORY\userid, Qlik's "UserDirectory=X; UserId=Y" or empty, so other
	// text there shows it; and a user id with a '\' is the User shifted
	// into it (the task name shifted into User may have one: "Finance\Budget").
	if f.count() > schedulerFields-2 && (user != "" && strings.IndexByte(user, '\\') < 0 && !isQlikUser(user) ||
		strings.IndexByte(f.tail(1), '\\') >= 0) {
		e.Ambiguous = AmbiguousTrailingFields
	}
	e.setUser(f.tail(0), f.tail(1), user)
	e.TaskName, e.AppName = orMissing(f.tail(3)), orMissing(f.tail(4))
	e.setGUID(&e.TaskID, AttrTaskID, f.tail(5))
	e.setGUID(&e.AppID, AttrAppID, f.tail(6))
	e.setGUID(&e.ExecutionID, AttrTaskExecutionID, f.tail(7))
	return nil
}

// parseLogWithException lays out the kinds whose free text is
// "message;exception" followed by trailing fields (proxy, repository,
// scheduler), and reads the head, message and exception; want is the kind's
// field count, for the error.
func (e *Event) parseLogWithException(f *fields, trailing, want int) error {
	if !f.layout(logHeadFields, trailing) || f.count() < logHeadFields+trailing+1 { // the message and the exception
		return e.fieldCountError(want, f)
	}
	e.parseLogHead(f)
	e.splitMessageException(f)
	return nil
}

// splitMessageException divides "message;exception", either of which may
// itself contain ';'. One ';' is unambiguous. With more, an empty exception
// (text ending in ';') or a .NET exception type at the start of a part fixes
// the split; otherwise the last part is taken as the exception and the split
// is marked ambiguous, since messages contain ';' more often than exceptions.
// The text is f's mid.
func (e *Event) splitMessageException(f *fields) {
	body := f.mid()
	first, last := f.midSeparators()
	switch {
	case first == last:
	case last == len(body)-1 || body[last+1:] == nullText:
		// The exception is empty (or log4net's "(null)"): Sense sends most
		// warnings without one.
	default:
		split, found := -1, 0
		for i := first; i >= 0; {
			if ExceptionType(body[i+1:]) != "" {
				if found == 0 {
					split = i
				}
				found++
			}
			j := strings.IndexByte(body[i+1:], ';')
			if j < 0 {
				break
			}
			i += j + 1
		}
		if found > 0 {
			last = split
		}
		if found != 1 {
			e.Ambiguous = AmbiguousMessageException
		}
	}
	e.Message, e.Exception = body[:last], orMissing(body[last+1:])
	e.ExceptionType = ExceptionType(e.Exception)
}

// qix-perf: marker;head(7);ProxySessionId;ActiveUserDirectory;ActiveUserId;
// EngineTimestamp;SessionId;DocId;RequestId;Method;ProcessTime;WorkTime;
// LockTime;ValidateTime;TraverseTime;Handle;ObjectId;NetRAM;PeakRAM;ObjectType
func (e *Event) parseQixPerf(f *fields) error {
	if !f.layout(logHeadFields+14, 3) {
		return e.fieldCountError(qixPerfFields, f)
	}
	e.parseLogHead(f)
	const m = logHeadFields // the qix-perf fields after the log head
	e.setProxySession(f.head(m))
	e.setUser(f.head(m+1), f.head(m+2), "")
	e.EngineTime = orMissing(f.head(m + 3))
	e.setGUID(&e.EngineSession, AttrEngineSessionID, f.head(m+4))
	e.setGUID(&e.AppID, AttrAppID, f.head(m+5))
	if v, ok := e.parseInt(AttrQixRequestID, f.head(m+6)); ok {
		e.RequestID, e.HasRequestID = v, true
	}
	e.Method = orMissing(f.head(m + 7))
	e.setTimes(f, m+8)
	if v, ok := e.parseInt(AttrQixHandle, f.head(m+13)); ok {
		e.Handle, e.Present = v, e.Present|HasHandle
	}
	// The object id is the only field an app developer names, so an extra ';'
	// is taken to be in it; the RAM numbers after it show whether that held.
	e.ObjectID = orMissing(f.mid())
	invalidBefore := len(e.Invalid)
	if v, ok := e.parseInt(AttrQixNetRAM, f.tail(0)); ok {
		e.NetRAM, e.Present = v, e.Present|HasNetRAM
	}
	if v, ok := e.parseInt(AttrQixPeakRAM, f.tail(1)); ok {
		e.PeakRAM, e.Present = v, e.Present|HasPeakRAM
	}
	if f.midHasSeparator() && len(e.Invalid) > invalidBefore {
		e.Ambiguous = AmbiguousTrailingFields
	}
	e.ObjectType = orMissing(f.tail(2))
	return nil
}

// qixTimes are the qix-perf times, ProcessTime to TraverseTime, in order:
// their attributes, and Present has a bit for each from HasProcessTime up.
var qixTimes = [...]string{AttrQixProcessTime, AttrQixWorkTime, AttrQixLockTime, AttrQixValidateTime, AttrQixTraverseTime}

// setTimes reads the qix-perf times from leading field i on.
func (e *Event) setTimes(f *fields, i int) {
	var t [len(qixTimes)]float64
	for k := range t {
		start, end := f.headAt(i + k)
		v, ok := shortFloat(f.wordBefore(end), end-start)
		if !ok {
			v, ok = e.parseFloat(qixTimes[k], f.line[start:end])
		}
		if ok {
			t[k] = v
			e.Present |= HasProcessTime << k
		}
	}
	e.ProcessTimeMS, e.WorkTimeMS, e.LockTimeMS, e.ValidateMS, e.TraverseMS = t[0], t[1], t[2], t[3], t[4]
}

// user events: marker;hostname;Command;UserDirectory;UserId;Origin;Context;message
// The message comes last, so it keeps every ';' it contains.
func (e *Event) parseUserEvent(f *fields) error {
	if f.count() > userEventFields-2 && (f.startsQlikUserID(3) || f.startsQlikUserID(4)) {
		// A user in Qlik's form, "UserDirectory=CORP; UserId=jdoe", in
		// the directory or id field: its ';' separates no fields. (Parse
		// joins such users only on lines with more separators than user
		// agents usually bring.)
		f.joinQlikUsers()
	}
	if !f.layout(6, 0) {
		return e.fieldCountError(userEventFields, f)
	}
	msg := f.mid()
	e.TimeStatus = TimeMissing
	e.Host, e.Command = f.head(0), orMissing(f.head(1))
	e.setUser(f.head(2), f.head(3), "")
	e.Origin, e.Context, e.Message = orMissing(f.head(4)), orMissing(f.head(5)), msg
	e.Action = actionOf(e.Command)
	e.AppID = appIDFromContext(e.Context)
	e.ProxySession = sessionFromMessage(msg)
	e.UserAgent = userAgentFromMessage(msg)
	return nil
}
