package useragentprocessor

import (
	"testing"

	"github.com/mssola/useragent"
)

// FuzzParseUserAgent checks that any string parses without a panic, into
// values that keep the documented shape: names start with a letter, versions
// with a digit, and an unrecognised string yields nothing at all.
func FuzzParseUserAgent(f *testing.F) {
	for _, c := range uaCases {
		f.Add(c.ua)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// The library itself must not panic either; parseUserAgent would
		// hide that behind "unrecognised".
		useragent.New(s)

		info := parseUserAgent(s)
		if info != parseUserAgent(s) {
			t.Fatalf("not deterministic for %q", s)
		}
		if !info.recognized {
			if info != (uaInfo{}) {
				t.Fatalf("unrecognised %q carries values: %+v", s, info)
			}
			return
		}
		for _, n := range []string{info.name, info.osName} {
			if n != "" && !startsWithLetter(n) {
				t.Fatalf("%q: name %q does not start with a letter", s, n)
			}
		}
		if info.version != "" && !startsWithDigit(info.version) {
			t.Fatalf("%q: version %q does not start with a digit", s, info.version)
		}
		if info.osVersion != "" && info.osName != "Windows" && !startsWithDigit(info.osVersion) {
			t.Fatalf("%q: OS version %q does not start with a digit", s, info.osVersion)
		}
		if info.name == "" && (info.version != "" || info.hasMajor) {
			t.Fatalf("%q: version without a name: %+v", s, info)
		}
		if info.osName == "" && info.osVersion != "" {
			t.Fatalf("%q: OS version without an OS: %+v", s, info)
		}
	})
}
