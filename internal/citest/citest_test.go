package citest

import (
	"testing"
)

// recorder is a testing.TB that records how the test would have ended.
type recorder struct {
	testing.TB
	ended string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Fatalf(format string, _ ...any) { r.ended = "fail: " + format }
func (r *recorder) Skip(args ...any)               { r.ended = "skip" }

func TestUnavailableSkipsOutsideCIAndFailsInIt(t *testing.T) {
	for _, tt := range []struct{ ci, want string }{
		{"", "skip"}, {"false", "skip"}, {"true", "fail: in CI: %s"},
	} {
		t.Setenv("CI", tt.ci)
		r := &recorder{TB: t}
		Unavailable(r, "%s not built", "x")
		if r.ended != tt.want {
			t.Errorf("CI=%q: ended %q, want %q", tt.ci, r.ended, tt.want)
		}
	}
}
