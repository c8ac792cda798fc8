package senseevent

import (
	"path/filepath"
	"testing"
)

// BenchmarkParse measures one datagram per kind as the receiver sees it: a
// byte slice copied into one string, then parsed.
func BenchmarkParse(b *testing.B) {
	kinds := []struct{ name, file string }{
		{"engine", "log-engine"}, {"proxy", "log-proxy"}, {"repository", "log-repository"},
		{"scheduler", "log-scheduler"}, {"qix-perf", "log-qix-perf"}, {"user-event", "user-events"},
	}
	for _, k := range kinds {
		lines := readLines(&testing.T{}, filepath.Join(samplesDir, k.file+".txt"))
		datagrams := make([][]byte, len(lines))
		for i, l := range lines {
			datagrams[i] = []byte(l)
		}
		// copy-only is the benchmark's string conversion alone: the part of
		// every kind's time that is the receiver's one copy, not parsing.
		b.Run(k.name+"/copy-only", func(b *testing.B) {
			var sink string
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				sink = string(datagrams[i%len(datagrams)])
			}
			_ = sink
		})
		b.Run(k.name, func(b *testing.B) {
			var ev Event
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := Parse(string(datagrams[i%len(datagrams)]), &ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, file := range []string{"log-engine", "log-proxy", "log-repository", "log-scheduler", "log-qix-perf", "user-events", "edge-cases"} {
		for _, l := range readLines(&testing.T{}, filepath.Join(samplesDir, file+".txt")) {
			f.Add(l)
		}
	}
	f.Fuzz(func(t *testing.T, line string) {
		var ev Event
		if err := Parse(line, &ev); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		if ev.Kind == KindUnknown {
			t.Fatal("accepted an unknown kind")
		}
		if ev.AppID != "" && !IsGUID(ev.AppID) {
			t.Fatalf("app id %q is not a GUID", ev.AppID)
		}
	})
}
