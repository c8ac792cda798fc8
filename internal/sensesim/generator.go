package sensesim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Options configures a Generator. The zero value is usable: a four-node site
// at UTC+01:00 starting 2024-03-12 10:00:00 local time, one event every 50ms
// of simulated time, DefaultWeights.
type Options struct {
	// Start is the simulated time of the first event. Zero means
	// 2024-03-12T10:00:00 in Location.
	Start time.Time
	// Location is the site's time zone; every host writes its local time in
	// it. Nil means a fixed +0100 offset (see ParseTZOffset for others,
	// including negative offsets such as -0500).
	Location *time.Location
	// Interval is the simulated time between consecutive events (the send
	// schedule, i.e. 1/rate). Event i is stamped Start + i*Interval plus a
	// deterministic jitter in [0, Interval). Zero means 50ms.
	Interval time.Duration
	// Weights is the relative mix of kinds. Nil means DefaultWeights.
	Weights Weights
	// Hosts is the site topology. Nil means DefaultHosts.
	Hosts []Host
}

// DefaultStart is the simulated start time used when Options.Start is zero
// (wall clock 10:00:00 on the date of the reference samples, in the site's
// time zone).
var DefaultStart = time.Date(2024, 3, 12, 10, 0, 0, 0, time.UTC)

// Event is one generated datagram.
type Event struct {
	Kind Kind
	// Time is the simulated event time (millisecond precision, in the
	// site's time zone).
	Time time.Time
	// Host is the %hostname of the emitting server.
	Host string
	// Message is the free-text message field (%encodedmessage or, for user
	// events, %message); empty for qix-perf.
	Message string
	// Exception is the %encodedexception field (proxy, repository,
	// scheduler), often empty.
	Exception string
	// Payload is the datagram: UTF-8, ';'-separated, no trailing newline.
	Payload []byte
}

// Generator produces a deterministic stream of Qlik Sense UDP datagrams.
// Two generators with the same seed and Options produce identical output.
// A Generator is not safe for concurrent use.
type Generator struct {
	rng      *rand.Rand
	loc      *time.Location
	start    time.Time
	interval time.Duration
	n        int64

	kinds   []Kind
	cum     []float64
	total   float64
	byKind  [NumKinds][]*hostState
	rownums map[rowKey]int

	apps         []*app
	sessions     []*session // active proxy sessions
	preexist     map[string]bool
	reloads      []*reload
	pendingSched []schedCtx // follow-up scheduler events (same execution)
	uaCum        []float64
	uaTotal      float64
	maxActive    int

	// fields is Next's scratch list of an event's fields, reused so that
	// building an event allocates little: at 100,000 events/s and more,
	// the generator's allocations competed for the CPU the benchmark's
	// sink shares with it.
	fields []string
	stamps stamps
}

type hostState struct {
	name      string
	processID string    // engine ProcessId
	started   time.Time // engine Server Started
}

type rowKey struct {
	host string
	kind Kind
}

type session struct {
	id            string // proxy session id
	u             user
	proxyHost     string
	engineHost    string
	engineSession string
	app           *app
	appOpen       bool // Global::OpenApp done for app
	ua            string
	conn          bool // a websocket connection is open
	reqID         int
}

type reload struct {
	app           *app
	engineHost    string
	engineSession string
	u             user
	step          int
	reqID         int
}

