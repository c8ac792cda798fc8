// Package qliksensesessionsreceiver polls the proxy session API of Qlik
// Sense Enterprise on Windows for every configured virtual proxy.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package qliksensesessionsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksensesessionsreceiver"
