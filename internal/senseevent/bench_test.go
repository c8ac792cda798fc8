package senseevent

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// BenchmarkParse measures one event per kind as the receiver parses it: a
// line already copied out of the read buffer. (The receiver copies all the
// datagrams of a read into one string, one allocation per read of up to 32;
// the receiver's BenchmarkHandle measures that with the rest of its work.)
func BenchmarkParse(b *testing.B) {
	kinds := []struct{ name, file string }{
		{"engine", "log-engine"}, {"proxy", "log-proxy"}, {"repository", "log-repository"},
		{"scheduler", "log-scheduler"}, {"qix-perf", "log-qix-perf"}, {"user-event", "user-events"},
	}
	for _, k := range kinds {
		lines := readLines(&testing.T{}, filepath.Join(samplesDir, k.file+".txt"))
		b.Run(k.name, func(b *testing.B) {
			var ev Event
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := Parse(lines[i%len(lines)], &ev); err != nil {
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
		err := Parse(line, &ev)
		if ev.Next != "" && (len(ev.Next) >= len(line) || !strings.HasSuffix(line, ev.Next)) {
			t.Fatalf("Next %q is not a shorter rest of %q", ev.Next, line)
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		for _, s := range []string{ev.Message, ev.Exception, ev.UserDir, ev.UserID, ev.FullUser(), ev.Host, ev.Context, ev.ObjectID} {
			if !utf8.ValidString(s) {
				t.Fatalf("%q is not valid UTF-8", s)
			}
		}
		if ev.Kind == KindUnknown {
			t.Fatal("accepted an unknown kind")
		}
		if ev.AppID != "" && !IsGUID(ev.AppID) {
			t.Fatalf("app id %q is not a GUID", ev.AppID)
		}
	})
}
