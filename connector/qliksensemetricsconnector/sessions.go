package qliksensemetricsconnector // import "github.com/senseops/senseops-collector/connector/qliksensemetricsconnector"

import (
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/senseops/senseops-collector/internal/senseapi"
)

// anomaly is why a session event or session was handled specially; the
// values are the reason attribute of the session anomalies telemetry.
type anomaly int

const (
	anomalyStopWithoutStart anomaly = iota
	anomalyDuplicateStart
	anomalyMissingSessionID
	anomalyTimedOut
	anomalyCapacity
	anomalyStartAfterStop
	numAnomalies
)

var anomalyNames = [numAnomalies]string{"stop_without_start", "duplicate_start", "missing_session_id", "timed_out", "capacity", "start_after_stop"}

// reorderWindow is how long a stop is remembered at least, so that a start
// delivered after its session's stop (UDP, batches in parallel) is known
// late: session ids are never reused.
const reorderWindow = 10 * time.Minute

// maxHosts bounds the hosts the session gauges report: a site has a few
// proxies, so anything near this is a misconfiguration or garbage.
const maxHosts = 1000

// noProxy marks a session that no seeded proxy has listed.
const noProxy = -1

// sessionState is the set of active proxy sessions, keyed by session id, with
// per-host session counts and users. It is not safe for concurrent use: the
// connector holds its lock.
type sessionState struct {
	max     int
	timeout time.Duration

	sessions map[string]*session
	hosts    map[string]*hostSessions // by hostKey

	// stopped remembers recent stop events, by session id, so that neither
	// a start delivered after its stop nor a seed read under way (whose
	// list was taken before the stop) brings those sessions back. Entries
	// are kept for stopMemory (at least reorderWindow, and as long as a read
	// can take).
	stopped    map[string]stopNote
	stopMemory time.Duration

	anomalies [numAnomalies]int64 // not yet reported
}

// stopNote is when a stop event came (the connector's clock) and when its
// record was received (its ObservedTimestamp; 0 when it has none).
type stopNote struct {
	at       time.Time
	received pcommon.Timestamp
}

type session struct {
	host     *hostSessions
	user     string
	lastSeen time.Time
	proxy    int // index of the seeded proxy that last listed it, or noProxy
}

type hostSessions struct {
	name     string
	sessions int64
	users    map[string]int // senseapi.UserKey(user.id) -> sessions on this host
}

// newSessionState tracks up to maxSessions sessions, ending those idle for
// timeout; a stop is remembered for stopMemory (how long a seed read can
// take), and at least reorderWindow.
func newSessionState(maxSessions int, timeout, stopMemory time.Duration) *sessionState {
	return &sessionState{
		max: maxSessions, timeout: timeout,
		sessions: map[string]*session{}, hosts: map[string]*hostSessions{},
		stopped: map[string]stopNote{}, stopMemory: max(stopMemory, reorderWindow),
	}
}

// host returns the host entry, creating it unless there are maxHosts. Host
// names are compared ignoring case, as Windows does: a seed's configured
// host (qs-proxy-01) and the events' %hostname (QS-PROXY-01) are one proxy.
// The entry is named by the first of its spellings in byte order, so the
// name does not depend on which came first.
func (st *sessionState) host(name string) *hostSessions {
	key := hostKey(name)
	if h, ok := st.hosts[key]; ok {
		if name < h.name {
			h.name = clone(name)
		}
		return h
	}
	if len(st.hosts) >= maxHosts {
		return nil
	}
	h := &hostSessions{name: clone(name), users: map[string]int{}}
	st.hosts[hostKey(h.name)] = h // of the clone: the key must not point into a record
	return h
}

// hostKey is the key a host is kept under: its name in lower case
// (strings.ToLower returns a name without upper-case letters as it is).
func hostKey(name string) string { return strings.ToLower(name) }

func (h *hostSessions) add(user string) {
	h.sessions++
	if user == "" {
		return
	}
	user = senseapi.UserKey(user)
	if n, ok := h.users[user]; ok {
		h.users[user] = n + 1
		return
	}
	h.users[clone(user)] = 1
}

func (h *hostSessions) remove(user string) {
	h.sessions--
	if user == "" {
		return
	}
	user = senseapi.UserKey(user)
	if n := h.users[user]; n > 1 {
		h.users[user] = n - 1
	} else {
		delete(h.users, user)
	}
}

