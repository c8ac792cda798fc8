package sensesim

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func mustGen(t *testing.T, seed uint64, opts Options) *Generator {
	t.Helper()
	g, err := NewGenerator(seed, opts)
	if err != nil {
		t.Fatalf("NewGenerator: %v", err)
	}
	return g
}

func generate(t *testing.T, seed uint64, opts Options, n int) []Event {
	t.Helper()
	g := mustGen(t, seed, opts)
	out := make([]Event, n)
	for i := range out {
		out[i] = g.Next()
	}
	return out
}

func TestGeneratorDeterministic(t *testing.T) {
	start := time.Date(2024, 3, 12, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		a, b      Options
		seedA     uint64
		seedB     uint64
		wantEqual bool
	}{
		{"same seed", Options{Start: start}, Options{Start: start}, 1, 1, true},
		{"same seed zero options", Options{}, Options{}, 7, 7, true},
		{"same seed user only", Options{Weights: Weights{KindProxySession: 1, KindProxyConnection: 3}}, Options{Weights: Weights{KindProxySession: 1, KindProxyConnection: 3}}, 3, 3, true},
		{"different seed", Options{Start: start}, Options{Start: start}, 1, 2, false},
		{"different start", Options{Start: start}, Options{Start: start.Add(time.Hour)}, 1, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := generate(t, tt.seedA, tt.a, 3000)
			b := generate(t, tt.seedB, tt.b, 3000)
			same, sameLog, logs := 0, 0, 0
			for i := range a {
				eq := bytes.Equal(a[i].Payload, b[i].Payload)
				if eq {
					same++
				}
				if !a[i].Kind.IsUserEvent() {
					logs++
					if eq {
						sameLog++
					}
				}
			}
			if tt.wantEqual && same != len(a) {
				t.Fatalf("only %d of %d datagrams identical", same, len(a))
			}
			// User events carry no timestamp, so only log events must differ
			// when just the start time changes.
			if !tt.wantEqual && sameLog > 0 {
				t.Fatalf("%d of %d log-event datagrams identical, want all different", sameLog, logs)
			}
		})
	}
}

func TestNewGeneratorErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"no positive weight", Options{Weights: Weights{KindEngine: 0}}},
		{"negative weight", Options{Weights: Weights{KindEngine: -1, KindProxy: 1}}},
		{"unknown kind", Options{Weights: Weights{Kind(99): 1}}},
		{"negative interval", Options{Interval: -time.Second}},
		{"no host for kind", Options{Hosts: []Host{{Name: "QS-PROXY-01", Services: ServiceProxy}}, Weights: Weights{KindEngine: 1}}},
		{"duplicate host", Options{Hosts: []Host{{Name: "A", Services: ServiceAll}, {Name: "A", Services: ServiceAll}}}},
		{"bad host name", Options{Hosts: []Host{{Name: "A;B", Services: ServiceAll}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewGenerator(1, tt.opts); err == nil {
				t.Fatal("NewGenerator succeeded, want error")
			}
		})
	}
}

// layout describes where the fixed fields of a log event are: head fields
// counted from the start, then the free-text fields (message, exception)
// that may contain ';', then tail fields counted from the end.
type layout struct {
	freeText int // 1 = message, 2 = message + exception, 0 = none
	tail     int
}

var logLayouts = map[Kind]layout{
	KindEngine:     {1, 10},
	KindProxy:      {2, 6},
	KindRepository: {2, 6},
	KindScheduler:  {2, 8},
	KindQixPerf:    {0, 18},
}

var levels = map[Kind]map[string]bool{
	KindEngine:     {"WARN": true, "ERROR": true, "FATAL": true},
	KindProxy:      {"WARN": true, "ERROR": true, "FATAL": true},
	KindRepository: {"WARN": true, "ERROR": true, "FATAL": true},
	KindScheduler:  {"WARN": true, "ERROR": true, "FATAL": true},
	KindQixPerf:    {"INFO": true},
}

var loggerPrefix = map[Kind][]string{
	KindEngine:     {"Performance.Engine.", "System.Engine.", "Session.Engine."},
	KindProxy:      {"Audit.Proxy.", "AuditSecurity.", "Security.Proxy.", "System.Proxy."},
	KindRepository: {"Service.", "System.Repository.", "UserManagement.Repository."},
	KindScheduler:  {"Service.", "System.Scheduler."},
	KindQixPerf:    {"QixPerformance.Engine.Engine"},
}

