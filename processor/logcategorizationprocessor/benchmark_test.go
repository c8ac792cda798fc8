package logcategorizationprocessor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Benchmarks: go test -bench . -benchmem -cpu 1 ./processor/logcategorizationprocessor/
//
// One op is one record. The records are Sense-like WARN and ERROR events
// (60-300 byte messages with GUIDs, user names and host names, and the
// receiver's attributes); the rule sets are the first 1, 10 or 100 rules of
// benchRules: a mix of so (about half), sw, ew, regex and attribute filters
// over several levels, written the way a Butler SOS user writes them. About
// two thirds of the records match one or two rules, the rest get the default.

// benchRules returns n realistic rules. The first ones are the common
// categories of a Sense site; the rest are the long tail, which most records
// do not match.
func benchRules(n int) []RuleConfig {
	cat := func(v string) []CategoryConfig { return []CategoryConfig{{Name: "qs_log_category", Value: v}} }
	rule := func(desc string, levels []string, category string, filters ...FilterConfig) RuleConfig {
		return RuleConfig{Description: desc, LogLevel: levels, Action: "categorise", Category: cat(category), Filter: filters}
	}
	we, e, w := []string{"warn", "error"}, []string{"error", "fatal"}, []string{"warn"}
	rules := []RuleConfig{
		rule("access denied", we, "access-denied", sw("Access was denied for User:"), so("access denied for user")),
		rule("memory", e, "resource-limit", so("Failed to allocate memory"), so("out of memory")),
		rule("node communication", we, "node-communication", so(":4747"), so(":4242"), so(":4243")),
		rule("reload failure", we, "reload-failure", sw("Message from ReloadProvider: Reload failed"), ew("FinishedFail")),
		rule("license", e, "license", so("access allocation failed"), ew("has expired and was removed")),
		rule("user sync", w, "user-sync", so("found in user directory")),
		rule("database", e, "database", sw("Connection to the database was lost"), so("Npgsql.NpgsqlException")),
		rule("script errors", we, "script", regex(`^Script error in app [0-9a-f-]{36} at line \d+`)),
		rule("timeouts", we, "timeout", ew("The operation has timed out"), so("exceeded the maximum execution time")),
		{Description: "security subsystem", LogLevel: []string{"any"}, Action: "categorise",
			Category: []CategoryConfig{{Name: "qs_log_area", Value: "security"}},
			Filter:   []FilterConfig{{Type: "sw", Attribute: "qliksense.subsystem", Value: "Security."}}},
		rule("certificates", we, "certificate", so("certificate was not trusted"), so("certificate has expired")),
		rule("disk", e, "disk", so("There is not enough space on the disk"), regex(`(?i)disk (full|quota)`)),
	}
	// The long tail: plausible messages that the benchmark records do not
	// contain, in the same proportions of filter types.
	subjects := []string{"app", "stream", "task", "extension", "data connection", "virtual proxy", "security rule",
		"custom property", "content library", "scheduler node", "print service", "engine session", "QRS request",
		"load balancer", "hub session", "mashup", "ODAG link", "tag", "license rule", "user directory connector"}
	verbs := []string{"Could not find", "Failed to delete", "Unable to publish", "Timed out waiting for", "Rejected",
		"Could not synchronize"}
	levelSets := [][]string{we, e, w, {"info"}, {"fatal"}}
	for i := 0; len(rules) < n; i++ {
		s, v := subjects[i%len(subjects)], verbs[(i/len(subjects))%len(verbs)]
		var f []FilterConfig
		switch i % 20 {
		case 0, 1, 2, 3, 4, 5, 6, 7, 8:
			f = []FilterConfig{so(v + " " + s)}
		case 9, 10, 11:
			f = []FilterConfig{sw(v + " the " + s), so(s + " is locked")}
		case 12, 13, 14, 15:
			f = []FilterConfig{sw(v + " " + s + " '"), ew(" for " + s)}
		case 16, 17:
			f = []FilterConfig{ew("(" + s + " unavailable)")}
		case 18:
			f = []FilterConfig{regex(`^` + v + ` .* after \d+ retries$`)}
		case 19:
			f = []FilterConfig{{Type: "so", Attribute: "qliksense.subsystem", Value: fmt.Sprintf("Tail%d", i)}}
		}
		rules = append(rules, rule(fmt.Sprintf("tail %d", i), levelSets[i%len(levelSets)], fmt.Sprintf("tail-%d", i), f...))
	}
	return rules[:n]
}

func benchConfig(n int) *Config {
	return &Config{
		Enable:      true,
		Rules:       benchRules(n),
		RuleDefault: DefaultConfig{Enable: true, Category: []CategoryConfig{{Name: "qs_log_category", Value: "unknown"}}},
	}
}

// benchEvent is one Sense-like record's content.
type benchEvent struct {
	level, body, subsystem, user, app string
	row                               int64
}

