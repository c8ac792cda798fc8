package qliksensehealthreceiver

import (
	"testing"

	"github.com/senseops/senseops-collector/internal/readmetest"
)

// TestReadmeExamples: every example in README.md loads and validates.
func TestReadmeExamples(t *testing.T) {
	readmetest.Examples(t, NewFactory(), map[string]string{"QLIK_CERT_PASSPHRASE": "example-passphrase"}, []readmetest.Block{
		{Name: "configuration", IDs: []string{"qliksense_health"}},
	})
}

// TestReadmeConfigTable: the configuration reference names every setting,
// only real ones, with the factory's defaults.
func TestReadmeConfigTable(t *testing.T) {
	readmetest.ConfigTable(t, NewFactory())
}
