package senseevent

import (
	"strconv"
	"strings"
)

// IsGUID reports whether s is a GUID in the 8-4-4-4-12 hex form Sense uses
// (either case).
func IsGUID(s string) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	var bad byte
	for i := 0; i < 36; i++ {
		bad |= guidClass[s[i]]
	}
	// Dashes are allowed only where checked above: count them.
	return bad&notGUIDChar == 0 && strings.Count(s, "-") == 4
}

const notGUIDChar = 1

// guidClass marks the bytes that cannot appear in a GUID.
var guidClass = func() (t [256]byte) {
	for i := range t {
		c := byte(i)
		if !(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
			t[i] = notGUIDChar
		}
	}
	return t
}()

// setGUID stores s in *dst if it is a GUID, and records it as invalid otherwise.
func (e *Event) setGUID(dst *string, field, s string) {
	if s == "" {
		return
	}
	if IsGUID(s) {
		*dst = s
		return
	}
	e.invalid(field, s)
}

// parseInt reads a decimal integer, recording a non-empty malformed value.
func (e *Event) parseInt(field, s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	if v, ok := atoi(s); ok {
		return v, true
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		e.invalid(field, s)
		return 0, false
	}
	return v, true
}

// parseFloat reads a decimal number; NaN and infinities are invalid.
func (e *Event) parseFloat(field, s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	v, ok := atof(s)
	if !ok {
		e.invalid(field, s)
	}
	return v, ok
}

// setUser fills the user fields from a directory and id, or, when those are
// empty, from a DIRECTORY\userid string.
func (e *Event) setUser(dir, id, full string) {
	switch {
	case dir != "" && id != "":
		e.UserDir, e.UserID = dir, id
	case full != "":
		if i := strings.IndexByte(full, '\\'); i > 0 && i < len(full)-1 {
			e.UserDir, e.UserID = full[:i], full[i+1:]
		} else {
			e.UserID = full
		}
	default:
		e.UserDir, e.UserID = dir, id
	}
	if full != "" && strings.IndexByte(full, '\\') > 0 {
		e.UserFull = full
	}
}

// FullUser returns DIRECTORY\userid; it allocates only when Sense did not send
// the joined form.
func (e *Event) FullUser() string {
	if e.UserFull != "" {
		return e.UserFull
	}
	if e.UserDir != "" && e.UserID != "" {
		return e.UserDir + `\` + e.UserID
	}
	return ""
}

// appIDFromContext finds the app GUID in a proxy context such as
// "/app/<guid>?reloaduri=..." or "/hdr/sense/app/<guid>/sheet/...".
func appIDFromContext(ctx string) string {
	if q := strings.IndexAny(ctx, "?#"); q >= 0 {
		ctx = ctx[:q]
	}
	for {
		i := strings.Index(ctx, "/app/")
		if i < 0 {
			return ""
		}
		ctx = ctx[i+len("/app/"):]
		if len(ctx) >= 36 && IsGUID(ctx[:36]) && (len(ctx) == 36 || ctx[36] == '/') {
			return ctx[:36]
		}
	}
}

// userAgentFromMessage takes the browser user agent out of a proxy message
// such as "... UserAgent: 'Mozilla/5.0 (...)'".
func userAgentFromMessage(msg string) string {
	i := strings.Index(msg, "UserAgent:")
	if i < 0 {
		return ""
	}
	ua := strings.TrimSpace(msg[i+len("UserAgent:"):])
	if strings.HasPrefix(ua, "'") {
		ua = ua[1:]
		if j := strings.LastIndexByte(ua, '\''); j >= 0 {
			ua = ua[:j]
		}
	}
	return strings.TrimSpace(ua)
}

// sessionFromMessage finds the proxy session GUID in "... session '<guid>' ...".
func sessionFromMessage(msg string) string {
	for {
		i := strings.Index(msg, "ession '")
		if i < 0 {
			return ""
		}
		msg = msg[i+len("ession '"):]
		if len(msg) >= 37 && msg[36] == '\'' && IsGUID(msg[:36]) {
			return msg[:36]
		}
	}
}

// ExceptionType returns the .NET exception type that starts an exception
// text such as "System.Net.WebException: Unable to connect" or
// "Npgsql.NpgsqlException (0x80004005): ...", or "".
func ExceptionType(s string) string {
	s = strings.TrimLeft(s, " ")
	end := strings.IndexAny(s, ": (")
	if end < 0 {
		end = len(s)
	}
	name := s[:end]
	if !strings.HasSuffix(name, "Exception") || strings.IndexByte(name, '.') < 0 {
		return ""
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '.' || c == '_' || c == '`' || c == '+' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			return ""
		}
	}
	return name
}

// actionOf maps a user event's %property{Command} to its action.
func actionOf(command string) Action {
	switch {
	case strings.EqualFold(command, "Start session"):
		return ActionSessionStart
	case strings.EqualFold(command, "Stop session"):
		return ActionSessionStop
	case strings.EqualFold(command, "Open connection"):
		return ActionConnectionOpen
	case strings.EqualFold(command, "Close connection"):
		return ActionConnectionClose
	}
	return ActionNone
}
