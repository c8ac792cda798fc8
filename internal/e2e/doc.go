// Package e2e runs the built otelcol-senseops binary against the simulator:
// what a user gets from `make run`, checked. The shipped configs
// (distributions/otelcol-senseops/config.yaml and gateway.yaml) are run as
// they are, only their addresses, ports and intervals changed, with recording
// stand-ins for InfluxDB and an OTLP backend. The binary comes from
// `make build`; `make test` builds it before running the tests.
package e2e