// NewGenerator returns a generator seeded with seed (math/rand/v2 PCG).
func NewGenerator(seed uint64, opts Options) (*Generator, error) {
	g := &Generator{
		rng:       rand.New(rand.NewPCG(seed, 0x5e45e0c011ec70f5)),
		loc:       opts.Location,
		interval:  opts.Interval,
		rownums:   map[rowKey]int{},
		preexist:  map[string]bool{},
		maxActive: 40,
	}
	if g.loc == nil {
		g.loc = time.FixedZone(FormatTZOffset(int(DefaultTZOffset/time.Second)), int(DefaultTZOffset/time.Second))
	}
	if g.interval < 0 {
		return nil, errors.New("sensesim: negative Interval")
	}
	if g.interval == 0 {
		g.interval = 50 * time.Millisecond
	}
	if opts.Start.IsZero() {
		d := DefaultStart
		g.start = time.Date(d.Year(), d.Month(), d.Day(), d.Hour(), d.Minute(), d.Second(), 0, g.loc)
	} else {
		g.start = opts.Start.Round(0).In(g.loc).Truncate(time.Millisecond)
	}

	w := opts.Weights
	if w == nil {
		w = DefaultWeights()
	}
	if err := w.validate(); err != nil {
		return nil, fmt.Errorf("sensesim: %w", err)
	}
	hosts := opts.Hosts
	if hosts == nil {
		hosts = DefaultHosts()
	}
	seen := map[string]bool{}
	var states []*hostState
	for _, h := range hosts {
		if h.Name == "" || strings.ContainsAny(h.Name, ";\r\n") {
			return nil, fmt.Errorf("sensesim: invalid host name %q", h.Name)
		}
		if seen[h.Name] {
			return nil, fmt.Errorf("sensesim: duplicate host %q", h.Name)
		}
		seen[h.Name] = true
		hs := &hostState{name: h.Name}
		states = append(states, hs)
		for _, k := range AllKinds() {
			if h.Services&k.service() != 0 {
				g.byKind[k] = append(g.byKind[k], hs)
			}
		}
	}
	for _, k := range AllKinds() {
		if w[k] <= 0 {
			continue
		}
		if len(g.byKind[k]) == 0 {
			return nil, fmt.Errorf("sensesim: no host runs the service needed for %s events", k)
		}
		g.total += w[k]
		g.kinds = append(g.kinds, k)
		g.cum = append(g.cum, g.total)
	}
	// qix-perf and engine events need engine hosts for user sessions; user
	// sessions need a proxy host. Fall back to any host if the site lacks
	// them (only possible with custom Hosts).
	if len(g.byKind[KindEngine]) == 0 {
		g.byKind[KindEngine] = states
	}
	if len(g.byKind[KindProxySession]) == 0 {
		g.byKind[KindProxySession] = states
	}

	// Per-host engine facts.
	for _, hs := range states {
		hs.processID = g.guid()
		hs.started = g.start.Add(-time.Duration(6+g.rng.IntN(90)) * time.Hour).
			Add(-time.Duration(g.rng.IntN(3600)) * time.Second).Truncate(time.Second)
	}
	// Apps with their sheet objects.
	for _, a := range appPool {
		ap := &app{id: a.id, name: a.name, taskID: a.taskID}
		nobj := 6 + g.rng.IntN(10)
		for i := 0; i < nobj; i++ {
			typ := objectTypes[g.rng.IntN(len(objectTypes))]
			if i == 0 {
				typ = "sheet"
			}
			ap.objects = append(ap.objects, appObject{id: g.objectID(), typ: typ})
		}
		g.apps = append(g.apps, ap)
	}
	for _, wt := range userAgentWeights {
		g.uaTotal += wt
		g.uaCum = append(g.uaCum, g.uaTotal)
	}
	// The simulation starts mid-day: a few sessions already exist.
	for i := 0; i < 8; i++ {
		s := g.newSession()
		s.conn = g.chance(0.6)
		if g.chance(0.8) {
			s.app = g.pickApp()
			s.appOpen = true
			s.reqID = 10 + g.rng.IntN(300)
		}
		g.preexist[s.id] = true
		g.sessions = append(g.sessions, s)
	}
	return g, nil
}

// Location returns the site's time zone.
func (g *Generator) Location() *time.Location { return g.loc }

// Interval returns the simulated time between consecutive events.
func (g *Generator) Interval() time.Duration { return g.interval }

// Kinds returns the kinds this generator can produce (positive weight).
func (g *Generator) Kinds() []Kind { return append([]Kind(nil), g.kinds...) }

// Next generates the next event.
func (g *Generator) Next() Event {
	t := g.start.Add(time.Duration(g.n) * g.interval)
	if g.interval > time.Millisecond {
		t = t.Add(time.Duration(g.rng.Int64N(int64(g.interval))))
	}
	t = t.Truncate(time.Millisecond)
	g.n++

	k := g.pickKind()
	ev := Event{Kind: k, Time: t}
	var fields []string
	switch k {
	case KindEngine:
		fields = g.genEngine(&ev)
	case KindProxy:
		fields = g.genProxy(&ev)
	case KindRepository:
		fields = g.genRepository(&ev)
	case KindScheduler:
		fields = g.genScheduler(&ev)
	case KindQixPerf:
		fields = g.genQixPerf(&ev)
	case KindProxySession:
		fields = g.genSession(&ev)
	case KindProxyConnection:
		fields = g.genConnection(&ev)
	}
	ev.Payload = joinFields(fields)
	if cap(fields) > cap(g.fields) {
		g.fields = fields[:0] // the scratch list grew (user events have lists of their own)
	}
	return ev
}

// joinFields joins fields with ';' into a new byte slice, as
// []byte(strings.Join(fields, ";")) would with one allocation less.
func joinFields(fields []string) []byte {
	n := len(fields) - 1
	for _, f := range fields {
		n += len(f)
	}
	b := make([]byte, 0, max(n, 0))
	for i, f := range fields {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, f...)
	}
	return b
}

// ---------------------------------------------------------------------------
// random helpers

