// Package qliksensehealthreceiver scrapes the engine healthcheck of Qlik
// Sense Enterprise on Windows servers over mutual TLS.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package qliksensehealthreceiver // import "github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver"