// benchLogs builds the records of events the way the qliksense_events
// receiver does (attributes with room for 24).
func benchLogs(events []benchEvent) plog.Logs {
	ld := plog.NewLogs()
	records := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	records.EnsureCapacity(len(events))
	for _, ev := range events {
		lr := records.AppendEmpty()
		lr.SetSeverityText(ev.level)
		lr.SetSeverityNumber(plog.SeverityNumberWarn)
		lr.Body().SetStr(ev.body)
		a := lr.Attributes()
		a.EnsureCapacity(24)
		a.PutStr("qliksense.source", "qseow-engine")
		a.PutInt("qliksense.log.row", ev.row)
		a.PutStr("qliksense.subsystem", ev.subsystem)
		a.PutStr("process.owner", "CORP\\qlikservice")
		a.PutStr("user.id", ev.user)
		a.PutStr("qliksense.app.id", ev.app)
	}
	return ld
}

// benchRecords returns n Sense-like WARN/ERROR records.
func benchRecords(n int) plog.Logs { return benchLogs(benchEvents(n)) }

// benchEvents returns n Sense-like WARN/ERROR events.
func benchEvents(n int) []benchEvent {
	rnd := rand.New(rand.NewPCG(1, 2))
	guid := func() string {
		return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", rnd.Uint32(), rnd.Uint32()&0xffff, rnd.Uint32()&0xfff, rnd.Uint32()&0xfff, rnd.Uint64()&0xffffffffffff)
	}
	type tmpl struct {
		level, subsystem string
		msg              func() string
	}
	user := func() string { return fmt.Sprintf("CORP\\user%04d", rnd.IntN(5000)) }
	templates := []tmpl{
		{"WARN", "Audit.Proxy.Proxy.Core.RequestListener", func() string {
			return fmt.Sprintf("Access was denied for User: '%s', with AccessID '%08x', SessionID: '%s', SessionCreated: '2024-03-12 10:05:01', Resource: '/app/%s'", user(), rnd.Uint32(), guid(), guid())
		}},
		{"WARN", "System.Engine.Engine", func() string {
			return fmt.Sprintf("Document %s could not be opened: access denied for user %s", guid(), user())
		}},
		{"ERROR", "System.Engine.Engine", func() string {
			return fmt.Sprintf("Failed to allocate memory while calculating object %s in app %s", "rwPjBk", guid())
		}},
		{"ERROR", "System.Proxy.Proxy.Core.RequestListener", func() string {
			return fmt.Sprintf("Failed to forward request to engine at qs-rim-%02d.corp.example:4747 for session %s", rnd.IntN(20), guid())
		}},
		{"ERROR", "System.Scheduler.Scheduler.Slave.Tasks.ReloadTask", func() string {
			return "Message from ReloadProvider: Reload failed in Engine. Check engine or script logs. Task: Reload " + guid()
		}},
		{"WARN", "System.Scheduler.Scheduler.Master.Task.TaskSession", func() string {
			return fmt.Sprintf("Task 'Reload Sales %d' (%s) finished with state FinishedFail", rnd.IntN(100), guid())
		}},
		{"WARN", "UserManagement.Repository.Repository.Core.UserDirectory.Connectors.LdapSync", func() string {
			return fmt.Sprintf("Duplicate entity with userId 'user%04d' found in user directory 'CORP' - entity skipped", rnd.IntN(5000))
		}},
		{"ERROR", "System.Repository.Repository.Core.Licensing.LicenseManager", func() string {
			return fmt.Sprintf("Professional access allocation failed for %s: no available access passes", user())
		}},
		{"ERROR", "System.Engine.Engine", func() string {
			return fmt.Sprintf("Script error in app %s at line %d: Field 'Region' not found", guid(), rnd.IntN(900))
		}},
		{"WARN", "Security.Proxy.Proxy.Core.Authentication", func() string {
			return fmt.Sprintf("Client certificate was not trusted for connection from 10.20.%d.%d", rnd.IntN(255), rnd.IntN(255))
		}},
		// default: no rule matches
		{"WARN", "System.Engine.Engine", func() string {
			return fmt.Sprintf("Session %s for user %s was terminated because the engine was shut down by the service", guid(), user())
		}},
		{"WARN", "System.Repository.Repository.Core.Repository.Common.Engine.EngineHealthCheck", func() string {
			return fmt.Sprintf("Engine health check returned a slow response (%d ms) from node qs-rim-%02d.corp.example", 1000+rnd.IntN(9000), rnd.IntN(20))
		}},
		{"ERROR", "System.Proxy.Proxy.Core.Sessions", func() string {
			return fmt.Sprintf("Virtual proxy 'hdr' rejected a request with an unknown header value for user %s in session %s", user(), guid())
		}},
		{"WARN", "System.Scheduler.Scheduler.Master.Task.TaskSession", func() string {
			return fmt.Sprintf("Task 'Reload Finance %d' (%s) was aborted by user %s", rnd.IntN(100), guid(), user())
		}},
	}
	events := make([]benchEvent, n)
	for i := range events {
		tp := templates[i%len(templates)]
		events[i] = benchEvent{level: tp.level, body: tp.msg(), subsystem: tp.subsystem, user: user(), app: guid(), row: int64(i)}
	}
	return events
}

var benchSizes = []int{1, 10, 100}

