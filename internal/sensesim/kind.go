package sensesim

import (
	"fmt"
	"strings"
)

// Kind is one of the seven UDP datagram kinds a Qlik Sense site emits through
// the log4net UdpAppenders of Butler SOS spec §4.1 and §5.1.
type Kind int

// The datagram kinds, in a fixed order (used for deterministic weighting and
// for printing).
const (
	KindEngine          Kind = iota // /qseow-engine/ (19 fields)
	KindProxy                       // /qseow-proxy/ (16 fields)
	KindRepository                  // /qseow-repository/ (16 fields)
	KindScheduler                   // /qseow-scheduler/ (18 fields)
	KindQixPerf                     // /qseow-qix-perf/ (26 fields)
	KindProxySession                // /qseow-proxy-session/ (8 logical fields)
	KindProxyConnection             // /qseow-proxy-connection/ (8 logical fields)
)

// NumKinds is the number of datagram kinds.
const NumKinds = 7

type kindInfo struct {
	name    string
	marker  string
	fields  int
	user    bool
	aliases []string
}

var kindInfos = [NumKinds]kindInfo{
	KindEngine:          {"engine", "/qseow-engine/", 19, false, nil},
	KindProxy:           {"proxy", "/qseow-proxy/", 16, false, nil},
	KindRepository:      {"repository", "/qseow-repository/", 16, false, []string{"repo"}},
	KindScheduler:       {"scheduler", "/qseow-scheduler/", 18, false, nil},
	KindQixPerf:         {"qix-perf", "/qseow-qix-perf/", 26, false, []string{"qixperf", "qix"}},
	KindProxySession:    {"proxy-session", "/qseow-proxy-session/", 8, true, []string{"session"}},
	KindProxyConnection: {"proxy-connection", "/qseow-proxy-connection/", 8, true, []string{"connection"}},
}

func (k Kind) valid() bool { return k >= 0 && k < NumKinds }

// String returns the short kind name used by the CLI ("engine", "qix-perf",
// "proxy-session", ...).
func (k Kind) String() string {
	if !k.valid() {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindInfos[k].name
}

// Marker returns the source marker that starts every datagram of this kind,
// e.g. "/qseow-engine/".
func (k Kind) Marker() string {
	if !k.valid() {
		return ""
	}
	return kindInfos[k].marker
}

// FieldCount returns the number of ';'-separated fields of a datagram of
// this kind when no free-text field contains ';' (for user events: the
// number of logical fields, message last).
func (k Kind) FieldCount() int {
	if !k.valid() {
		return 0
	}
	return kindInfos[k].fields
}

// IsUserEvent reports whether the kind is a user event (proxy session or
// connection, sent to the user-event port 9997 by Butler SOS convention).
func (k Kind) IsUserEvent() bool { return k.valid() && kindInfos[k].user }

// AllKinds returns every kind in canonical order.
func AllKinds() []Kind {
	return []Kind{KindEngine, KindProxy, KindRepository, KindScheduler, KindQixPerf, KindProxySession, KindProxyConnection}
}

// LogKinds returns the five log-event kinds (log-event port, 9996).
func LogKinds() []Kind {
	return []Kind{KindEngine, KindProxy, KindRepository, KindScheduler, KindQixPerf}
}

// UserKinds returns the two user-event kinds (user-event port, 9997).
func UserKinds() []Kind { return []Kind{KindProxySession, KindProxyConnection} }

// ParseKind parses a kind name. It accepts the names returned by
// Kind.String, a few aliases (qixperf, session, connection, repo) and the
// markers with or without slashes ("/qseow-engine/", "qseow-engine").
func ParseKind(s string) (Kind, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	n = strings.Trim(n, "/")
	n = strings.TrimPrefix(n, "qseow-")
	for _, k := range AllKinds() {
		ki := kindInfos[k]
		if n == ki.name {
			return k, nil
		}
		for _, a := range ki.aliases {
			if n == a {
				return k, nil
			}
		}
	}
	return 0, fmt.Errorf("unknown event kind %q (want one of %s)", s, kindNames())
}

// ParseKinds parses a comma-separated list of kinds. The special values
// "all" (or empty), "log" (the five log-event kinds) and "user" (the two
// user-event kinds) may be used alone or mixed with names. The result is in
// canonical order without duplicates.
func ParseKinds(s string) ([]Kind, error) {
	var set [NumKinds]bool
	if strings.TrimSpace(s) == "" {
		s = "all"
	}
	for _, part := range strings.Split(s, ",") {
		p := strings.ToLower(strings.TrimSpace(part))
		switch p {
		case "":
			continue
		case "all":
			for _, k := range AllKinds() {
				set[k] = true
			}
		case "log", "logs", "log-events":
			for _, k := range LogKinds() {
				set[k] = true
			}
		case "user", "users", "user-events":
			for _, k := range UserKinds() {
				set[k] = true
			}
		default:
			k, err := ParseKind(p)
			if err != nil {
				return nil, err
			}
			set[k] = true
		}
	}
	var out []Kind
	for _, k := range AllKinds() {
		if set[k] {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no event kinds selected in %q", s)
	}
	return out, nil
}

func kindNames() string {
	names := make([]string, 0, NumKinds+3)
	for _, k := range AllKinds() {
		names = append(names, k.String())
	}
	names = append(names, "log", "user", "all")
	return strings.Join(names, ", ")
}

// Weights gives the relative frequency of each kind. Kinds that are absent
// or have weight 0 are never generated.
type Weights map[Kind]float64

// DefaultWeights is a realistic mix for a busy site with the QIX
// performance log level raised: qix-perf dominates, user events are common,
// warnings and errors from the services are rarer.
func DefaultWeights() Weights {
	return Weights{
		KindQixPerf:         60,
		KindProxyConnection: 14,
		KindProxySession:    8,
		KindEngine:          6,
		KindProxy:           5,
		KindRepository:      4,
		KindScheduler:       3,
	}
}

// Only returns a copy of w restricted to the given kinds. If none of the
// kinds has a positive weight in w, each of them gets weight 1.
func (w Weights) Only(kinds ...Kind) Weights {
	out := Weights{}
	for _, k := range kinds {
		if w[k] > 0 {
			out[k] = w[k]
		}
	}
	if len(out) == 0 {
		for _, k := range kinds {
			out[k] = 1
		}
	}
	return out
}

func (w Weights) validate() error {
	total := 0.0
	for k, v := range w {
		if !k.valid() {
			return fmt.Errorf("weight for unknown kind %d", int(k))
		}
		if v < 0 || v != v { // negative or NaN
			return fmt.Errorf("weight for %s must be >= 0, got %v", k, v)
		}
		total += v
	}
	if total <= 0 {
		return fmt.Errorf("at least one event kind needs a positive weight")
	}
	return nil
}
