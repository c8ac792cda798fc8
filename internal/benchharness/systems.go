//go:build linux

package benchharness

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
)

// System is one collector pipeline under test.
type System struct {
	// Name identifies the system in flags and tables: "senseops" or "stock".
	Name string
	// Description is the pipeline for the report, e.g.
	// "qliksense_events → memory_limiter → ... → otlp_http".
	Description string
	// Notes are printed under the system's description (defaults, skipped
	// components).
	Notes []string
	// Warnings are also printed to stderr when the run starts.
	Warnings []string
	// MemoryLimiter says whether the pipeline has the memory_limiter (and so
	// whether the overload phase applies).
	MemoryLimiter bool

	config func(ConfigParams) string
}

// ConfigParams are the per-run values a system's config needs.
type ConfigParams struct {
	UDPPort     int    // the receiver listens on 127.0.0.1:UDPPort
	MetricsPort int    // internal metrics (Prometheus) on 127.0.0.1:MetricsPort
	LogsURL     string // the sink session's /v1/logs URL
}

// Config renders the collector config for one run.
func (s *System) Config(p ConfigParams) string { return s.config(p) }

// Components is the parsed output of `otelcol components`.
type Components map[string]map[string]string

// Has says whether the binary has a component of kind ("receivers",
// "processors", "exporters", ...) named name.
func (c Components) Has(kind, name string) bool {
	_, ok := c[kind][name]
	return ok
}

