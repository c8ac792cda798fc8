package senseapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/senseops/senseops-collector/internal/senseevent"
)

// Health is the engine healthcheck body. Sub-objects are pointers so a body
// that lacks one is told apart from one that reports zeros.
//
// The body is read leniently (see UnmarshalJSON): a leaf that is missing,
// null or unreadable is left at its zero value and Has reports false for it,
// so callers leave it out rather than report a false zero; the rest of the
// body is kept.
type Health struct {
	Version   string        `json:"version"`
	Started   string        `json:"started"`
	Mem       *HealthMem    `json:"mem"`
	CPU       *HealthCPU    `json:"cpu"`
	Session   *HealthCounts `json:"session"`
	Apps      *HealthApps   `json:"apps"`
	Users     *HealthCounts `json:"users"`
	Cache     *HealthCache  `json:"cache"`
	Saturated *bool         `json:"saturated"`

	// Unreadable names the fields that were there but could not be read
	// (text where a number belongs, a negative count, a value beyond range,
	// a list that is not a list, a start time not in the engine's form),
	// e.g. "mem.committed", sorted.
	Unreadable []string `json:"-"`
	// absent holds the leaves of present sub-objects that are missing, null
	// or unreadable. nil (a Health built in code) means all are there.
	absent map[string]bool
}

// Has reports whether a leaf of a present sub-object (e.g.
// "session.active", "apps.loaded_docs") was in the body and readable.
func (h *Health) Has(field string) bool { return !h.absent[field] }

// HealthMem is in MB, as the engine reports it.
type HealthMem struct {
	Committed     float64  `json:"committed"`
	Allocated     float64  `json:"allocated"`
	Free          float64  `json:"free"`
	TotalPhysical *float64 `json:"totalPhysical"`
}

// HealthCPU: total is percent of one core, averaged over 30 s.
type HealthCPU struct {
	Total float64 `json:"total"`
}

// HealthCounts is an active/total pair (sessions or users).
type HealthCounts struct {
	Active Count `json:"active"`
	Total  Count `json:"total"`
}

// HealthApps lists apps by state: active ⊆ loaded ⊆ in memory. Each list
// holds distinct, non-empty ids in the order the engine sent them; a list
// that is null is empty, one that is missing nil (and Has reports false).
type HealthApps struct {
	ActiveDocs   []string `json:"active_docs"`
	LoadedDocs   []string `json:"loaded_docs"`
	InMemoryDocs []string `json:"in_memory_docs"`
	Calls        Count    `json:"calls"`
	Selections   Count    `json:"selections"`
}

// HealthCache holds the engine's cumulative cache counters. BytesAdded may
// be negative: the engine's counter wraps (Butler SOS issue #933 shows
// -2068853448 from Sense February 2024).
type HealthCache struct {
	Hits       Count `json:"hits"`
	Lookups    Count `json:"lookups"`
	Added      Count `json:"added"`
	Replaced   Count `json:"replaced"`
	BytesAdded Count `json:"bytes_added"`
}

// Count is a whole number in a body. JSON has one number type, so 3, 3.0
// and 3e0 are all read as 3 (a fraction is rounded), as is the text "3";
// null leaves it 0; other text and numbers beyond int64 are malformed.
type Count int64

// UnmarshalJSON reads any JSON number, or a number written as text.
func (c *Count) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	v, err := parseCount(b)
	if err != nil {
		return err
	}
	*c = Count(v)
	return nil
}

// numberText returns the number in a JSON value: a number literal, or a
// string holding one (some serializers quote large integers).
func numberText(b []byte) (string, bool) {
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal([]byte(s), &s); err != nil {
			return "", false
		}
		s = strings.TrimSpace(s)
	}
	if s == "" || s == "null" || s == "true" || s == "false" || strings.ContainsAny(s, "[{\"") {
		return "", false
	}
	return s, true
}

