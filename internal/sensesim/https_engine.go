package sensesim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// EngineHealth is the body of GET /engine/healthcheck (Butler SOS spec §1.2,
// testdata/http/engine-healthcheck-response.json). Field order and JSON
// names follow the Qlik Sense engine; the apps.*_docs arrays are never null.
type EngineHealth struct {
	Version string `json:"version"`
	// Started is the engine start time in the compact form
	// 20240310T061201.000+0100 (LayoutLongISO8601), in the site's UTC offset.
	Started   string         `json:"started"`
	Mem       EngineMem      `json:"mem"`
	CPU       EngineCPU      `json:"cpu"`
	Session   EngineSessions `json:"session"`
	Apps      EngineApps     `json:"apps"`
	Users     EngineUsers    `json:"users"`
	Cache     EngineCache    `json:"cache"`
	Saturated bool           `json:"saturated"`
}

// EngineMem is the healthcheck "mem" object, in MB.
type EngineMem struct {
	Committed     float64 `json:"committed"`
	Allocated     float64 `json:"allocated"`
	Free          float64 `json:"free"`
	TotalPhysical float64 `json:"totalPhysical"`
}

// EngineCPU is the healthcheck "cpu" object (percent, 100 = one core).
type EngineCPU struct {
	Total float64 `json:"total"`
}

// EngineSessions is the healthcheck "session" object.
type EngineSessions struct {
	Active int64 `json:"active"`
	Total  int64 `json:"total"`
}

// EngineApps is the healthcheck "apps" object. Ids are app GUIDs or
// "SessionApp_<guid>" for session apps. ActiveDocs ⊆ LoadedDocs ⊆
// InMemoryDocs, all in load order.
type EngineApps struct {
	ActiveDocs   []string `json:"active_docs"`
	InMemoryDocs []string `json:"in_memory_docs"`
	LoadedDocs   []string `json:"loaded_docs"`
	Calls        int64    `json:"calls"`
	Selections   int64    `json:"selections"`
}

// EngineUsers is the healthcheck "users" object.
type EngineUsers struct {
	Active int64 `json:"active"`
	Total  int64 `json:"total"`
}

// EngineCache is the healthcheck "cache" object (cumulative counters).
type EngineCache struct {
	Hits       int64 `json:"hits"`
	Lookups    int64 `json:"lookups"`
	Added      int64 `json:"added"`
	Replaced   int64 `json:"replaced"`
	BytesAdded int64 `json:"bytes_added"`
}

// SaturationCPU is the cpu.total (percent) at or above which the simulated
// engine reports "saturated": true.
const SaturationCPU = 90.0

// unlistedAppID is an app that the engine may hold in memory but the QRS app
// list does not contain (SiteOptions.UnlistedApps), as in the reference
// sample: consumers must fall back to the id.
const unlistedAppID = "f42d6b16-8faf-45ca-a783-59f9da47db6e"

// engineModel simulates one engine. One step = one served healthcheck,
// i.e. one poll interval of simulated time. Not safe for concurrent use.
type engineModel struct {
	rng      *rand.Rand
	started  string
	maxLoad  float64 // upper bound of the mean number of sessions
	load     float64 // current mean number of sessions (random walk)
	unlisted bool

	totalPhys float64 // MB
	baseMem   float64 // engine process baseline, MB
	otherMem  float64 // other processes, MB (random walk)
	allocFac  float64 // allocated / committed (random walk)
	memNoise  float64 // MB (random walk)
	cpu       float64 // smoothed CPU without spikes
	cpuNow    float64 // reported cpu.total
	spike     int     // remaining steps of a CPU spike

	sessions []*engSession
	docs     []*engDoc // in memory, in load order

	calls, selections                         int64
	hits, lookups, added, replaced, bytesAdds int64
}

type engSession struct {
	user   user
	doc    *engDoc
	active bool
}

type engDoc struct {
	id      string
	sizeMB  float64
	session bool // a session app (discarded with its last session)
	users   int  // sessions on this doc
}

// Engine users: people plus the scheduler's service account (reloads).
var engineUsers = append(append([]user(nil), people...), saScheduler, saScheduler)

// App popularity: earlier pool entries are opened more often.
var enginePopularity = func() []float64 {
	w := make([]float64, len(appPool))
	for i := range w {
		w[i] = 1 / float64(i+2)
	}
	return w
}()

