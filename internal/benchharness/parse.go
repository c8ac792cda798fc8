//go:build linux

package benchharness

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Sample is one line of the Prometheus text format.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

var promLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)`)
var promLabel = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)

// ParsePrometheus parses the Prometheus text exposition format (what the
// collector's internal metrics endpoint serves). Comments are skipped;
// names keep their suffixes (_total, ...).
func ParsePrometheus(text string) []Sample {
	var out []Sample
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		m := promLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			continue
		}
		s := Sample{Name: m[1], Value: v, Labels: map[string]string{}}
		for _, l := range promLabel.FindAllStringSubmatch(m[2], -1) {
			s.Labels[l[1]] = strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\n`, "\n").Replace(l[2])
		}
		out = append(out, s)
	}
	return out
}

// Counter is a named, labelled counter value for the report.
type Counter struct {
	Name   string  `json:"name"`
	Labels string  `json:"labels,omitempty"`
	Value  float64 `json:"value"`
}

// String is "name{labels} = value".
func (c Counter) String() string {
	l := ""
	if c.Labels != "" {
		l = "{" + c.Labels + "}"
	}
	return fmt.Sprintf("%s%s = %s", c.Name, l, strconv.FormatFloat(c.Value, 'f', -1, 64))
}

// dropMetric says whether a metric counts data that did not make it: the
// receivers' refused records and rejected datagrams, the processors'
// dropped records, the exporters' failed sends and enqueues.
func dropMetric(name string) bool {
	if !strings.HasPrefix(name, "otelcol_") {
		return false
	}
	for _, w := range []string{"refused", "rejected", "dropped", "failed", "discarded"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// DropCounters returns the non-zero drop counters (see dropMetric) from
// parsed samples, with the labels that tell them apart (reason, receiver,
// processor, exporter, rule), sorted.
func DropCounters(samples []Sample) []Counter {
	var out []Counter
	for _, s := range samples {
		if s.Value == 0 || !dropMetric(s.Name) {
			continue
		}
		out = append(out, Counter{Name: strings.TrimSuffix(s.Name, "_total"), Labels: keyLabels(s.Labels), Value: s.Value})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Labels < out[j].Labels
	})
	return out
}

// SumMetric sums the samples named name (or name_total) whose labels
// include every key=value in match.
func SumMetric(samples []Sample, name string, match map[string]string) (float64, bool) {
	sum, found := 0.0, false
	for _, s := range samples {
		if s.Name != name && s.Name != name+"_total" {
			continue
		}
		ok := true
		for k, v := range match {
			ok = ok && s.Labels[k] == v
		}
		if ok {
			sum, found = sum+s.Value, true
		}
	}
	return sum, found
}

func keyLabels(l map[string]string) string {
	var parts []string
	for _, k := range []string{"receiver", "processor", "exporter", "reason", "rule", "issue", "transport"} {
		if v, ok := l[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%q", k, v))
		}
	}
	return strings.Join(parts, ",")
}

// SensesimSummary is the final line of `sensesim udp`.
type SensesimSummary struct {
	Sent    int64
	Bytes   int64
	Elapsed time.Duration
	Rate    float64
	Errors  int64
	ByKind  map[string]int64
}

var summaryLine = regexp.MustCompile(`sensesim: sent (\d+) datagrams \((\d+) bytes\) in (\S+) \(([0-9.]+)/s\), (\d+) errors: ?(.*)$`)

// ParseSensesimSummary finds and parses the line
// "sensesim: sent N datagrams (B bytes) in D (R/s), E errors: kind=n ..."
// in sensesim's output.
func ParseSensesimSummary(out string) (SensesimSummary, error) {
	var s SensesimSummary
	for _, line := range strings.Split(out, "\n") {
		m := summaryLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		var err error
		if s.Sent, err = strconv.ParseInt(m[1], 10, 64); err != nil {
			return s, err
		}
		if s.Bytes, err = strconv.ParseInt(m[2], 10, 64); err != nil {
			return s, err
		}
		if s.Elapsed, err = time.ParseDuration(m[3]); err != nil {
			return s, fmt.Errorf("sensesim summary: elapsed %q: %w", m[3], err)
		}
		if s.Rate, err = strconv.ParseFloat(m[4], 64); err != nil {
			return s, err
		}
		if s.Errors, err = strconv.ParseInt(m[5], 10, 64); err != nil {
			return s, err
		}
		s.ByKind = map[string]int64{}
		kinds, _, _ := strings.Cut(m[6], ";") // "; errors by kind: ..." follows when there were errors
		for _, kv := range strings.Fields(kinds) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err == nil {
				s.ByKind[k] = n
			}
		}
		return s, nil
	}
	return s, fmt.Errorf("no summary line in sensesim output %q", strings.TrimSpace(out))
}

// ParseComponents reads the output of `otelcol components` (YAML) into the
// component names by kind ("receivers", "processors", ...), with each
// component's module line.
func ParseComponents(out string) map[string]map[string]string {
	res := map[string]map[string]string{}
	kind, name := "", ""
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '-' && strings.HasSuffix(line, ":") {
			kind = strings.TrimSuffix(line, ":")
			continue
		}
		t := strings.TrimSpace(line)
		if n, ok := strings.CutPrefix(t, "- name: "); ok && kind != "" {
			name = strings.TrimSpace(n)
			if res[kind] == nil {
				res[kind] = map[string]string{}
			}
			res[kind][name] = ""
			continue
		}
		if m, ok := strings.CutPrefix(t, "module: "); ok && kind != "" && name != "" && res[kind] != nil {
			res[kind][name] = strings.TrimSpace(m)
		}
	}
	return res
}
