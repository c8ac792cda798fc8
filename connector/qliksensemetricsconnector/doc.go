// Package qliksensemetricsconnector is a logs-to-metrics connector that turns
// the Qlik Sense events of the qliksense_events receiver into metrics: event
// counts by source, host, subsystem, level and category; histograms of QIX
// request times per app, method and object type, filtered like Butler SOS's
// engine-performance monitor, with counters of the rejected requests; and
// gauges of active proxy sessions and users per proxy host.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package qliksensemetricsconnector // import "github.com/senseops/senseops-collector/connector/qliksensemetricsconnector"
