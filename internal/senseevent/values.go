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

// nullText is what log4net writes for a %property that is not set.
const nullText = "(null)"

// orMissing is s, or "" when s is log4net's text for a property not set.
func orMissing(s string) string {
	if s == nullText {
		return ""
	}
	return s
}

// setGUID stores s in *dst if it is a GUID, and records it as invalid
// otherwise. "0" (Sense's "no session") and log4net's "(null)" are missing
// values, and blanks around a GUID are ignored.
func (e *Event) setGUID(dst *string, field, s string) {
	if s == "" {
		return
	}
	if IsGUID(s) {
		*dst = s
		return
	}
	if s == "0" || s == nullText {
		return
	}
	if g := strings.TrimSpace(s); IsGUID(g) {
		*dst = g
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
		if s != nullText {
			e.invalid(field, s)
		}
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
	if !ok && s != nullText {
		e.invalid(field, s)
	}
	return v, ok
}

// setUser fills the user fields from a directory and id, or, when those are
// not both there, from full or id in the form DIRECTORY\userid or Qlik's
// "UserDirectory=X; UserId=Y". A directory and id win over a full user that
// names someone else (spec 4.3 rule 5), so the fields never disagree.
func (e *Event) setUser(dir, id, full string) {
	dir, id, full = orMissing(dir), orMissing(id), orMissing(full)
	switch {
	case dir != "" && id != "":
		if len(id) >= len(qlikUserDirectory)+len(qlikUserID)+3 {
			// An id in Qlik's form names its directory itself.
			if d, i, ok := qlikUser(id); ok {
				dir, id = d, i
			}
		}
		e.UserDir, e.UserID = dir, id
		if len(full) != len(dir)+1+len(id) || full[len(dir)] != '\\' || full[:len(dir)] != dir || full[len(dir)+1:] != id {
			return // full names someone else, or is not joined: FullUser joins dir and id
		}
	case full != "":
		e.UserDir, e.UserID = splitUser(full)
	case id != "":
		e.UserDir, e.UserID = splitUser(id)
		if e.UserDir != "" && len(e.UserDir)+1+len(e.UserID) == len(id) {
			e.UserFull = id // DIRECTORY\userid as sent
		}
	default:
		e.UserDir = dir
		if d, i, ok := qlikUser(dir); ok { // the whole user in the directory field
			e.UserDir, e.UserID = d, i
		}
	}
	if full != "" {
		if i := strings.IndexByte(full, '\\'); i > 0 && i < len(full)-1 {
			e.UserFull = full
		}
	}
}

// splitUser reads DIRECTORY\userid or Qlik's "UserDirectory=X; UserId=Y";
// anything else is a user id without a directory.
func splitUser(s string) (dir, id string) {
	if i := strings.IndexByte(s, '\\'); i > 0 && i < len(s)-1 {
		return s[:i], s[i+1:]
	}
	if dir, id, ok := qlikUser(s); ok {
		return dir, id
	}
	return "", s
}

const (
	qlikUserDirectory = "UserDirectory="
	qlikUserID        = "UserId="
)

// qlikUser reads Qlik's "UserDirectory=CORP; UserId=jdoe" user form (the
// X-Qlik-User header's, also used in Sense's logs).
func qlikUser(s string) (dir, id string, ok bool) {
	s = strings.TrimSpace(s)
	if !hasPrefixFold(s, qlikUserDirectory) {
		return "", "", false
	}
	d, rest, found := strings.Cut(s[len(qlikUserDirectory):], ";")
	rest = strings.TrimSpace(rest)
	if !found || !hasPrefixFold(rest, qlikUserID) {
		return "", "", false
	}
	d, i := strings.TrimSpace(d), strings.TrimSpace(rest[len(qlikUserID):])
	if d == "" || i == "" {
		return "", "", false
	}
	return d, i, true
}

func isQlikUser(s string) bool {
	_, _, ok := qlikUser(s)
	return ok
}

// hasPrefixFold is strings.HasPrefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// containsFold is strings.Contains, ignoring ASCII case.
func containsFold(s, substr string) bool {
	for i := 0; i+len(substr) <= len(s); i++ {
		if hasPrefixFold(s[i:], substr) {
			return true
		}
	}
	return false
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
	query := ""
	if q := strings.IndexByte(ctx, '?'); q >= 0 {
		ctx, query = ctx[:q], ctx[q+1:]
	}
	if q := strings.IndexByte(ctx, '#'); q >= 0 {
		ctx = ctx[:q]
	}
	for {
		i := strings.Index(ctx, "/app/")
		if i < 0 {
			return appIDFromQuery(query)
		}
		ctx = ctx[i+len("/app/"):]
		if len(ctx) >= 36 && IsGUID(ctx[:36]) && (len(ctx) == 36 || ctx[36] == '/') {
			return ctx[:36]
		}
	}
}

// appIDFromQuery finds the app GUID of a single-object URL's query,
// "/single/?appid=<guid>&sheet=...".
func appIDFromQuery(query string) string {
	if q := strings.IndexByte(query, '#'); q >= 0 {
		query = query[:q]
	}
	for query != "" {
		var param string
		param, query, _ = strings.Cut(query, "&")
		if len(param) == len("appid=")+36 && hasPrefixFold(param, "appid=") && IsGUID(param[len("appid="):]) {
			return param[len("appid="):]
		}
	}
	return ""
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
	typeNameLow  uint64 = (1<<10-1)<<'0' | 1<<'.' | 1<<'+' // (typed: an int has 32 bits on 386 and arm)
	typeNameHigh uint64 = (1<<26-1)<<('A'-64) | (1<<26-1)<<('a'-64) | 1<<('_'-64) | 1<<('`'-64)
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
	command = strings.TrimSpace(command) // as kindOf takes a marker with blanks
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
