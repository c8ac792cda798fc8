package senseapi

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
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
	Active Count `json:"active"`
	Total  Count `json:"total"`
}

// HealthApps lists apps by state: active ⊆ loaded ⊆ in memory.
type HealthApps struct {
	ActiveDocs   []string `json:"active_docs"`
	LoadedDocs   []string `json:"loaded_docs"`
	InMemoryDocs []string `json:"in_memory_docs"`
	Calls        Count    `json:"calls"`
	Selections   Count    `json:"selections"`
}

// HealthCache holds the engine's cumulative cache counters.
type HealthCache struct {
	Hits       Count `json:"hits"`
	Lookups    Count `json:"lookups"`
	Added      Count `json:"added"`
	Replaced   Count `json:"replaced"`
	BytesAdded Count `json:"bytes_added"`
}

// Count is a whole number in a body. JSON has one number type, so 3, 3.0
// and 3e0 are all read as 3 (a fraction is rounded); null leaves it 0; text
// and numbers beyond int64 are malformed.
type Count int64

// UnmarshalJSON reads any JSON number.
func (c *Count) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*c = Count(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil || len(b) == 0 || b[0] == '"' {
		return fmt.Errorf("%s is not a number", s)
	}
	f, err := n.Float64()
	if f = math.Round(f); err != nil || f < math.MinInt64 || f >= math.MaxInt64 {
		return fmt.Errorf("%s is not a whole number in range", s)
	}
	*c = Count(f)
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