// Missing lists the required components the binary lacks, as "kind/name".
func (c Components) Missing(required map[string][]string) []string {
	var out []string
	for kind, names := range required {
		for _, n := range names {
			if !c.Has(kind, n) {
				out = append(out, kind+"/"+n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// MemoryLimiterConfig is the memory_limiter block used for the recommended
// pipeline: the settings of distributions/otelcol-senseops/config.yaml
// (limit 80 % of the machine's or cgroup's memory, spike 20 %, checked every
// second). The processor itself has no default limit; "at its default" in the
// targets means these settings.
const MemoryLimiterConfig = `    check_interval: 1s
    limit_percentage: 80
    spike_limit_percentage: 20`

// MemoryLimitPercent is MemoryLimiterConfig's limit_percentage.
const MemoryLimitPercent = 80

// CategorizationRules is the 10-rule set for log_categorization. It is not
// distributions/otelcol-senseops/rules/log-categorization.yaml on purpose:
// that file has a drop rule, and dropped events would count as loss here,
// where loss must mean events the transport lost. These rules:
// the first ten rules of the processor's benchmark set (the common
// categories of a Sense site, in the filter types a Butler SOS user writes:
// sw, ew, so, a regex and an attribute filter) and a default category.
const CategorizationRules = `    rules:
      - description: access denied
        log_level: [warn, error]
        action: categorise
        category: [{name: qs_log_category, value: access-denied}]
        filter:
          - {type: sw, value: "Access was denied for User:"}
          - {type: so, value: "access denied for user"}
      - description: memory
        log_level: [error, fatal]
        action: categorise
        category: [{name: qs_log_category, value: resource-limit}]
        filter:
          - {type: so, value: "Failed to allocate memory"}
          - {type: so, value: "out of memory"}
      - description: node communication
        log_level: [warn, error]
        action: categorise
        category: [{name: qs_log_category, value: node-communication}]
        filter:
          - {type: so, value: ":4747"}
          - {type: so, value: ":4242"}
          - {type: so, value: ":4243"}
      - description: reload failure
        log_level: [warn, error]
        action: categorise
        category: [{name: qs_log_category, value: reload-failure}]
        filter:
          - {type: sw, value: "Message from ReloadProvider: Reload failed"}
          - {type: ew, value: "FinishedFail"}
      - description: license
        log_level: [error, fatal]
        action: categorise
        category: [{name: qs_log_category, value: license}]
        filter:
          - {type: so, value: "access allocation failed"}
          - {type: ew, value: "has expired and was removed"}
      - description: user sync
        log_level: [warn]
        action: categorise
        category: [{name: qs_log_category, value: user-sync}]
        filter:
          - {type: so, value: "found in user directory"}
      - description: database
        log_level: [error, fatal]
        action: categorise
        category: [{name: qs_log_category, value: database}]
        filter:
          - {type: sw, value: "Connection to the database was lost"}
          - {type: so, value: "Npgsql.NpgsqlException"}
      - description: script errors
        log_level: [warn, error]
        action: categorise
        category: [{name: qs_log_category, value: script}]
        filter:
          - {type: regex, value: '^Script error in app [0-9a-f-]{36} at line \d+'}
      - description: timeouts
        log_level: [warn, error]
        action: categorise
        category: [{name: qs_log_category, value: timeout}]
        filter:
          - {type: ew, value: "The operation has timed out"}
          - {type: so, value: "exceeded the maximum execution time"}
      - description: security subsystem
        log_level: [any]
        action: categorise
        category: [{name: qs_log_area, value: security}]
        filter:
          - {type: sw, attribute: qliksense.subsystem, value: "Security."}
    rule_default:
      category: [{name: qs_log_category, value: unknown}]`

// StockLogRegex splits the leading fields every Sense log event kind
// (engine, qix-perf, proxy, repository, scheduler) shares - marker, %rownum,
// ISO time, log4net %date, level, host, logger, user - and keeps the
// kind-specific rest in one field.
const StockLogRegex = `(?s)^/(?P<source>(?i:qseow-(?:engine|qix-perf|proxy|repository|scheduler)))/;(?P<row>\d+);(?P<timestamp>[^;]*);(?P<local_time>[^;]*);(?P<level>[A-Za-z]*);(?P<host>[^;]*);(?P<logger>[^;]*);(?P<user>[^;]*);(?P<rest>.*)$`

// StockUserRegex splits the user events (proxy session and connection):
// marker, host, command, user directory, user id, origin, context, message.
const StockUserRegex = `(?s)^/(?P<source>(?i:qseow-proxy-(?:session|connection)))/;(?P<host>[^;]*);(?P<command>[^;]*);(?P<user_directory>[^;]*);(?P<user_id>[^;]*);(?P<origin>[^;]*);(?P<context>[^;]*);(?P<message>.*)$`

// The exporter queues' bounds, in records. SenseOps' requests are at most
// send_batch_max_size (2048) records, and its receiver's socket buffer
// holds bursts, so a backlog is better kept there, as datagrams, than here
// as records: 4096 measured 16-21 MB less peak RSS at 80,000 events/s
// than 8192. 2048 saved another 31-37 MB there, but a full make bench then
// lost data at 80,000/s in two of three runs (4096: in none of nine), so
// the sink's hiccups need the room. The stock pipeline's requests reach 8192
// records, and a queue smaller than a request refuses it whole.
const (
	senseOpsQueueSize = 4096
	stockQueueSize    = 8192
)

const telemetryAndExporter = `exporters:
  otlp_http:
    logs_endpoint: %s
    compression: none
    # A bounded queue that pushes back when full (what the project
    # recommends for UDP sources): under overload the backlog, and with it
    # memory, stays small, and what cannot be taken is dropped at the socket,
    # where it is counted. Two senders keep a local sink busy.
    sending_queue:
      enabled: true
      num_consumers: 2
      sizer: items
      queue_size: %d
      block_on_overflow: true

service:
  telemetry:
    logs:
      level: info
    metrics:
      level: normal
      readers:
        - pull:
            exporter:
              prometheus: {host: 127.0.0.1, port: %d}
`

// SenseOpsSystem is system (a), the project's recommended pipeline:
// qliksense_events → memory_limiter → log_categorization (10 rules) →
// user_agent → batch → otlp_http. Processors the binary lacks are skipped
// with a warning (and used as soon as a build has them).
func SenseOpsSystem(c Components) *System {
	s := &System{Name: "senseops", MemoryLimiter: true}
	procs := []string{"memory_limiter"}
	var blocks []string
	blocks = append(blocks, "  memory_limiter:\n"+MemoryLimiterConfig)
	if c.Has("processors", "log_categorization") {
		procs = append(procs, "log_categorization")
		blocks = append(blocks, "  log_categorization:\n"+CategorizationRules)
	} else {
		s.Warnings = append(s.Warnings, "the collector binary has no log_categorization processor (not in builder-config.yaml yet?): the senseops pipeline runs without it")
	}
	if c.Has("processors", "user_agent") {
		procs = append(procs, "user_agent")
		blocks = append(blocks, "  user_agent: {}")
	} else {
		s.Warnings = append(s.Warnings, "the collector binary has no user_agent processor: the senseops pipeline runs without it")
	}
	procs = append(procs, "batch")
	// The receiver already hands on batches of up to 1000 records, at least
	// every 100 ms. timeout 0 passes each straight on: with send_batch_size
	// 1000 and the default 200 ms, a batch that fell short of 1000 (at
	// 5,000/s, about every other one) waited 200 ms more for the next,
	// measured 4-5 MB of peak RSS at 5,000/s; 2048 also held full ones
	// (20-30 MB more at 60,000/s). send_batch_size is unused with timeout 0
	// but may not exceed send_batch_max_size, which caps a request.
	blocks = append(blocks, "  batch: {timeout: 0s, send_batch_size: 1000, send_batch_max_size: 2048}")

	desc := []string{"qliksense_events (defaults)"}
	for _, p := range procs {
		switch p {
		case "log_categorization":
			desc = append(desc, "log_categorization (10 rules)")
		case "memory_limiter":
			desc = append(desc, fmt.Sprintf("memory_limiter (%d %%)", MemoryLimitPercent))
		default:
			desc = append(desc, p)
		}
	}
	desc = append(desc, "otlp_http")
	s.Description = strings.Join(desc, " → ")
	s.Notes = append(s.Notes, s.Warnings...)
	processors := strings.Join(blocks, "\n")
	list := strings.Join(procs, ", ")
	s.config = func(p ConfigParams) string {
		return fmt.Sprintf(`receivers:
  qliksense_events:
    endpoint: 127.0.0.1:%d

processors:
%s

`+telemetryAndExporter+`  pipelines:
    logs:
      receivers: [qliksense_events]
      processors: [%s]
      exporters: [otlp_http]
`, p.UDPPort, processors, p.LogsURL, senseOpsQueueSize, p.MetricsPort, list)
	}
	return s
}

// StockSystem is system (b), the comparison pipeline from stock components:
// udp_log with two stanza regex_parsers (user events, log events; the level
// becomes the severity) → batch → otlp_http.
//
// udp_log gets one_log_per_packet: true (what its README recommends when
// every datagram is one log; it skips the line splitter), so the baseline is
// the stock receiver at its best, not at its slowest. It has no
// receive-buffer option: its socket gets the kernel's default
// (net.core.rmem_default). batch keeps its defaults but sends at most
// send_batch_size records at once: without send_batch_max_size a request
// can outgrow the exporter's queue (8,192 records), which drops it whole.
func StockSystem() *System {
	s := &System{
		Name:        "stock",
		Description: "udp_log (one_log_per_packet, regex_parser ×2) → batch → otlp_http",
		Notes: []string{
			"udp_log cannot set SO_RCVBUF: its socket has the kernel default receive buffer (net.core.rmem_default)",
			"regex_parser: user events (marker, host, command, directory, user, origin, context, message) and log events (marker, rownum, time, date, level, host, logger, user, rest); level → severity; no timestamp parsing",
		},
	}
	s.config = func(p ConfigParams) string {
		return fmt.Sprintf(`receivers:
  udp_log:
    listen_address: 127.0.0.1:%d
    one_log_per_packet: true
    operators:
      - id: user_event
        type: regex_parser
        if: 'body startsWith "/qseow-proxy-session/" or body startsWith "/qseow-proxy-connection/"'
        regex: '%s'
        on_error: send_quiet
      - id: log_event
        type: regex_parser
        if: 'attributes.source == nil'
        regex: '%s'
        severity:
          parse_from: attributes.level
        on_error: send_quiet

processors:
  # The defaults (send_batch_size 8192), with requests bounded at that size:
  # unbounded, a batch can exceed the exporter's queue of 8,192 records,
  # which refuses it whole.
  batch: {send_batch_max_size: 8192}

`+telemetryAndExporter+`  pipelines:
    logs:
      receivers: [udp_log]
      processors: [batch]
      exporters: [otlp_http]
`, p.UDPPort, StockUserRegex, StockLogRegex, p.LogsURL, stockQueueSize, p.MetricsPort)
	}
	return s
}

// DescribeDefaults lists the mapstructure keys and values of a component's
// default config (e.g. the receiver's receive_buffer_size, batch.max_size,
// and any readers-like option it gains), skipping empty ones and the keys
// in skip.
func DescribeDefaults(cfg any, skip ...string) string {
	var parts []string
	describe(reflect.ValueOf(cfg), "", skip, &parts)
	return strings.Join(parts, ", ")
}

func describe(v reflect.Value, prefix string, skip []string, out *[]string) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		if tag == "-" {
			continue
		}
		fv := v.Field(i)
		key := prefix + tag
		if tag == "" { // squashed or untagged embedded struct
			key = strings.TrimSuffix(prefix, ".")
		}
		if key != "" && contains(skip, key) {
			continue
		}
		switch {
		case fv.Kind() == reflect.Struct && fv.Type() != reflect.TypeOf(time.Duration(0)):
			p := key + "."
			if tag == "" {
				p = prefix
			}
			describe(fv, p, skip, out)
		case fv.IsZero():
		default:
			val := fv.Interface()
			if d, ok := val.(time.Duration); ok {
				*out = append(*out, fmt.Sprintf("%s=%s", key, d))
			} else {
				*out = append(*out, fmt.Sprintf("%s=%v", key, val))
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
