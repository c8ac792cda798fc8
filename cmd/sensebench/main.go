//go:build linux

// Command sensebench is the end-to-end benchmark behind `make bench`.
//
// It runs the built collector (_build/otelcol-senseops/otelcol-senseops) in
// two pipelines, one after the other, at stepped rates of the simulator's
// realistic UDP mix (_build/bin/sensesim udp -kinds all):
//
//	senseops  qliksense_events → memory_limiter → log_categorization (10 rules)
//	          → user_agent → batch → otlp_http
//	stock     udp_log + regex_parser → batch → otlp_http
//
// Both export to a counting OTLP/HTTP sink inside this process. The
// collector is pinned with taskset to the first CPU this process may use
// (CPU 0 on most machines), sensesim and this process (the sink) to the
// second. Every step starts a fresh collector, so its peak RSS is
// the step's. It prints a Markdown report to stdout (progress goes to
// stderr) and writes nothing that outlives it (configs go to a temp dir
// that is removed).
//
// Usage:
//
//	sensebench [-quick] [-rates 5000,10000,...] [-window 10s] [-runs 1]
//	           [-systems senseops,stock] [-overload=true] [-json]
//
// It exits 0 when the benchmark ran, whether or not the targets were met,
// and 1 on a harness error (a collector that does not start, a missing
// binary). See README.md in this directory.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/senseops/senseops-collector/internal/benchharness"
	"github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	collector, sensesim string
	rates               []float64
	window              time.Duration
	runs                int
	systems             []string
	overload            bool
	overloadHigh        time.Duration
	overloadLow         time.Duration
	json                bool
	seed                uint64
	pin                 bool
	nice                int
	printConfig         string
	quiet, maxDrain     time.Duration
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("sensebench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.collector, "collector", "_build/otelcol-senseops/otelcol-senseops", "collector binary (make build)")
	fs.StringVar(&o.sensesim, "sensesim", "_build/bin/sensesim", "simulator binary (make sensesim)")
	rates := fs.String("rates", "", "comma list of rates in events/s, e.g. 5000,20k (default "+joinRates(benchharness.DefaultRates)+"; -quick: "+joinRates(benchharness.QuickRates)+")")
	fs.DurationVar(&o.window, "window", 0, "how long each step sends (default 10s; -quick: 3s)")
	fs.IntVar(&o.runs, "runs", 1, "runs per system and rate; with 3 or more the table shows medians")
	systems := fs.String("systems", "senseops,stock", "systems to run: senseops (the recommended pipeline), stock (udp_log + regex_parser)")
	fs.BoolVar(&o.overload, "overload", true, "after the steps, run senseops at 2x its highest lossless rate, then at that rate")
	fs.DurationVar(&o.overloadHigh, "overload-high", 0, "overload phase: time at 2x the highest lossless rate (default 10s; -quick: 3s)")
	fs.DurationVar(&o.overloadLow, "overload-low", 0, "overload phase: time at the highest lossless rate afterwards (default 10s; -quick: 8s)")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON instead of Markdown")
	fs.Uint64Var(&o.seed, "seed", 1, "sensesim seed (same seed, same datagrams)")
	fs.BoolVar(&o.pin, "pin", true, "pin the collector to the first CPU this process may use (normally 0), sensesim and the sink to the second, with taskset")
	fs.IntVar(&o.nice, "nice", -5, "niceness of sensesim and of this process (the sink), so the load and the sink keep pace on a busy machine; the collector keeps the default; 0 = unchanged")
	fs.DurationVar(&o.quiet, "quiet-for", 2*time.Second, "a step's delivery is complete after this long without records at the sink")
	fs.DurationVar(&o.maxDrain, "max-drain", 30*time.Second, "longest wait for deliveries after sending stops")
	fs.StringVar(&o.printConfig, "print-config", "", "print the collector config of a system (senseops or stock; example ports) and exit")
	quick := fs.Bool("quick", false, "smoke test: rates "+joinRates(benchharness.QuickRates)+", 3s windows, a short overload phase (about 1 minute)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: sensebench [flags]\n\nEnd-to-end benchmark of the built collector (run from the repository root after make build sensesim).\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	def := func(d *time.Duration, full, q time.Duration) {
		if *d == 0 {
			*d = full
			if *quick {
				*d = q
			}
		}
	}
	def(&o.window, 10*time.Second, 3*time.Second)
	def(&o.overloadHigh, 10*time.Second, 3*time.Second)
	def(&o.overloadLow, 10*time.Second, 8*time.Second)
	o.rates = benchharness.DefaultRates
	if *quick {
		o.rates = benchharness.QuickRates
	}
	if *rates != "" {
		r, err := benchharness.ParseRates(*rates)
		if err != nil {
			return nil, err
		}
		o.rates = r
	}
	if o.runs < 1 {
		return nil, errors.New("-runs must be at least 1")
	}
	if o.window < time.Second || o.overloadLow < time.Second {
		return nil, errors.New("-window and -overload-low must be at least 1s")
	}
	for _, s := range strings.Split(*systems, ",") {
		s = strings.TrimSpace(s)
		switch s {
		case "":
		case benchharness.ReferenceSystem, benchharness.ComparisonSystem:
			o.systems = append(o.systems, s)
		default:
			return nil, fmt.Errorf("-systems: unknown system %q (want senseops, stock)", s)
		}
	}
	if len(o.systems) == 0 {
		return nil, errors.New("-systems: none selected")
	}
	return o, nil
}

