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
	// The 32 digits as four words, checked eight at a time: a GUID is checked
	// several times per event, and a byte loop with a table costs more.
	return notHex(load64(s))|notHex(load32(s[9:])|load32(s[14:])<<32)|
		notHex(load32(s[19:])|load32(s[24:])<<32)|notHex(load64(s[28:])) == 0
}

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
	// Cut at the first '?' or '#': two vectorised IndexByte calls cost less
	// than strings.IndexAny, which builds a set on every call.
	if q := strings.IndexByte(ctx, '?'); q >= 0 {
		ctx = ctx[:q]
	}
	if q := strings.IndexByte(ctx, '#'); q >= 0 {
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
	// Look for each quote and check that "ession " comes before it: with
	// strings.Index the pattern's first byte, 'e', matches too often.
	const before = "ession "
	for i := 0; ; {
		q := strings.IndexByte(msg[i:], '\'')
		if q < 0 {
			return ""
		}
		q += i
		i = q + 1
		if q >= len(before) && msg[q-len(before):q] == before {
			if rest := msg[i:]; len(rest) >= 37 && rest[36] == '\'' && IsGUID(rest[:36]) {
				return rest[:36]
			}
		}
	}
}

// ExceptionType returns the .NET exception type that starts an exception
// text such as "System.Net.WebException: Unable to connect" or
// "Npgsql.NpgsqlException (0x80004005): ...", or "".
func ExceptionType(s string) string {
	s = strings.TrimLeft(s, " ")
	// The name ends at ':', ' ' or '('; a byte that cannot be in a type
	// name ends the search early.
	end := 0
	for ; end < len(s); end++ {
		c := s[end]
		if c == ':' || c == ' ' || c == '(' {
			break
		}
		if !isTypeNameByte(c) {
			return ""
		}
	}
	name := s[:end]
	if !strings.HasSuffix(name, "Exception") || strings.IndexByte(name, '.') < 0 {
		return ""
	}
	return name
}

// Bits for the bytes that may be in a .NET type name: letters, digits and
// ._`+; bit c of typeNameLow for c < 64, bit c-64 of typeNameHigh above.
const (
	typeNameLow  = (1<<10-1)<<'0' | 1<<'.' | 1<<'+'
	typeNameHigh = (1<<26-1)<<('A'-64) | (1<<26-1)<<('a'-64) | 1<<('_'-64) | 1<<('`'-64)
)

func isTypeNameByte(c byte) bool {
	if c < 64 {
		return typeNameLow>>c&1 != 0
	}
	return c < 128 && typeNameHigh>>(c-64)&1 != 0
}

// actionOf maps a user event's %property{Command} to its action.
func actionOf(command string) Action {
	// Sense spells the commands as here, and a switch on constants costs a
	// fraction of EqualFold.
	switch command {
	case "Start session":
		return ActionSessionStart
	case "Stop session":
		return ActionSessionStop
	case "Open connection":
		return ActionConnectionOpen
	case "Close connection":
		return ActionConnectionClose
	}
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
