package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envRef is a ${env:NAME} (or ${NAME}) placeholder in a collector config.
var envRef = regexp.MustCompile(`\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}`)

// TestREADMENamesConfigEnvironment: every environment variable a shipped
// config reads is named in the README, so an operator knows to set it (an
// unset one only logs a warning and the exporter sends empty credentials).
func TestREADMENamesConfigEnvironment(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	require.NoError(t, err)
	configs, err := filepath.Glob(filepath.Join(repoRoot, "distributions", "otelcol-senseops", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, configs)
	found := 0
	for _, cfg := range configs {
		b, err := os.ReadFile(cfg)
		require.NoError(t, err)
		for _, m := range envRef.FindAllStringSubmatch(string(b), -1) {
			found++
			assert.True(t, strings.Contains(string(readme), "`"+m[1]+"`"), "%s reads the environment variable %s: say in README.md what it is", filepath.Base(cfg), m[1])
		}
	}
	require.NotZero(t, found, "the shipped configs take their secrets from the environment")
}