// parseCount reads a whole number; a fraction is rounded.
func parseCount(b []byte) (int64, error) {
	s, ok := numberText(b)
	if !ok {
		return 0, fmt.Errorf("%s is not a number", b)
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if f = math.Round(f); err != nil || math.IsNaN(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, fmt.Errorf("%s is not a whole number in range", b)
	}
	return int64(f), nil
}

// parseNumber reads a finite number.
func parseNumber(b []byte) (float64, error) {
	s, ok := numberText(b)
	if !ok {
		return 0, fmt.Errorf("%s is not a number", b)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%s is not a finite number", b)
	}
	return f, nil
}

// healthFields are the top-level fields of a healthcheck; a JSON object
// with none of them is not a healthcheck.
var healthFields = []string{"version", "started", "mem", "cpu", "session", "apps", "users", "cache", "saturated"}

// maxMB is the most MB whose bytes fit an int64.
const maxMB = math.MaxInt64 / (1 << 20)

// UnmarshalJSON reads a healthcheck body field by field, so one field an
// engine build writes oddly costs only that field: numbers may be written as
// text, null leaves are left out, unknown fields are ignored, field names
// match case-insensitively. Counts must be whole and not negative (except
// cache.bytes_added, which wraps), memory in MB not negative and within
// range once in bytes. A body that is not a JSON object, or an object with
// none of the healthcheck's fields (an error document, say), is an error.
func (h *Health) UnmarshalJSON(b []byte) error {
	top, err := jsonObject(b)
	if err != nil {
		return fmt.Errorf("not an engine healthcheck: %w", err)
	}
	known := false
	for _, name := range healthFields {
		if _, ok := field(top, name); ok {
			known = true
			break
		}
	}
	if !known {
		return errors.New("not an engine healthcheck: the JSON object has none of its fields (version, mem, cpu, session, apps, users, cache, saturated)")
	}
	r := healthReader{h: &Health{absent: map[string]bool{}}}
	r.h.Version = r.text(top, "version")
	r.h.Started = r.text(top, "started")
	if _, ok := r.h.StartTime(); !ok && strings.TrimSpace(r.h.Started) != "" {
		// It costs uptime and the counters' start: named like the others.
		r.h.Unreadable = append(r.h.Unreadable, "started")
	}
	if m := r.object(top, "mem"); m != nil {
		// Sense 2.x/3.x engines spell it "comitted" (so does Qlik's
		// developer help for them); the right spelling wins when both are
		// there.
		if _, ok := field(m, "committed"); !ok {
			if v, ok := field(m, "comitted"); ok {
				m["committed"] = v
			}
		}
		mem := &HealthMem{}
		mem.Committed, _ = r.megabytes(m, "mem", "committed")
		mem.Allocated, _ = r.megabytes(m, "mem", "allocated")
		mem.Free, _ = r.megabytes(m, "mem", "free")
		if v, ok := r.megabytes(m, "mem", "totalPhysical"); ok {
			mem.TotalPhysical = &v
		}
		r.h.Mem = mem
	}
	if m := r.object(top, "cpu"); m != nil {
		cpu := &HealthCPU{}
		cpu.Total, _ = r.number(m, "cpu", "total")
		r.h.CPU = cpu
	}
	counts := func(name string) *HealthCounts {
		m := r.object(top, name)
		if m == nil {
			return nil
		}
		return &HealthCounts{Active: r.count(m, name, "active", false), Total: r.count(m, name, "total", false)}
	}
	r.h.Session = counts("session")
	r.h.Users = counts("users")
	if m := r.object(top, "apps"); m != nil {
		r.h.Apps = &HealthApps{
			ActiveDocs:   r.docs(m, "apps", "active_docs"),
			LoadedDocs:   r.docs(m, "apps", "loaded_docs"),
			InMemoryDocs: r.docs(m, "apps", "in_memory_docs"),
			Calls:        r.count(m, "apps", "calls", false),
			Selections:   r.count(m, "apps", "selections", false),
		}
	}
	if m := r.object(top, "cache"); m != nil {
		r.h.Cache = &HealthCache{
			Hits:       r.count(m, "cache", "hits", false),
			Lookups:    r.count(m, "cache", "lookups", false),
			Added:      r.count(m, "cache", "added", false),
			Replaced:   r.count(m, "cache", "replaced", false),
			BytesAdded: r.count(m, "cache", "bytes_added", true),
		}
	}
	r.h.Saturated = r.flag(top, "saturated")
	sort.Strings(r.h.Unreadable)
	*h = *r.h
	return nil
}

// jsonObject decodes b as a JSON object (not null).
func jsonObject(b []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, fmt.Errorf("a JSON %s, not an object", typeErr.Value)
		}
		return nil, err
	}
	if m == nil {
		return nil, errors.New("null, not an object")
	}
	return m, nil
}

