package logcategorizationprocessor

import (
	"testing"

	"github.com/senseops/senseops-collector/internal/readmetest"
)

// TestReadmeExamples: every example in README.md loads and validates.
func TestReadmeExamples(t *testing.T) {
	readmetest.Examples(t, NewFactory(), nil, []readmetest.Block{
		{Name: "rules", IDs: []string{"log_categorization"}},
		{Name: "butler_sos_section", IDs: []string{"log_categorization"}},
	})
}

// TestReadmeConfigTable: the configuration reference names every setting,
// only real ones, with the factory's defaults.
func TestReadmeConfigTable(t *testing.T) {
	readmetest.ConfigTable(t, NewFactory())
}
