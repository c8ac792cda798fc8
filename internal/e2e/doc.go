// Package e2e runs the built otelcol-senseops binary against the simulator:
// what a user gets from `make run`, checked. The binary comes from
// `make build`; `make test` builds it before running the tests.
package e2e
