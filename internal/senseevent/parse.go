package senseevent

import (
	"fmt"
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

// Parse reads one datagram into ev, which it resets first. A trailing line
// break and a leading byte-order mark are ignored. It returns an *Error when
// the datagram is rejected; problems that leave the event usable are reported
// in ev.Invalid and ev.Ambiguous instead.
func Parse(line string, ev *Event) error {
	ev.reset()
	line = strings.TrimPrefix(line, "\uFEFF")
	line = strings.TrimRight(line, "\r\n")
	if strings.TrimSpace(line) == "" {
		return &Error{Reason: ReasonEmpty, Detail: "datagram has no content"}
	}
	if !utf8.ValidString(line) {
		return &Error{Reason: ReasonInvalidUTF8, Detail: "datagram is not valid UTF-8"}
	}
	marker, rest, _ := strings.Cut(line, ";")
	ev.Kind = kindOf(marker)
	switch ev.Kind {
	case KindEngine:
		return ev.parseEngine(rest)
	case KindProxy, KindRepository:
		return ev.parseProxy(rest)
	case KindScheduler:
		return ev.parseScheduler(rest)
	case KindQixPerf:
		return ev.parseQixPerf(rest)
	case KindProxySession, KindProxyConnection:
		return ev.parseUserEvent(rest)
	}
	return &Error{Reason: ReasonUnknownMarker, Detail: fmt.Sprintf("unknown marker %q", prefix(marker))}
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

func (e *Event) fieldCountError(want int, rest string) error {
	got := strings.Count(rest, ";") + 2
	return &Error{Reason: ReasonFieldCount, Kind: e.Kind,
		Detail: fmt.Sprintf("has %d fields, want %d", got, want)}
}

// fields finds every ';' of a line once, left to right (IndexByte is
// vectorised), so both leading and trailing fields come from positions
// instead of a byte-by-byte scan from the end.
type fields struct {
	s   string
	pos [maxSeparators]int32
	n   int // separators found; more than maxSeparators means some were not recorded
}

// maxSeparators covers every fixed layout with room for ';' in free text;
// a line with more falls back to scanning from both ends.
const maxSeparators = 64

func (f *fields) scan(s string) {
	f.s, f.n = s, 0
	for i := 0; ; {
		j := strings.IndexByte(s[i:], ';')
		if j < 0 {
			return
		}
		if f.n < maxSeparators {
			f.pos[f.n] = int32(i + j)
		}
		f.n++
		i += j + 1
	}
}

// split fills h with the leading fields and t with the trailing ones and
// returns the text between them; ok is false with too few separators.
func (f *fields) split(h, t []string) (mid string, ok bool) {
	if f.n < len(h)+len(t) {
		return "", false
	}
	if f.n > maxSeparators {
		mid, ok = head(f.s, h)
		if ok {
			mid, ok = tail(mid, t)
		}
		return mid, ok
	}
	start := 0
	for i := range h {
		end := int(f.pos[i])
		h[i], start = f.s[start:end], end+1
	}
	end := len(f.s)
	for i := len(t) - 1; i >= 0; i-- {
		sep := int(f.pos[f.n-len(t)+i])
		t[i], end = f.s[sep+1:end], sep
	}
	return f.s[start:end], true
}

// head cuts len(dst) leading fields off s; ok is false when s has too few separators.
func head(s string, dst []string) (rest string, ok bool) {
	for i := range dst {
		j := strings.IndexByte(s, ';')
		if j < 0 {
			return "", false
		}
		dst[i], s = s[:j], s[j+1:]
	}
	return s, true
}

// tail cuts len(dst) trailing fields off s; ok is false when s has too few separators.
func tail(s string, dst []string) (rest string, ok bool) {
	for i := len(dst) - 1; i >= 0; i-- {
		j := strings.LastIndexByte(s, ';')
		if j < 0 {
			return "", false
		}
		dst[i], s = s[j+1:], s[:j]
	}
	return s, true
}

// parseLogHead fills the fields every log-event appender starts with.
func (e *Event) parseLogHead(f *[logHeadFields]string) {
	if v, ok := e.parseInt(AttrLogRow, f[0]); ok {
		e.Row, e.HasRow = v, true
	}
	e.TimeRaw = f[1]
	switch {
	case f[1] == "":
		e.TimeStatus = TimeMissing
	default:
		if t, ok := ParseTime(strings.TrimSpace(f[1])); ok {
			e.Time = t
		} else {
			e.TimeStatus = TimeInvalid
			e.invalid(AttrTimestamp, f[1])
		}
	}
	e.LocalTime, e.Level, e.Host, e.Logger, e.ServiceUser = f[2], strings.TrimSpace(f[3]), f[4], f[5], f[6]
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
		if v != "" && v != "0" && !IsGUID(v) {
			return false
		}
	}
	return true
}

// engine: marker;head(7);message;ProxySessionId;ActiveUserDirectory;ActiveUserId;
// EngineTimestamp;ProcessId;Exe Version;Server Started;Entry Type;SessionId;AppId
func (e *Event) parseEngine(rest string) error {
	var h [logHeadFields]string
	var t [10]string
	var f fields
	f.scan(rest)
	body, ok := f.split(h[:], t[:])
	if !ok {
		return e.fieldCountError(engineFields, rest)
	}
	e.parseLogHead(&h)
	// The message is the only free text, so every extra ';' belongs to it.
	// If the fields after it still look wrong, say the split is uncertain.
	if strings.IndexByte(body, ';') >= 0 && !plausibleGUIDs(t[0], t[4], t[8], t[9]) {
		e.Ambiguous = AmbiguousTrailingFields
	}
	e.Message = body
	e.setProxySession(t[0])
	e.setUser(t[1], t[2], "")
	e.EngineTime = t[3]
	e.setGUID(&e.ProcessID, AttrEngineProcessID, t[4])
	e.EngineVersion, e.EngineStarted, e.EntryType = t[5], t[6], t[7]
	e.setGUID(&e.EngineSession, AttrEngineSessionID, t[8])
	e.setGUID(&e.AppID, AttrAppID, t[9])
	return nil
}

// proxy, repository: marker;head(7);message;exception;UserDirectory;UserId;
// Command;Result;Origin;Context
func (e *Event) parseProxy(rest string) error {
	var h [logHeadFields]string
	var t [6]string
	var f fields
	f.scan(rest)
	body, ok := f.split(h[:], t[:])
	if !ok || f.n < len(h)+len(t)+1 { // the message and the exception
		return e.fieldCountError(proxyFields, rest)
	}
	e.parseLogHead(&h)
	e.splitMessageException(body)
	e.setUser(t[0], t[1], "")
	e.Command = t[2]
	if v, ok := e.parseInt(AttrResultCode, t[3]); ok {
		e.ResultCode, e.HasResultCode = v, true
	}
	e.Origin, e.Context = t[4], t[5]
	e.AppID = appIDFromContext(t[5])
	return nil
}

// scheduler: marker;head(7);message;exception;UserDirectory;UserId;User;
// TaskName;AppName;TaskId;AppId;ExecutionId
func (e *Event) parseScheduler(rest string) error {
	var h [logHeadFields]string
	var t [8]string
	var f fields
	f.scan(rest)
	body, ok := f.split(h[:], t[:])
	if !ok || f.n < len(h)+len(t)+1 { // the message and the exception
		return e.fieldCountError(schedulerFields, rest)
	}
	e.parseLogHead(&h)
	e.splitMessageException(body)
	e.setUser(t[0], t[1], t[2])
	e.TaskName, e.AppName = t[3], t[4]
	e.setGUID(&e.TaskID, AttrTaskID, t[5])
	e.setGUID(&e.AppID, AttrAppID, t[6])
	e.setGUID(&e.ExecutionID, AttrTaskExecutionID, t[7])
	return nil
}

// splitMessageException divides "message;exception", either of which may
// itself contain ';'. One ';' is unambiguous. With more, an empty exception
// (text ending in ';') or a .NET exception type at the start of a part fixes
// the split; otherwise the last part is taken as the exception and the split
// is marked ambiguous, since messages contain ';' more often than exceptions.
func (e *Event) splitMessageException(body string) {
	last := strings.LastIndexByte(body, ';')
	first := strings.IndexByte(body, ';')
	switch {
	case first == last:
	case last == len(body)-1:
		// The exception is empty: Sense sends most warnings without one.
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
	e.Message, e.Exception = body[:last], body[last+1:]
	e.ExceptionType = ExceptionType(e.Exception)
}

// qix-perf: marker;head(7);ProxySessionId;ActiveUserDirectory;ActiveUserId;
// EngineTimestamp;SessionId;DocId;RequestId;Method;ProcessTime;WorkTime;
// LockTime;ValidateTime;TraverseTime;Handle;ObjectId;NetRAM;PeakRAM;ObjectType
func (e *Event) parseQixPerf(rest string) error {
	var hm [logHeadFields + 14]string
	var t [3]string
	var f fields
	f.scan(rest)
	body, ok := f.split(hm[:], t[:])
	if !ok {
		return e.fieldCountError(qixPerfFields, rest)
	}
	h := (*[logHeadFields]string)(hm[:logHeadFields])
	m := hm[logHeadFields:]
	e.parseLogHead(h)
	e.setProxySession(m[0])
	e.setUser(m[1], m[2], "")
	e.EngineTime = m[3]
	e.setGUID(&e.EngineSession, AttrEngineSessionID, m[4])
	e.setGUID(&e.AppID, AttrAppID, m[5])
	if v, ok := e.parseInt(AttrQixRequestID, m[6]); ok {
		e.RequestID, e.HasRequestID = v, true
	}
	e.Method = m[7]
	e.setFloat(&e.ProcessTimeMS, HasProcessTime, AttrQixProcessTime, m[8])
	e.setFloat(&e.WorkTimeMS, HasWorkTime, AttrQixWorkTime, m[9])
	e.setFloat(&e.LockTimeMS, HasLockTime, AttrQixLockTime, m[10])
	e.setFloat(&e.ValidateMS, HasValidateTime, AttrQixValidateTime, m[11])
	e.setFloat(&e.TraverseMS, HasTraverseTime, AttrQixTraverseTime, m[12])
	e.setInt(&e.Handle, HasHandle, AttrQixHandle, m[13])
	// The object id is the only field an app developer names, so an extra ';'
	// is taken to be in it; the RAM numbers after it show whether that held.
	e.ObjectID = body
	invalidBefore := len(e.Invalid)
	e.setInt(&e.NetRAM, HasNetRAM, AttrQixNetRAM, t[0])
	e.setInt(&e.PeakRAM, HasPeakRAM, AttrQixPeakRAM, t[1])
	if strings.IndexByte(body, ';') >= 0 && len(e.Invalid) > invalidBefore {
		e.Ambiguous = AmbiguousTrailingFields
	}
	e.ObjectType = t[2]
	return nil
}

func (e *Event) setFloat(dst *float64, bit PresentFields, field, s string) {
	if v, ok := e.parseFloat(field, s); ok {
		*dst = v
		e.Present |= bit
	}
}

func (e *Event) setInt(dst *int64, bit PresentFields, field, s string) {
	if v, ok := e.parseInt(field, s); ok {
		*dst = v
		e.Present |= bit
	}
}

// user events: marker;hostname;Command;UserDirectory;UserId;Origin;Context;message
// The message comes last, so it keeps every ';' it contains.
func (e *Event) parseUserEvent(rest string) error {
	var f [6]string
	msg, ok := head(rest, f[:])
	if !ok {
		return e.fieldCountError(userEventFields, rest)
	}
	e.TimeStatus = TimeMissing
	e.Host, e.Command = f[0], f[1]
	e.setUser(f[2], f[3], "")
	e.Origin, e.Context, e.Message = f[4], f[5], msg
	e.Action = actionOf(f[1])
	e.AppID = appIDFromContext(f[5])
	e.ProxySession = sessionFromMessage(msg)
	e.UserAgent = userAgentFromMessage(msg)
	return nil
}