// field returns an object's field by name: exactly, else ignoring case (as
// encoding/json matches struct fields). Of several names that match only
// ignoring case ("userid" and "USERID"), the least in byte order is taken:
// a map has no order, and the first one met would make the same body read
// differently from one call to the next.
func field(m map[string]json.RawMessage, name string) (json.RawMessage, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	var key string
	var val json.RawMessage
	found := false
	for k, v := range m {
		if strings.EqualFold(k, name) && (!found || k < key) {
			key, val, found = k, v, true
		}
	}
	return val, found
}

func isNull(v json.RawMessage) bool { return strings.TrimSpace(string(v)) == "null" }

// healthReader fills a Health, noting absent and unreadable fields.
type healthReader struct{ h *Health }

// leaf returns a field's value, nil when it is missing or null (then absent).
func (r *healthReader) leaf(m map[string]json.RawMessage, parent, name string) json.RawMessage {
	v, ok := field(m, name)
	if !ok || isNull(v) {
		r.h.absent[path(parent, name)] = true
		return nil
	}
	return v
}

func (r *healthReader) bad(parent, name string) {
	p := path(parent, name)
	r.h.absent[p] = true
	r.h.Unreadable = append(r.h.Unreadable, p)
}

func path(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// object returns a top-level sub-object, nil when missing, null or not an
// object (then unreadable).
func (r *healthReader) object(top map[string]json.RawMessage, name string) map[string]json.RawMessage {
	v, ok := field(top, name)
	if !ok || isNull(v) {
		return nil
	}
	m, err := jsonObject(v)
	if err != nil {
		r.h.Unreadable = append(r.h.Unreadable, name)
		return nil
	}
	return m
}

func (r *healthReader) count(m map[string]json.RawMessage, parent, name string, signed bool) Count {
	v := r.leaf(m, parent, name)
	if v == nil {
		return 0
	}
	n, err := parseCount(v)
	if err != nil || (n < 0 && !signed) {
		r.bad(parent, name)
		return 0
	}
	return Count(n)
}

func (r *healthReader) number(m map[string]json.RawMessage, parent, name string) (float64, bool) {
	v := r.leaf(m, parent, name)
	if v == nil {
		return 0, false
	}
	f, err := parseNumber(v)
	if err != nil || f < 0 {
		r.bad(parent, name)
		return 0, false
	}
	return f, true
}

func (r *healthReader) megabytes(m map[string]json.RawMessage, parent, name string) (float64, bool) {
	f, ok := r.number(m, parent, name)
	if ok && f > maxMB {
		r.bad(parent, name)
		return 0, false
	}
	return f, ok
}

// docs reads a list of app ids: distinct (in any case), non-empty strings in
// order; nil when missing (then absent), empty when null. Entries that are not strings
// are dropped and make the list unreadable: its count is left out (it would
// be too low), while the ids read still say which apps are in memory.
func (r *healthReader) docs(m map[string]json.RawMessage, parent, name string) []string {
	v, ok := field(m, name)
	if !ok {
		r.h.absent[path(parent, name)] = true
		return nil
	}
	if isNull(v) {
		return []string{}
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil {
		r.bad(parent, name)
		return nil
	}
	ids := make([]string, 0, len(raw))
	seen := make(map[string]bool, len(raw))
	odd := false
	for _, e := range raw {
		if isNull(e) {
			continue
		}
		var id string
		if err := json.Unmarshal(e, &id); err != nil {
			odd = true
			continue
		}
		id = strings.TrimSpace(id)
		key := strings.ToLower(id) // a GUID in either case is one app
		if id == "" || seen[key] {
			continue
		}
		seen[key] = true
		ids = append(ids, id)
	}
	if odd {
		r.bad(parent, name)
	}
	return ids
}

// text reads a string, or a number's literal (version 12); else "".
func (r *healthReader) text(m map[string]json.RawMessage, name string) string {
	v, ok := field(m, name)
	if !ok || isNull(v) {
		return ""
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return s
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err == nil {
		return n.String()
	}
	r.h.Unreadable = append(r.h.Unreadable, name)
	return ""
}

// flag reads a bool, also written as "true"/"false" or 1/0; nil when
// missing, null or unreadable.
func (r *healthReader) flag(m map[string]json.RawMessage, name string) *bool {
	v, ok := field(m, name)
	if !ok || isNull(v) {
		return nil
	}
	var b bool
	if err := json.Unmarshal(v, &b); err == nil {
		return &b
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		v = json.RawMessage(strings.TrimSpace(s))
	}
	switch strings.ToLower(string(v)) {
	case "true", "1":
		b = true
		return &b
	case "false", "0":
		return &b
	}
	// Any other spelling of 0 or 1, as other numbers are read: 1.0, 0e0.
	if f, err := strconv.ParseFloat(string(v), 64); err == nil && (f == 0 || f == 1) {
		b = f == 1
		return &b
	}
	r.h.Unreadable = append(r.h.Unreadable, name)
	return nil
}

// StartTime parses Started ("20240310T061201.000+0100", offset honoured)
// into Unix nanoseconds.
func (h *Health) StartTime() (int64, bool) {
	return senseevent.ParseTime(strings.TrimSpace(h.Started))
}

// SessionAppPrefix starts the ids of session apps (apps created on the fly,
// e.g. by mashups), which have no name in the repository.
const SessionAppPrefix = "SessionApp"

// IsSessionApp reports whether id names a session app.
func IsSessionApp(id string) bool { return strings.HasPrefix(id, SessionAppPrefix) }

// Session is one proxy session.
type Session struct {
	UserDirectory string `json:"UserDirectory"`
	UserID        string `json:"UserId"`
	SessionID     string `json:"SessionId"`
}

// UnmarshalJSON reads a session leniently: a user field that is a number
// (a numeric user id) is read as its text, one of another type as "", so
// one odd entry does not cost the whole list. Other properties (Attributes,
// ...) are ignored. null, or another value that is no object, is a session
// with no user.
func (s *Session) UnmarshalJSON(b []byte) error {
	*s = Session{}
	m, err := jsonObject(b)
	if err != nil {
		return nil
	}
	*s = Session{UserDirectory: lenientText(m, "UserDirectory"), UserID: lenientText(m, "UserId"), SessionID: lenientText(m, "SessionId")}
	return nil
}

// lenientText reads an object's field as text: a string as it is, a number
// as its text, anything else (or nothing) as "".
func lenientText(m map[string]json.RawMessage, name string) string {
	v, ok := field(m, name)
	if !ok {
		return ""
	}
	var text string
	if json.Unmarshal(v, &text) == nil {
		return text
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	return ""
}

// User returns DIRECTORY\userid, the user id alone without a directory, and
// "" without a user id: a directory alone names no user (as an event's
// FullUser), so "CORP\" is never counted as one.
func (s Session) User() string {
	if s.UserID == "" {
		return ""
	}
	if s.UserDirectory == "" {
		return s.UserID
	}
	return s.UserDirectory + `\` + s.UserID
}

// UserKey is the form in which two users are compared: Sense's user
// directories and ids are case-insensitive, and header, ticket or form
// logins keep the case the user typed, so CORP\JDoe and corp\jdoe are one
// user. Every component that counts or excludes users goes through it.
func UserKey(user string) string { return strings.ToLower(user) }

// App is the part of a repository app the collector uses.
type App struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}
