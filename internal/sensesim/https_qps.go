package sensesim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// ProxySession is one element of the QPS session list returned by
// GET /qps/{prefix}/session (Butler SOS spec §2.2,
// testdata/http/qps-session-response-*.json). Attributes is never null.
type ProxySession struct {
	UserDirectory string              `json:"UserDirectory"`
	UserID        string              `json:"UserId"`
	Attributes    []map[string]string `json:"Attributes"`
	SessionID     string              `json:"SessionId"`
}

// normalizeVirtualProxy turns a virtual proxy prefix as configured ("/",
// "/hdr", "hdr", "/hdr/") into its URL segment ("" for the default virtual
// proxy, "hdr" otherwise). Prefixes are single path segments; they are
// matched exactly (case-sensitively) against request paths.
func normalizeVirtualProxy(p string) (string, error) {
	s := strings.Trim(strings.TrimSpace(p), "/")
	if strings.ContainsAny(s, "/?#%\\ \t\r\n") {
		return "", fmt.Errorf("sensesim: invalid virtual proxy prefix %q (want e.g. / or /hdr)", p)
	}
	return s, nil
}

// displayVirtualProxy is the configured form of a normalized prefix: "/" or
// "/hdr".
func displayVirtualProxy(seg string) string { return "/" + seg }

// Department of each person (index into people), used for the "group"
// attribute.
var departments = []string{"Sales", "Finance", "HR", "IT", "Operations", "Marketing"}

// proxyModel simulates the sessions of one virtual proxy on one proxy
// server. One step = one served session list. Not safe for concurrent use.
type proxyModel struct {
	rng      *rand.Rand
	header   bool // header-authenticated virtual proxy
	maxLoad  float64
	load     float64
	sessions []ProxySession
}

func newProxyModel(seed uint64, serverIndex, vpIndex int, seg string, central bool) *proxyModel {
	m := &proxyModel{
		rng:    rand.New(rand.NewPCG(seed, 0x9b5000000+uint64(serverIndex)<<12+uint64(vpIndex))),
		header: strings.Contains(strings.ToLower(seg), "hdr") || strings.Contains(strings.ToLower(seg), "header"),
	}
	switch {
	case seg == "" && central:
		m.maxLoad = 20
	case seg == "":
		m.maxLoad = 10
	default:
		m.maxLoad = 5
	}
	m.load = m.maxLoad * (0.2 + 0.5*m.rng.Float64())
	for range 15 {
		m.step()
	}
	return m
}

func (m *proxyModel) chance(p float64) bool { return m.rng.Float64() < p }

func (m *proxyModel) step() {
	const pEnd = 0.1
	m.load = math.Max(0, math.Min(m.maxLoad, m.load+m.rng.NormFloat64()*m.maxLoad*0.08))
	kept := m.sessions[:0]
	for _, s := range m.sessions {
		if !m.chance(pEnd) {
			kept = append(kept, s)
		}
	}
	clear(m.sessions[len(kept):])
	m.sessions = kept
	for range poisson(m.rng, m.load*pEnd) {
		m.sessions = append(m.sessions, m.newSession())
	}
}

func (m *proxyModel) newSession() ProxySession {
	var u user
	pi := -1 // index into people, -1 for service accounts
	switch {
	case len(m.sessions) > 0 && m.chance(0.2):
		// The same user with a second session (another browser or tab).
		prev := m.sessions[m.rng.IntN(len(m.sessions))]
		u = user{prev.UserDirectory, prev.UserID}
		for i, p := range people {
			if p == u {
				pi = i
			}
		}
	case !m.header && m.chance(0.08):
		u = []user{saRepository, saScheduler}[m.rng.IntN(2)]
	case m.header && m.chance(0.7):
		pi = 12 + m.rng.IntN(len(people)-12) // external users
		u = people[pi]
	default:
		pi = m.rng.IntN(len(people))
		u = people[pi]
	}
	attrs := []map[string]string{}
	switch {
	case m.header:
		attrs = append(attrs, map[string]string{"Header": "X-Qlik-HeaderAuth"})
	case pi >= 0 && u.dir == "CORP" && m.chance(0.5):
		attrs = append(attrs,
			map[string]string{"group": departments[pi%len(departments)]},
			map[string]string{"email": u.id + "@" + siteDomain})
	}
	return ProxySession{UserDirectory: u.dir, UserID: u.id, Attributes: attrs, SessionID: randGUID(m.rng)}
}

// snapshot returns the current sessions (a copy), in start order.
func (m *proxyModel) snapshot() []ProxySession {
	return append(make([]ProxySession, 0, len(m.sessions)), m.sessions...)
}