// cpuMeter reports, next to ns/op (wall clock), cpu-ns/op: the process's CPU
// time per op, which other load on a shared machine does not inflate.
type cpuMeter struct {
	b     *testing.B
	start int64
	ok    bool
}

func startCPU(b *testing.B) *cpuMeter {
	m := &cpuMeter{b: b}
	m.start, m.ok = processCPUTime()
	return m
}

func (m *cpuMeter) stop(ops int) {
	if end, ok := processCPUTime(); ok && m.ok && ops > 0 {
		m.b.ReportMetric(float64(end-m.start)/float64(ops), "cpu-ns/op")
	}
}

// BenchmarkMatch measures deciding a record's categories (or drop): what
// the processor does per record but for writing the attributes.
func BenchmarkMatch(b *testing.B) {
	ld := benchRecords(1400)
	records := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			e := mustCompile(b, benchConfig(n))
			sc := e.newScratch()
			b.ReportAllocs()
			cpu := startCPU(b)
			i := 0
			for ; b.Loop(); i++ {
				e.match(records.At(i%records.Len()), sc)
			}
			cpu.stop(i)
		})
	}
}

// BenchmarkNaive is the yardstick: which rules match, found the obvious way,
// every filter of every rule of the record's level tested on its own with
// strings.HasPrefix/HasSuffix/Contains or its regexp.
func BenchmarkNaive(b *testing.B) {
	events := benchEvents(1400)
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			cfg := benchConfig(n)
			type filter struct {
				typ, attr, value string
				re               *regexp.Regexp
			}
			type rule struct {
				levels  []string
				filters []filter
			}
			var rules []rule
			for _, r := range cfg.Rules {
				nr := rule{levels: r.LogLevel}
				for _, f := range r.Filter {
					nf := filter{typ: f.Type, attr: f.Attribute, value: f.Value}
					if f.Type == filterRegex {
						nf.re = regexp.MustCompile(f.Value)
					}
					nr.filters = append(nr.filters, nf)
				}
				rules = append(rules, nr)
			}
			matched := make([]bool, len(rules))
			cpu := startCPU(b)
			i := 0
			for ; b.Loop(); i++ {
				ev := &events[i%len(events)]
				lvl := strings.ToLower(ev.level)
				for ri, r := range rules {
					matched[ri] = false
					if !slices.Contains(r.levels, lvl) && !slices.Contains(r.levels, "any") {
						continue
					}
					for _, f := range r.filters {
						text := ev.body
						if f.attr != "" {
							text = ev.subsystem
						}
						var ok bool
						switch f.typ {
						case filterStartsWith:
							ok = strings.HasPrefix(text, f.value)
						case filterEndsWith:
							ok = strings.HasSuffix(text, f.value)
						case filterContains:
							ok = strings.Contains(text, f.value)
						default:
							ok = f.re.MatchString(text)
						}
						if ok {
							matched[ri] = true
							break
						}
					}
				}
			}
			cpu.stop(i)
		})
	}
}

// BenchmarkProcessLogs measures the whole processor on batches of 1000
// records, attributes written; ns/op is per record. Building each batch (and
// collecting the garbage that leaves) is not timed.
func BenchmarkProcessLogs(b *testing.B) {
	const batch = 1000
	events := benchEvents(batch)
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			p, err := newProcessor(benchConfig(n), componenttest.NewNopTelemetrySettings())
			require.NoError(b, err)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			var cpuNs int64
			for done := 0; done < b.N; done += batch {
				b.StopTimer()
				ld := benchLogs(events[:min(batch, b.N-done)])
				// Collect the garbage of building the batch now, so the
				// timed part is not charged for it.
				runtime.GC()
				cpu := startCPU(b)
				b.StartTimer()
				if _, err := p.processLogs(ctx, ld); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if end, ok := processCPUTime(); ok && cpu.ok {
					cpuNs += end - cpu.start
				}
				b.StartTimer()
			}
			if cpuNs > 0 {
				b.ReportMetric(float64(cpuNs)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// TestBenchmarkDataIsRealistic keeps the benchmark honest: message sizes,
// and how many records match a rule.
func TestBenchmarkDataIsRealistic(t *testing.T) {
	ld := benchRecords(1400)
	e := mustCompile(t, benchConfig(100))
	sc := e.newScratch()
	counts := map[string]int{}
	for _, lr := range ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().All() {
		l := len(lr.Body().Str())
		require.True(t, l >= 60 && l <= 300, "%d bytes: %s", l, lr.Body().Str())
		res, drop := e.match(lr, sc)
		require.Equal(t, int32(-1), drop)
		require.NotNil(t, res)
		if res == e.def {
			counts["default"]++
		} else {
			counts["rule"]++
		}
	}
	assert := require.New(t)
	assert.Equal(1000, counts["rule"])
	assert.Equal(400, counts["default"])
	rules := benchRules(100)
	types := map[string]int{}
	for _, r := range rules {
		for _, f := range r.Filter {
			k := f.Type
			if f.Attribute != "" {
				k = "attribute"
			}
			types[k]++
		}
	}
	t.Logf("filters of the 100-rule set: %v", types)
}