// event applies a user event: session.start adds, session.stop removes, and
// connection events keep a known session alive. It never creates a session
// from a connection event: UDP may deliver a connection close after the
// session's stop, which would bring a dead session back. received is when the
// event's record was received (0: unknown); it tells a start that was
// received before its session's stop, but delivered after it, from the same
// session id starting again.
func (st *sessionState) event(action, sessionID, user, host string, now time.Time, received pcommon.Timestamp) {
	switch action {
	case actionSessionStart:
		if sessionID == "" {
			st.anomalies[anomalyMissingSessionID]++
			return
		}
		if s, ok := st.sessions[sessionID]; ok {
			st.anomalies[anomalyDuplicateStart]++
			s.lastSeen = now
			st.move(s, host, user)
			return
		}
		if stop, ok := st.stopped[sessionID]; ok {
			if received == 0 || stop.received == 0 || received <= stop.received {
				// delivered after its stop: the session is over
				st.anomalies[anomalyStartAfterStop]++
				return
			}
			// received after its stop: the id starts again (the session
			// API lets a portal choose it, and re-add it)
			delete(st.stopped, sessionID)
		}
		st.add(sessionID, user, host, noProxy, now)
	case actionSessionStop:
		if sessionID == "" {
			st.anomalies[anomalyMissingSessionID]++
			return
		}
		st.noteStop(sessionID, now, received)
		s, ok := st.sessions[sessionID]
		if !ok {
			st.anomalies[anomalyStopWithoutStart]++
			return
		}
		st.remove(sessionID, s)
	case actionConnectionOpen, actionConnectionClose:
		if s, ok := st.sessions[sessionID]; ok {
			s.lastSeen = now
		}
	}
}

// noteStop remembers the stop of a session for late starts and the seed
// reads under way (at most max stops: beyond that, sweep has to make room
// first).
func (st *sessionState) noteStop(sessionID string, now time.Time, received pcommon.Timestamp) {
	if _, ok := st.stopped[sessionID]; ok {
		st.stopped[sessionID] = stopNote{now, received}
	} else if len(st.stopped) < st.max {
		st.stopped[clone(sessionID)] = stopNote{now, received}
	}
}

// forgetStops drops the stops no read under way can still need.
func (st *sessionState) forgetStops(now time.Time) {
	cutoff := now.Add(-st.stopMemory)
	for id, stop := range st.stopped {
		if stop.at.Before(cutoff) {
			delete(st.stopped, id)
		}
	}
}

// add tracks a new session unless the state is full.
func (st *sessionState) add(sessionID, user, host string, proxy int, now time.Time) {
	if len(st.sessions) >= st.max {
		st.anomalies[anomalyCapacity]++
		return
	}
	h := st.host(host)
	if h == nil {
		st.anomalies[anomalyCapacity]++
		return
	}
	s := &session{host: h, user: clone(user), lastSeen: now, proxy: proxy}
	st.sessions[clone(sessionID)] = s
	h.add(s.user)
}

// move re-homes a session whose start event names another host or user than
// the state has (the event is the authority).
func (st *sessionState) move(s *session, host, user string) {
	h := st.host(host)
	if h == nil || h == s.host && (user == "" || strings.EqualFold(s.user, user)) {
		return
	}
	s.host.remove(s.user)
	if user != "" && !strings.EqualFold(user, s.user) {
		s.user = clone(user)
	}
	s.host = h
	h.add(s.user)
}

func (st *sessionState) remove(sessionID string, s *session) {
	s.host.remove(s.user)
	delete(st.sessions, sessionID)
}

// sweep drops sessions not seen for the timeout.
func (st *sessionState) sweep(now time.Time) {
	cutoff := now.Add(-st.timeout)
	for id, s := range st.sessions {
		if s.lastSeen.Before(cutoff) {
			st.remove(id, s)
			st.anomalies[anomalyTimedOut]++
		}
	}
	st.forgetStops(now)
}

// seed applies one proxy's session list. Listed sessions are added (under the
// proxy's host) or kept alive (where the events put them); a listed session
// whose stop event came after the read began is not added: the list was
// taken before the stop. When the list is complete (every virtual proxy
// answered), the sessions this proxy listed before, no longer lists, and no
// event has touched since the read began (pollStart) have ended: they are
// removed. Sessions only known from events
// are left to their stop event or the timeout, so a virtual proxy missing
// from the configuration never ends sessions that are alive.
func (st *sessionState) seed(proxy int, host string, listed []senseapi.Session, complete bool, pollStart, now time.Time) {
	ids := make(map[string]struct{}, len(listed))
	for _, l := range listed {
		if l.SessionID == "" {
			continue
		}
		ids[l.SessionID] = struct{}{}
		if s, ok := st.sessions[l.SessionID]; ok {
			s.lastSeen = now
			s.proxy = proxy
			continue
		}
		if stop, ok := st.stopped[l.SessionID]; ok && !stop.at.Before(pollStart) {
			continue
		}
		st.add(l.SessionID, l.User(), host, proxy, now)
	}
	if !complete {
		return
	}
	for id, s := range st.sessions {
		if s.proxy != proxy {
			continue
		}
		if _, ok := ids[id]; ok || !s.lastSeen.Before(pollStart) {
			continue
		}
		st.remove(id, s)
	}
}

// takeAnomalies returns the counts since the last call and resets them.
func (st *sessionState) takeAnomalies() [numAnomalies]int64 {
	a := st.anomalies
	st.anomalies = [numAnomalies]int64{}
	return a
}