func isUUIDOrEmpty(s string) bool { return s == "" || uuidRE.MatchString(s) }

// checkEvent verifies one event against the wire format and returns the
// split fields with free text re-joined: head (8), message, exception, tail.
func checkEvent(t *testing.T, ev Event, loc *time.Location) {
	t.Helper()
	p := string(ev.Payload)
	if strings.ContainsAny(p, "\r\n") || strings.HasSuffix(p, "\n") {
		t.Fatalf("%s: payload contains a newline: %q", ev.Kind, p)
	}
	parts := strings.Split(p, ";")
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s: %s\n  payload: %s", ev.Kind, fmt.Sprintf(format, args...), p)
	}
	if parts[0] != ev.Kind.Marker() {
		fail("marker %q", parts[0])
	}
	if ev.Kind.IsUserEvent() {
		checkUserEvent(t, ev, parts, fail)
		return
	}
	lay := logLayouts[ev.Kind]
	extra := strings.Count(ev.Message, ";") + strings.Count(ev.Exception, ";")
	if want := ev.Kind.FieldCount() + extra; len(parts) != want {
		fail("%d fields, want %d (%d fixed + %d ';' in free text)", len(parts), want, ev.Kind.FieldCount(), extra)
	}
	// Head: marker;rownum;longIso8601date;date;level;hostname;logger;user
	if n, err := strconv.Atoi(parts[1]); err != nil || n < 1 || n > 9999 {
		fail("rownum %q", parts[1])
	}
	iso, err := time.Parse(LayoutLongISO8601, parts[2])
	if err != nil {
		fail("longIso8601date %q: %v", parts[2], err)
	}
	if !iso.Equal(ev.Time) {
		fail("longIso8601date %s != event time %s", iso, ev.Time)
	}
	_, wantOff := ev.Time.In(loc).Zone()
	if _, off := iso.Zone(); off != wantOff {
		fail("longIso8601date offset %d, want %d", off, wantOff)
	}
	local, err := time.ParseInLocation(LayoutLog4netDate, parts[3], loc)
	if err != nil {
		fail("date %q: %v", parts[3], err)
	}
	if !local.Equal(ev.Time) {
		fail("date %s != event time %s", local, ev.Time)
	}
	if !levels[ev.Kind][parts[4]] {
		fail("level %q", parts[4])
	}
	if parts[5] != ev.Host || ev.Host == "" {
		fail("hostname %q, event host %q", parts[5], ev.Host)
	}
	okLogger := false
	for _, pre := range loggerPrefix[ev.Kind] {
		okLogger = okLogger || strings.HasPrefix(parts[6], pre)
	}
	if !okLogger {
		fail("logger %q", parts[6])
	}
	if parts[7] != `CORP\qlikservice` {
		fail("user %q", parts[7])
	}
	// Free text.
	i := 8
	if lay.freeText >= 1 {
		n := strings.Count(ev.Message, ";") + 1
		if got := strings.Join(parts[i:i+n], ";"); got != ev.Message || got == "" {
			fail("message %q, want %q", got, ev.Message)
		}
		i += n
	}
	if lay.freeText == 2 {
		n := strings.Count(ev.Exception, ";") + 1
		if got := strings.Join(parts[i:i+n], ";"); got != ev.Exception {
			fail("exception %q, want %q", got, ev.Exception)
		}
		i += n
	}
	tail := parts[i:]
	if len(tail) != lay.tail {
		fail("%d tail fields, want %d", len(tail), lay.tail)
	}
	switch ev.Kind {
	case KindEngine:
		checkEngineTail(tail, fail)
	case KindProxy, KindRepository:
		// UserDirectory;UserId;Command;Result;Origin;Context
		if (tail[0] == "") != (tail[1] == "") {
			fail("user directory/id %q/%q", tail[0], tail[1])
		}
		if _, err := strconv.Atoi(tail[3]); err != nil {
			fail("result %q", tail[3])
		}
		if tail[2] == "" || tail[4] == "" {
			fail("command/origin empty")
		}
	case KindScheduler:
		// UserDirectory;UserId;User;TaskName;AppName;TaskId;AppId;ExecutionId
		if tail[0] != "" && tail[2] != tail[0]+`\`+tail[1] {
			fail("user %q vs %q\\%q", tail[2], tail[0], tail[1])
		}
		for _, f := range tail[5:] {
			if !isUUIDOrEmpty(f) {
				fail("scheduler GUID %q", f)
			}
		}
	case KindQixPerf:
		checkQixPerfTail(tail, fail)
	}
}

func checkEngineTail(tail []string, fail func(string, ...any)) {
	// ProxySessionId;ActiveUserDirectory;ActiveUserId;EngineTimestamp;ProcessId;
	// Exe Version;Server Started;Entry Type;SessionId;AppId
	if tail[0] != "0" && !isUUIDOrEmpty(tail[0]) {
		fail("ProxySessionId %q", tail[0])
	}
	if _, err := time.Parse(LayoutEngineTimestamp, tail[3]); err != nil {
		fail("EngineTimestamp %q: %v", tail[3], err)
	}
	if !uuidRE.MatchString(tail[4]) {
		fail("ProcessId %q", tail[4])
	}
	if tail[5] == "" {
		fail("Exe Version empty")
	}
	if _, err := time.Parse(LayoutEngineTimestamp, tail[6]); err != nil {
		fail("Server Started %q: %v", tail[6], err)
	}
	if tail[7] != "Server" && tail[7] != "Session" {
		fail("Entry Type %q", tail[7])
	}
	if !isUUIDOrEmpty(tail[8]) || !isUUIDOrEmpty(tail[9]) {
		fail("SessionId/AppId %q %q", tail[8], tail[9])
	}
}

var oneDecimalRE = regexp.MustCompile(`^(0|[0-9]+\.[0-9])$`)

func checkQixPerfTail(f []string, fail func(string, ...any)) {
	// 0 ProxySessionId;1 ActiveUserDirectory;2 ActiveUserId;3 EngineTimestamp;4 SessionId;
	// 5 DocId;6 RequestId;7 Method;8 ProcessTime;9 WorkTime;10 LockTime;11 ValidateTime;
	// 12 TraverseTime;13 Handle;14 ObjectId;15 NetRAM;16 PeakRAM;17 ObjectType
	if f[0] == "0" {
		if f[1] != "INTERNAL" {
			fail("non-user work by %q", f[1])
		}
	} else if !uuidRE.MatchString(f[0]) || f[1] == "" || f[2] == "" {
		fail("user work without session/user: %q %q %q", f[0], f[1], f[2])
	}
	if _, err := time.Parse(LayoutEngineTimestamp, f[3]); err != nil {
		fail("EngineTimestamp %q", f[3])
	}
	if !uuidRE.MatchString(f[4]) || !uuidRE.MatchString(f[5]) {
		fail("SessionId/DocId %q %q", f[4], f[5])
	}
	if n, err := strconv.Atoi(f[6]); err != nil || n < 0 {
		fail("RequestId %q", f[6])
	}
	if !strings.Contains(f[7], "::") {
		fail("Method %q", f[7])
	}
	var v [5]float64
	for i := range v {
		s := f[8+i]
		if !oneDecimalRE.MatchString(s) {
			fail("time %q not in one-decimal form", s)
		}
		v[i], _ = strconv.ParseFloat(s, 64)
	}
	process, work, lock, validate, traverse := v[0], v[1], v[2], v[3], v[4]
	if process <= 0 || work > process || traverse > work || lock > process || validate > process {
		fail("timings process=%v work=%v lock=%v validate=%v traverse=%v", process, work, lock, validate, traverse)
	}
	if h, err := strconv.Atoi(f[13]); err != nil || h < -1 {
		fail("Handle %q", f[13])
	}
	net, err1 := strconv.ParseInt(f[15], 10, 64)
	peak, err2 := strconv.ParseInt(f[16], 10, 64)
	if err1 != nil || err2 != nil || net < 0 || peak < net {
		fail("RAM net=%q peak=%q", f[15], f[16])
	}
	if (f[14] == "<Unknown>") != (f[17] == "<Unknown>") {
		fail("ObjectId %q with ObjectType %q", f[14], f[17])
	}
	switch {
	case f[7] == "Global::OpenApp":
		if f[13] != "-1" {
			fail("OpenApp handle %q", f[13])
		}
	case strings.HasPrefix(f[7], "GenericObject::"):
		if f[14] == "<Unknown>" {
			fail("GenericObject method without object")
		}
	}
}

var (
	startMsgRE = regexp.MustCompile(`^(Start|Stop) session for user '([^'\\]+)\\([^']+)' \(session '([0-9a-f-]{36})'\)$`)
	connMsgRE  = regexp.MustCompile(`^Websocket connection (Opened|Closed) for session '([0-9a-f-]{36})'\. UserAgent: '(.*)'$`)
)

func checkUserEvent(t *testing.T, ev Event, parts []string, fail func(string, ...any)) {
	t.Helper()
	if len(parts) < ev.Kind.FieldCount() {
		fail("%d fields, want at least %d", len(parts), ev.Kind.FieldCount())
	}
	// marker;hostname;Command;UserDirectory;UserId;Origin;Context;message...
	if parts[1] != ev.Host || ev.Host == "" {
		fail("host %q", parts[1])
	}
	msg := strings.Join(parts[7:], ";")
	if msg != ev.Message {
		fail("message %q, want %q", msg, ev.Message)
	}
	if parts[5] != "AppAccess" {
		fail("origin %q", parts[5])
	}
	ctx := parts[6]
	if ctx != "/hub/" {
		id, _, _ := strings.Cut(strings.TrimPrefix(ctx, "/app/"), "?")
		if !strings.HasPrefix(ctx, "/app/") || !uuidRE.MatchString(id) {
			fail("context %q", ctx)
		}
	}
	switch ev.Kind {
	case KindProxySession:
		m := startMsgRE.FindStringSubmatch(msg)
		if m == nil {
			fail("session message %q", msg)
		}
		if parts[2] != m[1]+" session" || m[2] != parts[3] || m[3] != parts[4] {
			fail("command/user %q %q %q do not match message", parts[2], parts[3], parts[4])
		}
	case KindProxyConnection:
		m := connMsgRE.FindStringSubmatch(msg)
		if m == nil {
			fail("connection message %q", msg)
		}
		want := map[string]string{"Opened": "Open connection", "Closed": "Close connection"}[m[1]]
		if parts[2] != want {
			fail("command %q for %s", parts[2], m[1])
		}
	}
}

func TestWireFormat(t *testing.T) {
	minus5, _ := ParseTZOffset("-0500")
	plus530, _ := ParseTZOffset("+05:30")
	tests := []struct {
		name string
		seed uint64
		opts Options
		n    int
	}{
		{"default mix", 1, Options{}, 8000},
		{"log events only", 2, Options{Weights: DefaultWeights().Only(LogKinds()...)}, 5000},
		{"user events only", 3, Options{Weights: DefaultWeights().Only(UserKinds()...)}, 4000},
		{"negative offset", 4, Options{Location: minus5, Start: time.Date(2024, 11, 3, 1, 59, 0, 0, time.UTC)}, 3000},
		{"half-hour offset", 5, Options{Location: plus530, Interval: time.Second}, 3000},
		{"rare kinds heavy", 6, Options{Weights: Weights{KindEngine: 1, KindProxy: 1, KindRepository: 1, KindScheduler: 1}}, 4000},
		{"single host site", 7, Options{Hosts: []Host{{Name: "QLIKSERVER", Services: ServiceAll}}}, 3000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := mustGen(t, tt.seed, tt.opts)
			var counts Counts
			shifted := map[Kind]int{}
			prev := time.Time{}
			for i := 0; i < tt.n; i++ {
				ev := g.Next()
				checkEvent(t, ev, g.Location())
				if ev.Time.Before(prev) {
					t.Fatalf("event %d time %s before previous %s", i, ev.Time, prev)
				}
				prev = ev.Time
				counts[ev.Kind]++
				if !ev.Kind.IsUserEvent() && strings.Count(string(ev.Payload), ";") >= ev.Kind.FieldCount() {
					shifted[ev.Kind]++
				}
			}
			want := tt.opts.Weights
			if want == nil {
				want = DefaultWeights()
			}
			for _, k := range AllKinds() {
				if (want[k] > 0) != (counts[k] > 0) {
					t.Errorf("kind %s: weight %v but %d events", k, want[k], counts[k])
				}
			}
			// Free text with ';' must occur, so collectors get to see shifted fields.
			for _, k := range []Kind{KindEngine, KindProxy, KindRepository, KindScheduler} {
				if counts[k] > 300 && shifted[k] == 0 {
					t.Errorf("kind %s: no event with ';' in message/exception among %d", k, counts[k])
				}
			}
			t.Logf("counts: %s; with extra ';': %v", counts, shifted)
		})
	}
}

func TestTimestampsFollowSchedule(t *testing.T) {
	minus5, _ := ParseTZOffset("-0500")
	start := time.Date(2024, 3, 12, 15, 0, 0, 0, time.UTC)
	g := mustGen(t, 9, Options{Start: start, Location: minus5, Interval: 100 * time.Millisecond})
	for i := 0; i < 1000; i++ {
		ev := g.Next()
		lo := start.Add(time.Duration(i) * 100 * time.Millisecond)
		hi := lo.Add(100 * time.Millisecond)
		if ev.Time.Before(lo) || !ev.Time.Before(hi) {
			t.Fatalf("event %d at %s, want in [%s, %s)", i, ev.Time, lo, hi)
		}
		if i == 0 && !ev.Kind.IsUserEvent() {
			f := strings.Split(string(ev.Payload), ";")
			if !strings.HasPrefix(f[2], "20240312T10000") || !strings.HasSuffix(f[2], "-0500") {
				t.Errorf("longIso8601date %q, want 20240312T10000x.xxx-0500", f[2])
			}
			if !strings.HasPrefix(f[3], "2024-03-12 10:00:0") {
				t.Errorf("date %q, want local time 2024-03-12 10:00:0x,xxx", f[3])
			}
		}
	}
	// The default start is 10:00 local on the sample date.
	ev := mustGen(t, 1, Options{}).Next()
	if got := ev.Time.Format(LayoutLongISO8601); !strings.HasPrefix(got, "20240312T1000") || !strings.HasSuffix(got, "+0100") {
		t.Errorf("default start gives %s", got)
	}
}

func TestRownumWrapsPerHostAndKind(t *testing.T) {
	g := mustGen(t, 11, Options{Weights: Weights{KindEngine: 1, KindQixPerf: 1}})
	// Start every counter close to the wrap point.
	for _, k := range []Kind{KindEngine, KindQixPerf} {
		for _, h := range g.byKind[k] {
			g.rownums[rowKey{h.name, k}] = 9990
		}
	}
	last := map[string]int{}
	wraps := map[string]int{}
	for i := 0; i < 20000; i++ {
		ev := g.Next()
		f := strings.Split(string(ev.Payload), ";")
		n, err := strconv.Atoi(f[1])
		if err != nil {
			t.Fatalf("rownum %q", f[1])
		}
		key := ev.Host + "/" + ev.Kind.String()
		if p, ok := last[key]; ok {
			if want := p%9999 + 1; n != want {
				t.Fatalf("%s: rownum %d after %d, want %d", key, n, p, want)
			}
			if p == 9999 {
				wraps[key]++
			}
		}
		last[key] = n
	}
	if len(last) != 6 { // three engine hosts x {engine, qix-perf}
		t.Errorf("rownum sequences: %v", last)
	}
	for key := range last {
		if wraps[key] == 0 {
			t.Errorf("%s: rownum never wrapped after 9999", key)
		}
	}
}

func TestUserSessionsConsistent(t *testing.T) {
	g := mustGen(t, 5, Options{Weights: Weights{KindProxySession: 1, KindProxyConnection: 2, KindQixPerf: 2}})
	active := map[string]bool{} // session id -> connection open
	for _, s := range g.sessions {
		active[s.id] = s.conn
	}
	started, stopped := 0, 0
	uas := map[string]bool{}
	for i := 0; i < 15000; i++ {
		ev := g.Next()
		msg := ev.Message
		switch ev.Kind {
		case KindProxySession:
			m := startMsgRE.FindStringSubmatch(msg)
			id := m[4]
			if m[1] == "Start" {
				if _, ok := active[id]; ok {
					t.Fatalf("session %s started twice", id)
				}
				active[id] = false
				started++
			} else {
				open, ok := active[id]
				if !ok && !g.preexist[id] {
					t.Fatalf("stop of unknown session %s", id)
				}
				if open {
					t.Fatalf("stop of session %s with an open connection", id)
				}
				delete(active, id)
				g.preexist[id] = false // cannot come back
				stopped++
			}
		case KindProxyConnection:
			m := connMsgRE.FindStringSubmatch(msg)
			id := m[2]
			open, ok := active[id]
			if !ok {
				if !g.preexist[id] {
					t.Fatalf("connection for unknown or stopped session %s", id)
				}
				open = false // implicit session created mid-run
			}
			if (m[1] == "Opened") == open {
				t.Fatalf("connection %s for session %s in state open=%v", m[1], id, open)
			}
			active[id] = m[1] == "Opened"
			uas[m[3]] = true
		case KindQixPerf:
			f := strings.Split(string(ev.Payload), ";")
			if f[8] != "0" {
				if _, ok := active[f[8]]; !ok && !g.preexist[f[8]] {
					t.Fatalf("qix-perf for inactive proxy session %s", f[8])
				}
			}
		}
	}
	if started == 0 || stopped == 0 {
		t.Errorf("started %d, stopped %d sessions", started, stopped)
	}
	if len(uas) < 10 {
		t.Errorf("only %d distinct user agents seen", len(uas))
	}
	if !uas[""] {
		t.Errorf("no empty user agent seen")
	}
	semi := 0
	for ua := range uas {
		if strings.Contains(ua, ";") {
			semi++
		}
	}
	if semi == 0 {
		t.Errorf("no user agent with ';' seen")
	}
}

func TestPools(t *testing.T) {
	if len(userAgents) < 10 || len(userAgents) != len(userAgentWeights) {
		t.Errorf("%d user agents, %d weights", len(userAgents), len(userAgentWeights))
	}
	for _, a := range appPool {
		if !uuidRE.MatchString(a.id) || !uuidRE.MatchString(a.taskID) {
			t.Errorf("app %q ids %q %q", a.name, a.id, a.taskID)
		}
	}
	for _, s := range append(append([]string{}, userAgents...), excWebConnect, excTimeout, excNpgsql) {
		if strings.ContainsAny(s, "\r\n") {
			t.Errorf("multi-line text %q", s)
		}
	}
	g := mustGen(t, 1, Options{})
	for i := 0; i < 1000; i++ {
		if id := g.guid(); !uuidRE.MatchString(id) || id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("guid %q is not a v4 UUID", id)
		}
	}
}

func TestMsFormat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {0.04, "0"}, {0.05, "0.1"}, {3.2, "3.2"}, {91234, "91234.0"}, {812.449, "812.4"},
		{0.95, "1.0"}, {9.96, "10.0"}, {-3, "0"}, {123456789.25, "123456789.3"}, {1e300, strconv.FormatFloat(1e300, 'f', 1, 64)},
	}
	for _, tt := range tests {
		if got := ms(tt.in); got != tt.want {
			t.Errorf("ms(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestStampsFormatLikeTime holds the generator's cached time formatting to
// time.Format: across second, day and year boundaries, with offsets east,
// west and of half hours, and when the zone changes between calls.
func TestStampsFormatLikeTime(t *testing.T) {
	layouts := [numStampLayouts]string{LayoutLongISO8601, LayoutLog4netDate, LayoutEngineTimestamp}
	for l, p := range stampParts {
		if got := p.head + "000" + p.tail; got != layouts[l] {
			t.Errorf("stampParts[%d] make %q, want %q", l, got, layouts[l])
		}
	}
	var s stamps
	check := func(ts time.Time, l stampLayout) {
		t.Helper()
		if got, want := s.format(ts, l), ts.Format(layouts[l]); got != want {
			t.Fatalf("format(%s, %d) = %q, want %q", ts, l, got, want)
		}
	}
	for _, tz := range []string{"+0100", "-0500", "+05:30", "-09:30", "Z"} {
		loc, err := ParseTZOffset(tz)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2025, 12, 31, 23, 59, 58, 0, time.UTC).In(loc)
		for _, step := range []time.Duration{time.Millisecond, 7 * time.Millisecond, 999 * time.Millisecond} {
			for i := range 3000 {
				for l := range numStampLayouts {
					check(start.Add(time.Duration(i)*step), l)
				}
			}
		}
		check(start.Add(-time.Hour), layoutLongISO8601) // back in time
	}
	// The same instant in another zone.
	ts := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	check(ts, layoutLongISO8601)
	check(ts.In(time.FixedZone("+0100", 3600)), layoutLongISO8601)
	if got := s.format(ts.In(time.FixedZone("+0100", 3600)), layoutLongISO8601); got != "20261122T100000.000+0100" {
		t.Errorf("got %q", got)
	}
}

// BenchmarkNext is the cost of one event of the default mix at a benchmark
// rate (80,000 events/s): the generator shares its CPU with the benchmark's
// sink, so what it costs limits what make bench can measure.
func BenchmarkNext(b *testing.B) {
	g, err := NewGenerator(1, Options{Interval: time.Second / 80000})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = g.Next()
	}
}
