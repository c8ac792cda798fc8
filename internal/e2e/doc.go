// Package e2e runs the built otelcol-senseops binary against the simulator:
// what a user gets from `make run`, checked. The shipped configs
// (distributions/otelcol-senseops/config.yaml and gateway.yaml) are run as
// they are, only their addresses, ports and intervals changed, against real
// backends where a user has them: a Prometheus server (Debian package
// prometheus) scrapes config.yaml's exporter and is queried with PromQL, and
// gateway.yaml writes to an InfluxDB 1.6 server (Debian package influxdb,
// through the exporter's v1 API) that is queried with InfluxQL. Each test
// starts its own server on free ports; without the binary a test skips, and
// in CI (CI=true) it fails. Recording stand-ins remain for what has no local
// server: the InfluxDB 2.x write API and an OTLP backend. The binary comes
// from `make build`; `make test` builds it before running the tests.
package e2e
