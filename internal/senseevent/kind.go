package senseevent

import "strings"

// Kind is the message kind named by a datagram's leading marker.
type Kind uint8

const (
	KindUnknown Kind = iota
	KindEngine
	KindProxy
	KindRepository
	KindScheduler
	KindQixPerf
	KindProxySession
	KindProxyConnection
	numKinds
)

// Kinds lists every known kind, in a stable order.
var Kinds = [...]Kind{KindEngine, KindProxy, KindRepository, KindScheduler, KindQixPerf, KindProxySession, KindProxyConnection}

type kindInfo struct {
	marker  string // as configured in the appender, e.g. "/qseow-engine/"
	source  string // the marker without slashes, e.g. "qseow-engine"
	service string // the Sense service that sends it
}

var kindInfos = [numKinds]kindInfo{
	KindUnknown:         {},
	KindEngine:          {"/qseow-engine/", "qseow-engine", "engine"},
	KindProxy:           {"/qseow-proxy/", "qseow-proxy", "proxy"},
	KindRepository:      {"/qseow-repository/", "qseow-repository", "repository"},
	KindScheduler:       {"/qseow-scheduler/", "qseow-scheduler", "scheduler"},
	KindQixPerf:         {"/qseow-qix-perf/", "qseow-qix-perf", "engine"},
	KindProxySession:    {"/qseow-proxy-session/", "qseow-proxy-session", "proxy"},
	KindProxyConnection: {"/qseow-proxy-connection/", "qseow-proxy-connection", "proxy"},
}

// Marker is the datagram prefix that identifies the kind, e.g. "/qseow-engine/".
func (k Kind) Marker() string { return kindInfos[k].marker }

// Source is the marker without its slashes, e.g. "qseow-engine"; Butler SOS
// calls this the event source.
func (k Kind) Source() string { return kindInfos[k].source }

// Service is the Qlik Sense service that sends this kind: engine, proxy,
// repository or scheduler.
func (k Kind) Service() string { return kindInfos[k].service }

// IsUserEvent reports whether the kind is a proxy user event.
func (k Kind) IsUserEvent() bool { return k == KindProxySession || k == KindProxyConnection }

func (k Kind) String() string {
	if k == KindUnknown || k >= numKinds {
		return "unknown"
	}
	return kindInfos[k].source
}

// kindOf matches a marker case-insensitively, ignoring surrounding blanks.
func kindOf(marker string) Kind {
	// Markers usually come as configured, and a switch on constants costs a
	// fraction of trimming and EqualFold. (One missing here still matches
	// below.)
	switch marker {
	case "/qseow-engine/":
		return KindEngine
	case "/qseow-proxy/":
		return KindProxy
	case "/qseow-repository/":
		return KindRepository
	case "/qseow-scheduler/":
		return KindScheduler
	case "/qseow-qix-perf/":
		return KindQixPerf
	case "/qseow-proxy-session/":
		return KindProxySession
	case "/qseow-proxy-connection/":
		return KindProxyConnection
	}
	marker = trimSpace(marker)
	for _, k := range Kinds {
		if len(marker) == len(kindInfos[k].marker) && strings.EqualFold(marker, kindInfos[k].marker) {
			return k
		}
	}
	return KindUnknown
}
