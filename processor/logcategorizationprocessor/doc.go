// Package logcategorizationprocessor adds categories to log records, or drops
// them, by rules on the record's level and on its message or attributes. It
// reads Butler SOS's log-event categorisation rules unchanged.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package logcategorizationprocessor // import "github.com/senseops/senseops-collector/processor/logcategorizationprocessor"
