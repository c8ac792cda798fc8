package senseevent

import (
	"fmt"
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

// BenchmarkParseJoined reads datagrams of many short lines, as a relay that
// joins lines (or a hostile sender) may send, and reports the time per event:
// it stays the same from 8 KiB to 64 KiB when reading is linear in the
// datagram's length. (Reading the rest of the datagram for every line took
// 157 ms for the 64 KiB one of "/x/;a" lines.)
func BenchmarkParseJoined(b *testing.B) {
	user := "/qseow-proxy-session/;P1;Start session;CORP;jdoe;AppAccess;/hub/;Start session for user 'CORP\\jdoe'"
	shapes := []struct{ name, line string }{
		{"unknown-markers", "/x/;a\n"},
		{"user-events", user + "\n"},
		{"slashes", "\n/"},
	}
	for _, sh := range shapes {
		for _, size := range []int{8 << 10, 64 << 10} {
			datagram := "/qseow-engine/;" + strings.Repeat(sh.line, size/len(sh.line))
			b.Run(fmt.Sprintf("%s/%dKiB", sh.name, size>>10), func(b *testing.B) {
				var ev Event
				lines := 0
				for b.Loop() {
					for s := datagram; s != ""; s = ev.Next {
						_ = Parse(s, &ev)
						lines++
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(lines), "ns/event")
			})
		}
	}
}
