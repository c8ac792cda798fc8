package qliksensemetricsconnector

import (
	"testing"

	"github.com/senseops/senseops-collector/internal/readmetest"
)

// TestReadmeExamples: every example in README.md loads and validates.
func TestReadmeExamples(t *testing.T) {
	readmetest.Examples(t, NewFactory(), nil, []readmetest.Block{
		{Name: "pipeline", IDs: []string{"qliksense_metrics"}},
		{Name: "fuller_example", IDs: []string{"qliksense_metrics"}},
		{Name: "log_side_pipelines", Skip: "service pipelines only: the connector is named, not configured"},
		{Name: "log_side_filters", Skip: "filter processor recipes for the logs pipeline, not the connector's config"},
	})
}

// TestReadmeConfigTable: the configuration reference names every setting,
// only real ones, with the factory's defaults.
func TestReadmeConfigTable(t *testing.T) {
	readmetest.ConfigTable(t, NewFactory())
}