func (g *Generator) chance(p float64) bool { return g.rng.Float64() < p }

func (g *Generator) weighted(w ...float64) int {
	total := 0.0
	for _, v := range w {
		total += v
	}
	x := g.rng.Float64() * total
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

func pick[T any](g *Generator, s []T) T { return s[g.rng.IntN(len(s))] }

func (g *Generator) pickKind() Kind {
	x := g.rng.Float64() * g.total
	for i, c := range g.cum {
		if x < c {
			return g.kinds[i]
		}
	}
	return g.kinds[len(g.kinds)-1]
}

func (g *Generator) pickHost(k Kind) *hostState { return pick(g, g.byKind[k]) }

func (g *Generator) pickApp() *app { return pick(g, g.apps) }

func (g *Generator) pickUA() string {
	x := g.rng.Float64() * g.uaTotal
	for i, c := range g.uaCum {
		if x < c {
			return userAgents[i]
		}
	}
	return userAgents[len(userAgents)-1]
}

// lognormal returns a log-normally distributed value with the given median.
func (g *Generator) lognormal(median, sigma float64) float64 {
	return median * math.Exp(sigma*g.rng.NormFloat64())
}

func (g *Generator) uniform(lo, hi float64) float64 { return lo + g.rng.Float64()*(hi-lo) }

// guid returns a random lower-case RFC 4122 version 4 UUID.
func (g *Generator) guid() string {
	a, b := g.rng.Uint64(), g.rng.Uint64()
	a = a&^(0xf<<12) | 0x4<<12 // version 4 (bits 48-51 of the first half)
	b = b&^(0x3<<62) | 0x2<<62 // variant 10
	var id [36]byte
	putHex(id[0:8], a>>32)
	id[8] = '-'
	putHex(id[9:13], a>>16)
	id[13] = '-'
	putHex(id[14:18], a)
	id[18] = '-'
	putHex(id[19:23], b>>48)
	id[23] = '-'
	putHex(id[24:36], b)
	return string(id[:])
}

// putHex writes the low 4*len(dst) bits of v into dst as lower-case hex
// digits, zero-padded (fmt's %0Nx for a value that fits).
func putHex(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = "0123456789abcdef"[v&0xf]
		v >>= 4
	}
}

const objectIDChars = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// objectID returns a Qlik-style short object id such as "rwPjBk".
func (g *Generator) objectID() string {
	n := 5 + g.rng.IntN(3)
	b := make([]byte, n)
	for i := range b {
		b[i] = objectIDChars[g.rng.IntN(len(objectIDChars))]
	}
	return string(b)
}

func (g *Generator) accessID() string {
	var id [8]byte
	putHex(id[:], uint64(g.rng.Uint32()))
	return string(id[:])
}

// ---------------------------------------------------------------------------
// formatting helpers

func (g *Generator) rownum(host string, k Kind) string {
	key := rowKey{host, k}
	last, ok := g.rownums[key]
	if !ok {
		// The service has been running for a while: start anywhere.
		last = g.rng.IntN(9999)
	}
	next := last%9999 + 1 // %rownum{9999}: 1..9999, then wraps to 1
	g.rownums[key] = next
	return strconv.Itoa(next)
}

// header returns the eight leading fields every log event shares:
// marker;%rownum{9999};%longIso8601date;%date;%level;%hostname;%logger;%user.
// The list is g.fields, Next's scratch list: append the event's other
// fields to it and return it; it is reused by the next event.
func (g *Generator) header(ev *Event, host *hostState, level, logger string) []string {
	ev.Host = host.name
	return append(g.fields[:0],
		ev.Kind.Marker(),
		g.rownum(host.name, ev.Kind),
		g.stamps.format(ev.Time, layoutLongISO8601),
		g.stamps.format(ev.Time, layoutLog4netDate),
		level,
		host.name,
		logger,
		serviceAccount,
	)
}

