package senseapi

import (
	"strings"

	"github.com/senseops/senseops-collector/internal/senseevent"
)

// Health is the engine healthcheck body. Sub-objects are pointers so a body
// that lacks one is told apart from one that reports zeros.
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
}

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
	Active int64 `json:"active"`
	Total  int64 `json:"total"`
}

// HealthApps lists apps by state: active ⊆ loaded ⊆ in memory.
type HealthApps struct {
	ActiveDocs   []string `json:"active_docs"`
	LoadedDocs   []string `json:"loaded_docs"`
	InMemoryDocs []string `json:"in_memory_docs"`
	Calls        int64    `json:"calls"`
	Selections   int64    `json:"selections"`
}

// HealthCache holds the engine's cumulative cache counters.
type HealthCache struct {
	Hits       int64 `json:"hits"`
	Lookups    int64 `json:"lookups"`
	Added      int64 `json:"added"`
	Replaced   int64 `json:"replaced"`
	BytesAdded int64 `json:"bytes_added"`
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

// User returns DIRECTORY\userid.
func (s Session) User() string {
	if s.UserDirectory == "" {
		return s.UserID
	}
	return s.UserDirectory + `\` + s.UserID
}

// App is the part of a repository app the collector uses.
type App struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}
