//go:build linux

// Package benchharness is the end-to-end benchmark behind `make bench`
// (cmd/sensebench): it runs the built collector with generated configs,
// drives the simulator's UDP generator at it at stepped rates, counts what
// arrives in an in-process OTLP/HTTP sink, measures the collector from /proc
// and renders the results as a Markdown table (or JSON).
//
// The pure parts (parsing /proc and Prometheus text, the sink's protobuf
// counting, stepping, medians, verdicts and rendering) are unit-tested; the
// process-driving parts (Runner) are exercised by running cmd/sensebench.
package benchharness
