// Package useragentprocessor parses the browser user-agent string that a log
// record carries (by default in user_agent.original, as the qliksense_events
// receiver sets it on Sense user events) into the OpenTelemetry semantic
// convention attributes user_agent.name, user_agent.version,
// user_agent.os.name, user_agent.os.version and user_agent.synthetic.type.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package useragentprocessor // import "github.com/senseops/senseops-collector/processor/useragentprocessor"
