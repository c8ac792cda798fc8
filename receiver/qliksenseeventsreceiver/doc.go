// Package qliksenseeventsreceiver receives the UDP log events and user events
// that Qlik Sense Enterprise on Windows sends through log4net UdpAppenders and
// turns each datagram into one OTLP log record.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"
