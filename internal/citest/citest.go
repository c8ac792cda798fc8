// Package citest holds the project's rule for tests that need something
// outside Go (a built binary, a server, a kernel feature): outside CI they
// skip when it is missing; in CI (CI=true) they fail, so nothing goes
// silently untested.
package citest

import (
	"fmt"
	"os"
	"testing"
)

// Unavailable ends t because what it needs is missing: why says what and how
// to get it. It skips, or fails when CI=true.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	why := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("in CI: %s", why)
		return
	}
	t.Skip(why)
}