func joinRates(r []float64) string {
	s := make([]string, len(r))
	for i, x := range r {
		s[i] = strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strings.Join(s, ",")
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "sensebench: %v\n", err)
		return 2
	}
	if o.printConfig != "" {
		return printConfig(o, stdout, stderr)
	}
	rep, err := bench(ctx, o, stderr)
	if rep != nil {
		if o.json {
			_ = rep.WriteJSON(stdout)
		} else {
			_ = rep.WriteMarkdown(stdout)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "sensebench: %v\n", err)
		return 1
	}
	return 0
}

func bench(ctx context.Context, o *options, log io.Writer) (*benchharness.Report, error) {
	begin := time.Now()
	logf := func(format string, args ...any) { fmt.Fprintf(log, "sensebench: "+format+"\n", args...) }
	for _, b := range []struct{ path, make string }{{o.collector, "make build"}, {o.sensesim, "make sensesim"}} {
		if _, err := os.Stat(b.path); err != nil {
			return nil, fmt.Errorf("%s not found: run %s (or make bench) from the repository root", b.path, b.make)
		}
	}

	rep := &benchharness.Report{
		Date:     begin,
		Machine:  benchharness.ReadMachine(), // before pinning ourselves
		Versions: map[string]string{"go": runtime.Version()},
		Window:   o.window,
		Runs:     o.runs,
		Seed:     o.seed,
		Rates:    o.rates,
	}
	warn := func(format string, args ...any) {
		w := fmt.Sprintf(format, args...)
		rep.Warnings = append(rep.Warnings, w)
		logf("warning: %s", w)
	}

	// Pinning: the collector alone on the first CPU this process may use
	// (CPU 0 on most machines); sensesim and this process (the OTLP sink)
	// share the second, so nothing of the harness steals the collector's
	// core. A cgroup cpuset (a container's --cpuset-cpus) or taskset may
	// leave out CPUs 0 and 1: taskset -c 0 would then fail.
	runner := &benchharness.Runner{
		Collector: o.collector, Sensesim: o.sensesim,
		Window: o.window, Seed: o.seed, QuietFor: o.quiet, MaxDrain: o.maxDrain,
		Log: log, CollectorCore: -1, GeneratorCore: -1,
	}
	rep.Pinning = "none (-pin=false)"
	if o.pin {
		ts, err := exec.LookPath("taskset")
		allowed, cerr := benchharness.AllowedCPUs() // before pinning ourselves
		if cerr != nil {
			allowed = nil
			for i := range rep.Machine.CPUs {
				allowed = append(allowed, i)
			}
		}
		cc, gc, enough := benchharness.PinCPUs(allowed)
		switch {
		case err != nil:
			warn("taskset not found (it is in util-linux): running unpinned, the collector shares its cores")
			rep.Pinning = "none (no taskset)"
		case !enough:
			warn("%d CPU(s) available to this process: running unpinned", len(allowed))
			rep.Pinning = "none (fewer than 2 CPUs)"
		default:
			runner.Taskset, runner.CollectorCore, runner.GeneratorCore = ts, cc, gc
			runner.CollectorCPU, runner.GeneratorCPU = strconv.Itoa(cc), strconv.Itoa(gc)
			if out, err := exec.Command(ts, "-a", "-p", "-c", runner.GeneratorCPU, strconv.Itoa(os.Getpid())).CombinedOutput(); err != nil {
				warn("could not pin the harness to CPU %d (%v: %s); the sink floats", gc, err, strings.TrimSpace(string(out)))
				rep.Pinning = fmt.Sprintf("collector on CPU %d (taskset -c %d), sensesim on CPU %d; the harness and its OTLP sink float", cc, cc, gc)
			} else {
				rep.Pinning = fmt.Sprintf("collector on CPU %d (taskset -c %d); sensesim and the harness with its OTLP sink on CPU %d", cc, cc, gc)
				runner.SinkPinned = true
			}
			rep.Machine.TasksetPinned = true
		}
	}

	// Priority: the load generator and the sink must not fall behind
	// because of other work on a shared machine (the collector, the system
	// under test, keeps the default priority). Children inherit the
	// harness's niceness, so the harness is reniced only when nice is there
	// to start the collector back at the default.
	if o.nice != 0 {
		if nice, err := exec.LookPath("nice"); err != nil {
			warn("nice not found: sensesim and the sink run at the default priority")
		} else if err := benchharness.SetNice(o.nice); err != nil {
			warn("could not renice the harness to %d (%v): the sink runs at the default priority", o.nice, err)
		} else {
			runner.Nice, runner.GeneratorNice, runner.HarnessNice = nice, o.nice, o.nice
			rep.Pinning += fmt.Sprintf("; sensesim and the sink at nice %d, the collector at the default", o.nice)
		}
	}

	// What the binary has.
	out, err := exec.Command(o.collector, "components").Output()
	if err != nil {
		return nil, fmt.Errorf("%s components: %w", o.collector, err)
	}
	comps := benchharness.Components(benchharness.ParseComponents(string(out)))
	if v, err := exec.Command(o.collector, "--version").Output(); err == nil {
		rep.Versions["collector"] = strings.TrimSpace(string(v))
	}
	if m := comps["receivers"]["otlp"]; m != "" {
		rep.Versions["core"] = lastField(m)
	}
	if m := comps["receivers"]["udp_log"]; m != "" {
		rep.Versions["contrib"] = lastField(m)
	}
	need := map[string][]string{"processors": {"batch"}, "exporters": {"otlp_http"}}
	var systems []*benchharness.System
	for _, name := range o.systems {
		var s *benchharness.System
		switch name {
		case benchharness.ReferenceSystem:
			need["receivers"] = append(need["receivers"], "qliksense_events")
			need["processors"] = append(need["processors"], "memory_limiter")
			s = benchharness.SenseOpsSystem(comps)
			s.Notes = append([]string{"qliksense_events defaults (this source tree): " + benchharness.DescribeDefaults(
				qliksenseeventsreceiver.NewFactory().CreateDefaultConfig(), "endpoint", "allowed_sources")}, s.Notes...)
			s.Notes = append(s.Notes, fmt.Sprintf("memory_limiter as in distributions/otelcol-senseops/config.yaml: check_interval 1s, limit_percentage %d, spike_limit_percentage 20", benchharness.MemoryLimitPercent))
		case benchharness.ComparisonSystem:
			need["receivers"] = append(need["receivers"], "udp_log")
			s = benchharness.StockSystem()
		}
		for _, w := range s.Warnings {
			warn("%s", w)
		}
		systems = append(systems, s)
	}
	if missing := comps.Missing(need); len(missing) > 0 {
		return nil, fmt.Errorf("%s lacks %s: rebuild it (make build)", o.collector, strings.Join(missing, ", "))
	}
	for _, s := range systems {
		rep.Systems = append(rep.Systems, benchharness.SystemInfo{Name: s.Name, Description: s.Description, Notes: s.Notes})
	}

	sink, err := benchharness.NewSink()
	if err != nil {
		return nil, err
	}
	defer sink.Close()
	runner.Sink = sink
	dir, err := os.MkdirTemp("", "sensebench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	runner.Dir = dir
	// Run an installed copy: a binary the linker has just written maps
	// about 10 MB more of its pages on start than the same bytes installed
	// (or read back after a reboot), which would count in peak RSS.
	if runner.Collector, err = benchharness.InstallCopy(o.collector, dir); err != nil {
		return nil, err
	}

	finish := func(err error) (*benchharness.Report, error) {
		rep.Elapsed = time.Since(begin)
		return rep, err
	}

	// Steps: rate by rate; within a rate the systems alternate run by run,
	// so drift in the machine's load hits both alike.
	stepper := benchharness.NewStepper()
	noted := map[string]bool{}
	for _, rate := range o.rates {
		var active []*benchharness.System
		for _, s := range systems {
			if stepper.Active(s.Name) {
				active = append(active, s)
			}
		}
		if len(active) == 0 {
			break
		}
		runs := map[string][]benchharness.RunResult{}
		for i := range o.runs {
			for _, s := range active {
				if ctx.Err() != nil {
					return finish(ctx.Err())
				}
				res, lines, err := runner.RunStep(ctx, s, rate)
				if err == nil {
					err = ctx.Err() // a step cut short is not recorded
				}
				if err != nil {
					return finish(fmt.Errorf("%s at %g events/s: %w", s.Name, rate, err))
				}
				if res.OtherLoad > benchharness.NoisyLoad && runner.CollectorCore >= 0 {
					// Something else ran on the collector's core: once
					// more, keeping the quieter run.
					logf("%-8s %7g/s run %d/%d: %.0f %% of CPU %d went to other work (loss %.3f%%, cpu %.1f%%): running it again",
						s.Name, rate, i+1, o.runs, res.OtherLoad, runner.CollectorCore, res.Loss(), res.CPU)
					again, _, err := runner.RunStep(ctx, s, rate)
					if err == nil {
						err = ctx.Err()
					}
					if err != nil {
						return finish(fmt.Errorf("%s at %g events/s: %w", s.Name, rate, err))
					}
					if again.OtherLoad < res.OtherLoad {
						res = again
					}
					res.Repeated = true
				}
				if !noted[s.Name] && len(lines) > 0 {
					noted[s.Name] = true
					for j := range rep.Systems {
						if rep.Systems[j].Name == s.Name {
							for _, l := range lines {
								rep.Systems[j].Notes = append(rep.Systems[j].Notes, "collector log: "+l)
							}
						}
					}
				}
				logf("%-8s %7g/s run %d/%d: sent %d (%.0f/s) delivered %d loss %.3f%% socket drops %d cpu %.1f%% peak rss %.1f MB (other load on the collector's CPU %.0f%%)",
					s.Name, rate, i+1, o.runs, res.Sent, res.SendRate, res.Delivered, res.Loss(), res.SocketDrops, res.CPU, float64(res.PeakRSS)/1e6, res.OtherLoad)
				if res.SendErrors > 0 {
					logf("  warning: sensesim could not send %d datagrams", res.SendErrors)
				}
				runs[s.Name] = append(runs[s.Name], res)
			}
		}
		for _, s := range active {
			st := benchharness.NewStep(s.Name, rate, runs[s.Name])
			stepper.Record(st)
			rep.Steps = append(rep.Steps, st)
			if !stepper.Active(s.Name) {
				logf("%s: %d steps lost more than %g %%: no higher rates", s.Name, benchharness.StopAfter, benchharness.StopLoss)
			}
		}
	}

	// Overload: 2x the highest lossless rate, then back to it.
	switch {
	case !o.overload:
		rep.OverloadNote = "-overload=false"
	case !contains(o.systems, benchharness.ReferenceSystem):
		rep.OverloadNote = "senseops not run"
	default:
		l, _ := rep.HighestLossless(benchharness.ReferenceSystem)
		if l.None {
			rep.OverloadNote = "senseops has no lossless rate"
			break
		}
		var ref *benchharness.System
		for _, s := range systems {
			if s.Name == benchharness.ReferenceSystem {
				ref = s
			}
		}
		base := rep.Machine.MemTotal
		if rep.Machine.MemLimit > 0 {
			base = rep.Machine.MemLimit
		}
		ceiling := base * benchharness.MemoryLimitPercent / 100
		logf("overload: senseops at %g/s for %s, then %g/s for %s", 2*l.Rate, o.overloadHigh, l.Rate, o.overloadLow)
		res, err := runner.Overload(ctx, ref, 2*l.Rate, l.Rate, o.overloadHigh, o.overloadLow, ceiling)
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return finish(fmt.Errorf("overload: %w", err))
		}
		logf("overload: sent %d+%d delivered %d peak rss %.1f MB recovered after %ds", res.SentHigh, res.SentLow, res.Delivered, float64(res.PeakRSS)/1e6, res.RecoveredAfter)
		rep.Overload = &res
	}
	if n := sink.Unrouted.Load(); n > 0 {
		warn("the sink got %d requests for sessions that had ended (a collector still exporting after its step)", n)
	}
	return finish(ctx.Err())
}

// printConfig prints one system's collector config, as the benchmark
// writes it (with example ports), for the binary's components.
func printConfig(o *options, stdout, stderr io.Writer) int {
	out, err := exec.Command(o.collector, "components").Output()
	if err != nil {
		fmt.Fprintf(stderr, "sensebench: %s components: %v\n", o.collector, err)
		return 1
	}
	comps := benchharness.Components(benchharness.ParseComponents(string(out)))
	var s *benchharness.System
	switch o.printConfig {
	case benchharness.ReferenceSystem:
		s = benchharness.SenseOpsSystem(comps)
	case benchharness.ComparisonSystem:
		s = benchharness.StockSystem()
	default:
		fmt.Fprintf(stderr, "sensebench: -print-config: unknown system %q (want senseops, stock)\n", o.printConfig)
		return 2
	}
	for _, w := range s.Warnings {
		fmt.Fprintf(stderr, "sensebench: warning: %s\n", w)
	}
	fmt.Fprintf(stdout, "# %s: %s\n", s.Name, s.Description)
	fmt.Fprint(stdout, s.Config(benchharness.ConfigParams{UDPPort: 9996, MetricsPort: 8888, LogsURL: "http://127.0.0.1:4318/v1/logs"}))
	return 0
}

func lastField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