// ms formats a duration in milliseconds the way the engine writes it: one
// decimal, or "0" for zero.
func ms(v float64) string {
	tenths := math.Round(v * 10)
	switch {
	case tenths <= 0:
		return "0"
	case tenths < 1<<53:
		// Exactly what FormatFloat(tenths/10, 'f', 1, 64) writes, without
		// its float formatting.
		t := int64(tenths)
		var b [20]byte
		i := len(b) - 2
		b[i], b[i+1] = '.', byte('0'+t%10)
		for t /= 10; ; t /= 10 {
			i--
			b[i] = byte('0' + t%10)
			if t < 10 {
				break
			}
		}
		return string(b[i:])
	}
	return strconv.FormatFloat(tenths/10, 'f', 1, 64)
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func hubContext() string { return "/hub/" }

func appContext(a *app) string { return "/app/" + a.id }

func (g *Generator) appReloadContext(a *app) string {
	uri := siteURL + "/sense/app/" + a.id
	if g.chance(0.4) && len(a.objects) > 0 {
		uri += "/sheet/" + a.objects[0].id + "/state/analysis"
	}
	return "/app/" + a.id + "?reloaduri=" + uri
}

// ---------------------------------------------------------------------------
// sessions

func (g *Generator) newSession() *session {
	return &session{
		id:            g.guid(),
		u:             pick(g, people),
		proxyHost:     g.pickHost(KindProxySession).name,
		engineHost:    g.pickHost(KindEngine).name,
		engineSession: g.guid(),
		ua:            g.pickUA(),
	}
}

// activeSession returns a random active session, creating an implicit
// (pre-existing) one if there is none.
func (g *Generator) activeSession() *session {
	if len(g.sessions) == 0 {
		s := g.newSession()
		g.preexist[s.id] = true
		g.sessions = append(g.sessions, s)
	}
	return pick(g, g.sessions)
}

// activeAppSession returns an active session that has an app open in the
// engine, opening one if needed.
func (g *Generator) activeAppSession() *session {
	s := g.activeSession()
	if s.app == nil {
		s.app = g.pickApp()
		s.appOpen = true
		s.reqID = 1 + g.rng.IntN(20)
	}
	return s
}

func (g *Generator) removeSession(s *session) {
	for i, x := range g.sessions {
		if x == s {
			g.sessions = append(g.sessions[:i], g.sessions[i+1:]...)
			return
		}
	}
}

func (g *Generator) genSession(ev *Event) []string {
	var idle []*session
	for _, s := range g.sessions {
		if !s.conn {
			idle = append(idle, s)
		}
	}
	// Keep the number of active sessions around a third of the maximum.
	pStart := 0.5 + 0.5*float64(g.maxActive/3-len(g.sessions))/float64(g.maxActive/3)
	start := len(idle) == 0 || g.chance(pStart)
	if start && len(g.sessions) >= g.maxActive && len(idle) > 0 {
		start = false
	}
	var s *session
	var command, msg, ctx string
	if start {
		s = g.newSession()
		g.sessions = append(g.sessions, s)
		command = "Start session"
		msg = "Start session for user '" + s.u.full() + "' (session '" + s.id + "')"
		if g.chance(0.6) {
			s.app = g.pickApp()
			ctx = g.appReloadContext(s.app)
		} else {
			ctx = hubContext()
		}
	} else {
		s = pick(g, idle)
		g.removeSession(s)
		command = "Stop session"
		msg = "Stop session for user '" + s.u.full() + "' (session '" + s.id + "')"
		if s.app != nil && g.chance(0.3) {
			ctx = appContext(s.app)
		} else {
			ctx = hubContext()
		}
	}
	ev.Host = s.proxyHost
	ev.Message = msg
	return []string{ev.Kind.Marker(), s.proxyHost, command, s.u.dir, s.u.id, "AppAccess", ctx, msg}
}

func (g *Generator) genConnection(ev *Event) []string {
	var closed, open []*session
	for _, s := range g.sessions {
		if s.conn {
			open = append(open, s)
		} else {
			closed = append(closed, s)
		}
	}
	if len(closed) == 0 && len(open) == 0 {
		s := g.activeSession()
		closed = append(closed, s)
	}
	doOpen := len(open) == 0 || (len(closed) > 0 && g.chance(0.5))
	ua := func(s *session) string {
		if g.chance(0.01) {
			return "" // Sense sometimes logs an empty user agent
		}
		return s.ua
	}
	var s *session
	var command, msg, ctx string
	if doOpen {
		s = pick(g, closed)
		s.conn = true
		command = "Open connection"
		if g.chance(0.75) {
			if s.app == nil || g.chance(0.3) {
				// A new app in the browser: a new engine session.
				s.app = g.pickApp()
				s.appOpen = false
				s.engineSession = g.guid()
				s.reqID = 0
			}
			ctx = g.appReloadContext(s.app)
		} else {
			ctx = hubContext()
		}
		msg = "Websocket connection Opened for session '" + s.id + "'. UserAgent: '" + ua(s) + "'"
	} else {
		s = pick(g, open)
		s.conn = false
		command = "Close connection"
		if s.app != nil && g.chance(0.8) {
			ctx = appContext(s.app)
		} else {
			ctx = hubContext()
		}
		msg = "Websocket connection Closed for session '" + s.id + "'. UserAgent: '" + ua(s) + "'"
	}
	ev.Host = s.proxyHost
	ev.Message = msg
	return []string{ev.Kind.Marker(), s.proxyHost, command, s.u.dir, s.u.id, "AppAccess", ctx, msg}
}