// newEngineModel returns the engine of server index of a site whose
// simulated time starts at start (in the site's location): the engine
// started 6 to 96 hours before.
func newEngineModel(seed uint64, index int, start time.Time, central, unlisted bool) *engineModel {
	m := &engineModel{
		rng:      rand.New(rand.NewPCG(seed, 0xe4e1e0000+uint64(index))),
		unlisted: unlisted,
	}
	uptime := time.Duration(6+m.rng.IntN(90))*time.Hour + time.Duration(m.rng.IntN(3600))*time.Second
	m.started = start.Add(-uptime).Truncate(time.Second).Format(LayoutLongISO8601)
	m.maxLoad = 14
	if central {
		m.maxLoad = 30
	}
	m.load = m.maxLoad * (0.2 + 0.5*m.rng.Float64())
	m.totalPhys = []float64{32767.6875, 65535.6875, 131071.5}[m.rng.IntN(3)]
	m.baseMem = 380 + 80*m.rng.Float64()
	m.otherMem = m.totalPhys * (0.08 + 0.08*m.rng.Float64())
	m.allocFac = 1.2 + 0.1*m.rng.Float64()
	m.cpu = 2 + 5*m.rng.Float64()
	// History accumulated since the engine started.
	hours := uptime.Hours()
	m.calls = int64(hours * (300 + 900*m.rng.Float64()))
	m.selections = m.calls / int64(12+m.rng.IntN(20))
	m.lookups = m.calls / 3
	m.hits = int64(float64(m.lookups) * (0.6 + 0.3*m.rng.Float64()))
	m.added = (m.lookups - m.hits) * 9 / 10
	m.replaced = m.added / int64(30+m.rng.IntN(50))
	m.bytesAdds = m.added * int64(2048+m.rng.IntN(30000))
	// Warm up so the first response shows a busy mid-day engine.
	for range 15 {
		m.step()
	}
	return m
}

func (m *engineModel) chance(p float64) bool { return m.rng.Float64() < p }

func (m *engineModel) uniform(lo, hi float64) float64 { return lo + m.rng.Float64()*(hi-lo) }

// poisson draws from a Poisson distribution with mean lambda (Knuth; lambda
// is small here).
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// scale returns n times a random factor in [lo, hi), stochastically rounded
// (so small counters still grow now and then).
func (m *engineModel) scale(n int64, lo, hi float64) int64 {
	x := float64(n) * m.uniform(lo, hi)
	whole := math.Floor(x)
	if m.rng.Float64() < x-whole {
		whole++
	}
	return int64(whole)
}

func (m *engineModel) findDoc(id string) *engDoc {
	for _, d := range m.docs {
		if d.id == id {
			return d
		}
	}
	return nil
}

// loadDoc returns the in-memory doc id, loading it if needed.
func (m *engineModel) loadDoc(id string, session bool) *engDoc {
	if d := m.findDoc(id); d != nil {
		return d
	}
	// App sizes are capped so that even every app in memory on the
	// smallest machine leaves free memory (free + allocated <= totalPhysical).
	d := &engDoc{id: id, session: session, sizeMB: math.Exp(m.uniform(math.Log(30), math.Log(1200)))}
	if session {
		d.sizeMB = m.uniform(5, 60)
	}
	m.docs = append(m.docs, d)
	return d
}

func (m *engineModel) pickAppID() string {
	if m.unlisted && m.chance(0.04) {
		return unlistedAppID
	}
	return appPool[weightedIndex(m.rng, enginePopularity)].id
}

