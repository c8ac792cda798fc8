package sensesim

import (
	"testing"
	"time"
)

// The engine and proxy models keep their invariants for many seeds (the
// HTTP tests cover one seed end to end).
func TestModelsManySeeds(t *testing.T) {
	start := time.Date(2024, 3, 12, 10, 0, 0, 0, time.UTC)
	for seed := range uint64(40) {
		for idx, central := range []bool{true, false} {
			m := newEngineModel(seed, idx, start, central, seed%2 == 0)
			var prev EngineHealth
			for i := range 400 {
				m.step()
				h := m.snapshot()
				a := h.Apps
				if !isSubsequence(a.ActiveDocs, a.LoadedDocs) || !isSubsequence(a.LoadedDocs, a.InMemoryDocs) {
					t.Fatalf("seed %d step %d: docs not nested", seed, i)
				}
				if h.Session.Active > h.Session.Total || h.Users.Active > h.Users.Total || h.Users.Total > h.Session.Total {
					t.Fatalf("seed %d step %d: counts %+v %+v", seed, i, h.Session, h.Users)
				}
				if h.Mem.Free <= 0 || h.Mem.Free+h.Mem.Allocated > h.Mem.TotalPhysical || h.Mem.Allocated < h.Mem.Committed {
					t.Fatalf("seed %d step %d: memory %+v", seed, i, h.Mem)
				}
				if h.Saturated != (h.CPU.Total >= SaturationCPU) || h.CPU.Total < 0 || h.CPU.Total > 100 {
					t.Fatalf("seed %d step %d: cpu %v saturated %v", seed, i, h.CPU.Total, h.Saturated)
				}
				if h.Cache.Hits > h.Cache.Lookups {
					t.Fatalf("seed %d step %d: hits > lookups", seed, i)
				}
				if i > 0 && (a.Calls < prev.Apps.Calls || a.Selections < prev.Apps.Selections ||
					h.Cache.Hits < prev.Cache.Hits || h.Cache.Lookups < prev.Cache.Lookups || h.Cache.Added < prev.Cache.Added ||
					h.Cache.Replaced < prev.Cache.Replaced || h.Cache.BytesAdded < prev.Cache.BytesAdded) {
					t.Fatalf("seed %d step %d: a counter decreased", seed, i)
				}
				prev = h
			}
		}
		for vpi, seg := range []string{"", "hdr"} {
			pm := newProxyModel(seed, 0, vpi, seg, true)
			for range 200 {
				pm.step()
				ids := map[string]bool{}
				for _, s := range pm.snapshot() {
					if ids[s.SessionID] || s.Attributes == nil {
						t.Fatalf("seed %d: duplicate id or nil attributes %+v", seed, s)
					}
					ids[s.SessionID] = true
				}
			}
		}
	}
}