func weightedIndex(r *rand.Rand, w []float64) int {
	total := 0.0
	for _, v := range w {
		total += v
	}
	x := r.Float64() * total
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

func (m *engineModel) step() {
	const pEnd = 0.12

	// Load drifts (users arrive and leave over the day); it may reach 0,
	// giving idle periods.
	m.load = math.Max(0, math.Min(m.maxLoad, m.load+m.rng.NormFloat64()*m.maxLoad*0.06))
	if m.chance(0.01) {
		m.load = 0 // lunch break / end of day
	}

	// Sessions end.
	kept := m.sessions[:0]
	for _, s := range m.sessions {
		if m.chance(pEnd) {
			s.doc.users--
			continue
		}
		kept = append(kept, s)
	}
	clear(m.sessions[len(kept):])
	m.sessions = kept

	// Sessions start.
	for range poisson(m.rng, m.load*pEnd) {
		s := &engSession{}
		if len(m.sessions) > 0 && m.chance(0.2) {
			s.user = m.sessions[m.rng.IntN(len(m.sessions))].user // same user, second session
		} else {
			s.user = engineUsers[m.rng.IntN(len(engineUsers))]
		}
		if m.chance(0.07) {
			s.doc = m.loadDoc("SessionApp_"+randGUID(m.rng), true)
		} else {
			s.doc = m.loadDoc(m.pickAppID(), false)
		}
		s.doc.users++
		m.sessions = append(m.sessions, s)
	}

	// Which sessions are active right now.
	active := 0
	for _, s := range m.sessions {
		s.active = m.chance(0.45)
		if s.active {
			active++
		}
	}

	// Apps without sessions: session apps are discarded at once, others
	// stay cached in memory for a while. Now and then an app is loaded
	// without a session (preload, reload task).
	docs := m.docs[:0]
	for _, d := range m.docs {
		if d.users == 0 && (d.session || m.chance(0.15)) {
			continue
		}
		docs = append(docs, d)
	}
	clear(m.docs[len(docs):])
	m.docs = docs
	if m.chance(0.05) {
		m.loadDoc(m.pickAppID(), false)
	}

	// Counters only grow.
	dCalls := int64(m.rng.IntN(4))
	dSel := int64(0)
	for range active {
		dCalls += int64(3 + m.rng.IntN(40))
		dSel += int64(m.rng.IntN(5))
	}
	dLook := m.scale(dCalls, 0.2, 0.4)
	dHits := m.scale(dLook, 0.5, 0.95)
	dAdded := m.scale(dLook-dHits, 0.7, 1)
	dRepl := m.scale(dAdded, 0, 0.05)
	m.calls += dCalls
	m.selections += dSel
	m.lookups += dLook
	m.hits += dHits
	m.added += dAdded
	m.replaced += dRepl
	m.bytesAdds += dAdded * int64(512+m.rng.IntN(65536))

	// CPU: follows load with noise, sometimes spikes to saturation.
	target := 0.5 + 2.5*float64(active) + 0.3*float64(len(m.sessions))
	m.cpu = math.Max(0, math.Min(100, 0.6*m.cpu+0.4*target+m.rng.NormFloat64()))
	if m.spike == 0 && m.chance(0.04) {
		m.spike = 1 + m.rng.IntN(3)
	}
	cpu := m.cpu
	if m.spike > 0 {
		m.spike--
		cpu = m.uniform(SaturationCPU, 100)
	}
	m.cpuNow = math.Round(cpu*10) / 10

	// Memory wanders.
	m.memNoise = math.Max(-100, math.Min(200, m.memNoise+m.rng.NormFloat64()*15))
	m.allocFac = math.Max(1.1, math.Min(1.4, m.allocFac+m.rng.NormFloat64()*0.01))
	m.otherMem = math.Max(m.totalPhys*0.05, math.Min(m.totalPhys*0.25, m.otherMem+m.rng.NormFloat64()*m.totalPhys*0.003))
}

// snapshot renders the current state.
func (m *engineModel) snapshot() EngineHealth {
	h := EngineHealth{Version: engineVersion, Started: m.started}
	h.Apps.ActiveDocs, h.Apps.LoadedDocs, h.Apps.InMemoryDocs = []string{}, []string{}, []string{}
	activeDoc := map[*engDoc]bool{}
	users, activeUsers := map[user]bool{}, map[user]bool{}
	committed := m.baseMem + m.memNoise
	for _, s := range m.sessions {
		users[s.user] = true
		h.Session.Total++
		committed += 8
		if s.active {
			h.Session.Active++
			activeUsers[s.user] = true
			activeDoc[s.doc] = true
		}
	}
	for _, d := range m.docs {
		committed += d.sizeMB
		h.Apps.InMemoryDocs = append(h.Apps.InMemoryDocs, d.id)
		if d.users > 0 {
			h.Apps.LoadedDocs = append(h.Apps.LoadedDocs, d.id)
		}
		if activeDoc[d] {
			h.Apps.ActiveDocs = append(h.Apps.ActiveDocs, d.id)
		}
	}
	h.Users.Total, h.Users.Active = int64(len(users)), int64(len(activeUsers))
	allocated := committed * m.allocFac
	h.Mem = EngineMem{
		Committed:     roundMB(committed),
		Allocated:     roundMB(allocated),
		Free:          roundMB(math.Max(64, m.totalPhys-allocated-m.otherMem)),
		TotalPhysical: m.totalPhys,
	}
	h.CPU.Total = m.cpuNow
	h.Saturated = m.cpuNow >= SaturationCPU
	h.Apps.Calls, h.Apps.Selections = m.calls, m.selections
	h.Cache = EngineCache{Hits: m.hits, Lookups: m.lookups, Added: m.added, Replaced: m.replaced, BytesAdded: m.bytesAdds}
	return h
}

// roundMB rounds to whole KB, as the engine's byte counts divided by 2^20.
func roundMB(mb float64) float64 { return math.Round(mb*1024) / 1024 }

// randGUID returns a random lower-case RFC 4122 version 4 UUID from r.
func randGUID(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	a = a&^(0xf<<12) | 0x4<<12
	b = b&^(0x3<<62) | 0x2<<62
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}
