//go:build linux

package benchharness

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Targets of the issue (the recommended pipeline on one core).
const (
	TargetRatio     = 6.0
	TargetRSSAt5k   = 60e6  // bytes (MB = 10^6 bytes)
	TargetRSSAtMax  = 150e6 // bytes
	TargetCPUAt5k   = 8.0   // % of one core
	TargetRecoveryS = 5     // seconds after the rate falls
	TargetLowRate   = 5000
	// The stock pipeline's numbers at 5,000 events/s on the issue's
	// machine. The absolute targets were set there; divided by these they
	// become ratios to the stock pipeline, which a run on a machine of
	// another speed can check against its own stock step.
	IssueStockCPUAt5k = 14.0 // % of one core
	IssueStockRSSAt5k = 53e6 // bytes, the low end of the issue's 53–85 MB
	// SlowSink: a sink request slower than this is reported.
	SlowSink         = time.Second
	ReferenceSystem  = "senseops"
	ComparisonSystem = "stock"
)

// SystemInfo describes a system in the report.
type SystemInfo struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Notes       []string `json:"notes,omitempty"`
}

// Report is everything a run measured.
type Report struct {
	Date     time.Time         `json:"date"`
	Machine  Machine           `json:"machine"`
	Versions map[string]string `json:"versions"`
	Pinning  string            `json:"pinning"`
	Window   time.Duration     `json:"window_ns"`
	Runs     int               `json:"runs"`
	Seed     uint64            `json:"seed"`
	Rates    []float64         `json:"rates"`
	Systems  []SystemInfo      `json:"systems"`
	Steps    []Step            `json:"steps"`

	Overload     *OverloadResult `json:"overload,omitempty"`
	OverloadNote string          `json:"overload_note,omitempty"`
	Warnings     []string        `json:"warnings,omitempty"`
	Elapsed      time.Duration   `json:"elapsed_ns"`
}

// StepsOf returns the steps of one system, in the order they ran.
func (r *Report) StepsOf(system string) []Step {
	var out []Step
	for _, st := range r.Steps {
		if st.System == system {
			out = append(out, st)
		}
	}
	return out
}

// Lossless is a system's highest lossless rate as the report states it.
type Lossless struct {
	System string  `json:"system"`
	Rate   float64 `json:"rate"` // effective (achieved) rate; 0 when none
	// Step is the requested rate of the step Rate comes from.
	Step   float64 `json:"step_rate"`
	None   bool    `json:"none"`   // even the lowest rate lost
	AtTop  bool    `json:"at_top"` // lossless at every rate run: the limit is higher
	Lowest float64 `json:"lowest_rate"`
}

// String is e.g. "80,000", "≥ 200,000 (lossless at every rate run)",
// "< 5,000 (lost at the lowest rate)", "83,000 (sensesim's most at the
// 120,000 step)".
func (l Lossless) String() string {
	gen := ""
	if l.Step != 0 && l.Rate < l.Step {
		gen = fmt.Sprintf(", what sensesim achieved at the %s step", fmtRate(l.Step))
	}
	switch {
	case l.None:
		return "< " + fmtRate(l.Lowest) + " (lost at the lowest rate)"
	case l.AtTop:
		return "≥ " + fmtRate(l.Rate) + " (lossless at every rate run" + gen + ")"
	case gen != "":
		return fmtRate(l.Rate) + " (" + strings.TrimPrefix(gen, ", ") + ")"
	}
	return fmtRate(l.Rate)
}

// HighestLossless of a system; ok is false if it has no steps.
func (r *Report) HighestLossless(system string) (Lossless, bool) {
	steps := r.StepsOf(system)
	if len(steps) == 0 {
		return Lossless{System: system}, false
	}
	top, ok, atTop := HighestLossless(steps)
	lowest := steps[0].Rate
	for _, st := range steps {
		lowest = math.Min(lowest, st.Rate)
	}
	l := Lossless{System: system, None: !ok, AtTop: atTop, Lowest: lowest}
	if ok {
		l.Rate, l.Step = top.EffectiveRate(), top.Rate
	}
	return l, true
}

// Ratio compares the reference system's highest lossless rate with the
// comparison system's. bound is "" for a measured ratio, "≥" when it is a
// lower bound (the reference never lost, or the comparison lost even at
// the lowest rate), "≤" when it is an upper bound (the comparison never
// lost, the reference did), "n/a" when there is no ratio.
func Ratio(ref, cmp Lossless) (ratio float64, bound string) {
	switch {
	case ref.None:
		return 0, "n/a"
	case cmp.None:
		return ref.Rate / cmp.Lowest, "≥" // cmp's limit is below its lowest rate
	case cmp.Rate <= 0:
		return 0, "n/a"
	case ref.AtTop && !cmp.AtTop:
		return ref.Rate / cmp.Rate, "≥"
	case ref.AtTop && cmp.AtTop:
		return ref.Rate / cmp.Rate, "n/a" // neither limit was found
	case cmp.AtTop:
		return ref.Rate / cmp.Rate, "≤" // cmp's limit is above its top rate
	}
	return ref.Rate / cmp.Rate, ""
}

// Verdict of one target.
type Verdict struct {
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Result   string `json:"result"` // PASS, FAIL, N/A, INCONCLUSIVE
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// Verdicts checks the issue's targets against what was measured.
func (r *Report) Verdicts() []Verdict {
	var out []Verdict
	ref, refOK := r.HighestLossless(ReferenceSystem)
	cmp, cmpOK := r.HighestLossless(ComparisonSystem)

	v := Verdict{Target: fmt.Sprintf("highest lossless rate, %s ÷ %s ≥ %g", ReferenceSystem, ComparisonSystem, TargetRatio), Result: "N/A", Measured: "not run"}
	if refOK && cmpOK {
		ratio, bound := Ratio(ref, cmp)
		switch bound {
		case "n/a":
			v.Measured = fmt.Sprintf("%s vs %s: no ratio", ref, cmp)
			if ref.None {
				v.Result = "FAIL"
			} else {
				v.Result = "INCONCLUSIVE"
			}
		case "≥":
			v.Measured = fmt.Sprintf("≥ %.1f× (%s vs %s)", ratio, ref, cmp)
			if ratio >= TargetRatio {
				v.Result = "PASS"
			} else {
				v.Result = "INCONCLUSIVE"
			}
		case "≤":
			v.Measured = fmt.Sprintf("≤ %.1f× (%s vs %s)", ratio, ref, cmp)
			if ratio < TargetRatio {
				v.Result = "FAIL"
			} else {
				v.Result = "INCONCLUSIVE"
			}
		default:
			v.Measured = fmt.Sprintf("%.1f× (%s vs %s)", ratio, ref, cmp)
			v.Result = passFail(ratio >= TargetRatio)
		}
	}
	out = append(out, v)

	steps := r.StepsOf(ReferenceSystem)
	at5k, ok5k := StepAt(steps, TargetLowRate)
	v = Verdict{Target: fmt.Sprintf("%s peak RSS at %s events/s ≤ %s", ReferenceSystem, fmtRate(TargetLowRate), fmtMB(TargetRSSAt5k)), Result: "N/A", Measured: "not run"}
	if ok5k {
		v.Measured = fmtMB(at5k.Median.PeakRSS)
		v.Result = passFail(float64(at5k.Median.PeakRSS) <= TargetRSSAt5k)
	}
	out = append(out, v)

	v = Verdict{Target: fmt.Sprintf("%s peak RSS at its highest lossless rate ≤ %s (memory_limiter %d %%)", ReferenceSystem, fmtMB(TargetRSSAtMax), MemoryLimitPercent), Result: "N/A", Measured: "not run"}
	if refOK && ref.None {
		v.Measured = "no lossless rate"
	}
	if refOK && !ref.None {
		if st, ok := StepAt(steps, ref.Step); ok {
			v.Measured = fmt.Sprintf("%s at %s/s", fmtMB(st.Median.PeakRSS), fmtRate(st.Rate))
			v.Result = passFail(float64(st.Median.PeakRSS) <= TargetRSSAtMax)
		}
	}
	out = append(out, v)

	v = Verdict{Target: fmt.Sprintf("%s CPU at %s events/s ≤ %g %% of a core", ReferenceSystem, fmtRate(TargetLowRate), TargetCPUAt5k), Result: "N/A", Measured: "not run"}
	if ok5k {
		v.Measured = fmt.Sprintf("%.1f %%", at5k.Median.CPU)
		v.Result = passFail(at5k.Median.CPU <= TargetCPUAt5k)
	}
	out = append(out, v)

	out = append(out, r.relativeVerdicts(at5k, ok5k)...)

	o := r.Overload
	mem := Verdict{Target: "overload: peak RSS under the memory_limiter ceiling", Result: "N/A", Measured: r.OverloadNote}
	counted := Verdict{Target: "overload: lost events counted by the collector, by reason", Result: "N/A", Measured: r.OverloadNote}
	rec := Verdict{Target: fmt.Sprintf("overload: lossless again ≤ %d s after the rate falls", TargetRecoveryS), Result: "N/A", Measured: r.OverloadNote}
	if o != nil {
		mem.Measured = fmt.Sprintf("%s peak, ceiling %s", fmtMB(o.PeakRSS), fmtMB(o.Ceiling))
		mem.Result = "N/A"
		if o.Ceiling > 0 {
			mem.Result = passFail(o.PeakRSS < o.Ceiling)
		}
		lost := o.SentHigh + o.SentLow - o.Delivered
		c := o.CountedByCollector()
		counted.Measured = fmt.Sprintf("lost %d, counted %d (kernel socket drops %d)", max(lost, 0), c, o.SocketDrops)
		counted.Result = passFail(lost <= 0 || float64(c) >= 0.99*float64(lost))
		switch {
		case len(o.LowSent) == 0:
			rec.Measured = o.Note
		case o.RecoveredAfter < 0:
			rec.Measured = "never lossless in the low phase"
			rec.Result = "FAIL"
		default:
			rec.Measured = fmt.Sprintf("lossless from second %d", o.RecoveredAfter)
			rec.Result = passFail(o.RecoveredAfter <= TargetRecoveryS)
		}
	}
	out = append(out, mem, counted, rec)
	return out
}

// relativeVerdicts checks the absolute targets at 5,000 events/s as ratios
// to the stock pipeline in the same run (see IssueStockCPUAt5k).
func (r *Report) relativeVerdicts(at5k Step, ok5k bool) []Verdict {
	stock, okStock := StepAt(r.StepsOf(ComparisonSystem), TargetLowRate)
	cpuLimit, rssLimit := TargetCPUAt5k/IssueStockCPUAt5k, TargetRSSAt5k/IssueStockRSSAt5k
	cpu := Verdict{Target: fmt.Sprintf("%s CPU at %s events/s ÷ %s's in this run ≤ %g ÷ %g = %.3f (the CPU target as a ratio to the issue's stock figure)",
		ReferenceSystem, fmtRate(TargetLowRate), ComparisonSystem, TargetCPUAt5k, IssueStockCPUAt5k, cpuLimit), Result: "N/A", Measured: "not run"}
	rss := Verdict{Target: fmt.Sprintf("%s peak RSS at %s events/s ÷ %s's in this run ≤ %s ÷ %s = %.3f (the RSS target as a ratio to the issue's lowest stock figure)",
		ReferenceSystem, fmtRate(TargetLowRate), ComparisonSystem, fmtMB(TargetRSSAt5k), fmtMB(IssueStockRSSAt5k), rssLimit), Result: "N/A", Measured: "not run"}
	if ok5k && okStock && stock.Median.CPU > 0 && stock.Median.PeakRSS > 0 {
		ratio := at5k.Median.CPU / stock.Median.CPU
		cpu.Measured = fmt.Sprintf("%.3f (%.1f %% vs %.1f %%)", ratio, at5k.Median.CPU, stock.Median.CPU)
		cpu.Result = passFail(ratio <= cpuLimit)
		ratio = float64(at5k.Median.PeakRSS) / float64(stock.Median.PeakRSS)
		rss.Measured = fmt.Sprintf("%.3f (%s vs %s)", ratio, fmtMB(at5k.Median.PeakRSS), fmtMB(stock.Median.PeakRSS))
		rss.Result = passFail(ratio <= rssLimit)
	}
	return []Verdict{cpu, rss}
}

// CountedByCollector sums the collector's own drop counters (rejected
// datagrams by reason, refused records, failed exports), each lost record
// once: a processor's refusal (the memory_limiter's) returns to the
// receiver, which counts the same records as refused or failed, so the
// processors' refused counters are left out. (Past the batch processor,
// which hands on asynchronously, a failed export reaches nobody else.)
func (o *OverloadResult) CountedByCollector() int64 {
	var n float64
	for _, c := range o.Drops {
		if strings.HasPrefix(c.Name, "otelcol_processor_") && strings.Contains(c.Name, "refused") {
			continue
		}
		n += c.Value
	}
	return int64(n)
}

// ---------------------------------------------------------------------------
// rendering

func fmtRate(r float64) string {
	if r == math.Trunc(r) {
		return groupDigits(int64(r))
	}
	return fmt.Sprintf("%.1f", r)
}

func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func fmtMB[T int64 | float64](b T) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }

func fmtLoss(l float64) string {
	switch {
	case l == 0:
		return "0"
	case l < 0.01:
		return fmt.Sprintf("%.4f", l)
	case l < 1:
		return fmt.Sprintf("%.3f", l)
	}
	return fmt.Sprintf("%.1f", l)
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	type out struct {
		*Report
		Lossless []Lossless `json:"highest_lossless"`
		Verdicts []Verdict  `json:"targets"`
	}
	o := out{Report: r, Verdicts: r.Verdicts()}
	for _, s := range r.Systems {
		if l, ok := r.HighestLossless(s.Name); ok {
			o.Lossless = append(o.Lossless, l)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(o)
}

// WriteMarkdown renders the report as Markdown.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("## SenseOps Collector end-to-end benchmark\n\n")
	m := r.Machine
	p("- date: %s (took %s)\n", r.Date.Format(time.RFC3339), r.Elapsed.Round(time.Second))
	p("- machine: %d CPUs, %s, kernel %s, %s RAM", m.CPUs, orDash(m.CPUModel), orDash(m.Kernel), fmtGB(m.MemTotal))
	if m.MemLimit > 0 {
		p(" (cgroup limit %s)", fmtGB(m.MemLimit))
	}
	p(", net.core.rmem_max %d, rmem_default %d\n", m.RmemMax, m.RmemDefault)
	if len(r.Versions) > 0 {
		var vs []string
		for _, k := range []string{"collector", "core", "contrib", "go"} {
			if v, ok := r.Versions[k]; ok {
				vs = append(vs, k+" "+v)
			}
		}
		p("- versions: %s\n", strings.Join(vs, ", "))
	}
	p("- pinning: %s\n", r.Pinning)
	rates := make([]string, len(r.Rates))
	for i, x := range r.Rates {
		rates[i] = fmtRate(x)
	}
	p("- load: sensesim udp -kinds all (all seven message kinds), seed %d, %s per step, rates %s events/s; %d run(s) per step", r.Seed, r.Window, strings.Join(rates, ", "), r.Runs)
	if r.Runs > 1 {
		p(" (medians)")
	}
	p("; a system stops stepping after %d steps with > %g %% loss\n", StopAfter, StopLoss)
	p("\nSystems:\n\n")
	for _, s := range r.Systems {
		p("- **%s**: %s\n", s.Name, s.Description)
		for _, n := range s.Notes {
			p("  - %s\n", n)
		}
	}
	for _, wn := range r.Warnings {
		p("\n> warning: %s\n", wn)
	}

	p("\n### Results\n\n")
	p("| system | rate/s | sent | achieved/s | delivered | loss %% | socket drops | RcvbufErrors Δ | CPU %% | peak RSS MB | of it executable MB | other load on the collector's CPU %% |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Systems {
		for _, st := range r.StepsOf(s.Name) {
			md := st.Median
			flag, again := "", ""
			if st.GeneratorLimited() {
				flag = " ⚠"
			}
			if md.Repeated {
				again = " ↻"
			}
			p("| %s | %s | %d | %s%s | %d | %s | %d | %d | %.1f | %.1f | %.1f | %.0f%s |\n",
				s.Name, fmtRate(st.Rate), md.Sent, fmtRate(math.Round(md.SendRate)), flag, md.Delivered, fmtLoss(st.Loss),
				md.SocketDrops, md.RcvbufErrors, md.CPU, float64(md.PeakRSS)/1e6, float64(md.FileRSS)/1e6, md.OtherLoad, again)
		}
	}
	p("\nloss = (sent − delivered) ÷ sent, delivered = log records the OTLP sink received. socket drops: the receiver socket's\n")
	p("`drops` in /proc/net/udp (kernel receive-buffer overflows); RcvbufErrors Δ: /proc/net/snmp, whole network namespace.\n")
	p("CPU: utime+stime of the collector from the first datagram to the last delivery, ÷ wall time. ⚠: sensesim reached < 95 %% of the rate.\n")
	p("peak RSS: VmHWM; of it executable: RssFile at the step's end, the binary's resident code and read-only data (clean,\n")
	p("shared with other processes running it, reclaimable), the rest is the collector's own (anonymous) memory.\n")
	p("other load on the collector's CPU: what everything else (other processes, interrupts, hypervisor steal) used of the collector's core\n")
	p("meanwhile; ↻: a run with more than %g %% was run again and the quieter run kept.\n", NoisyLoad)

	var drops []string
	for _, st := range r.Steps {
		if len(st.Median.Drops) > 0 {
			var cs []string
			for _, c := range st.Median.Drops {
				cs = append(cs, c.String())
			}
			drops = append(drops, fmt.Sprintf("- %s @ %s/s: %s", st.System, fmtRate(st.Rate), strings.Join(cs, "; ")))
		}
	}
	if len(drops) > 0 {
		p("\nThe collectors' own drop counters (internal metrics, non-zero only):\n\n%s\n", strings.Join(drops, "\n"))
	}
	var slow []string
	for _, st := range r.Steps {
		if st.Median.SinkDuplicates > 0 || st.Median.SinkMaxHandle > SlowSink {
			slow = append(slow, fmt.Sprintf("- %s @ %s/s: %d retried requests, longest request %s",
				st.System, fmtRate(st.Rate), st.Median.SinkDuplicates, st.Median.SinkMaxHandle.Round(time.Millisecond)))
		}
	}
	if len(slow) > 0 {
		p("\nThe sink was slow (the harness's CPU was busy: a shared machine?); retried batches were counted once:\n\n%s\n", strings.Join(slow, "\n"))
	}

	p("\n### Highest lossless rate (loss < %g %%, every lower step lossless too)\n\n", LosslessLoss)
	p("| system | events/s |\n|---|---:|\n")
	for _, s := range r.Systems {
		if l, ok := r.HighestLossless(s.Name); ok {
			p("| %s | %s |\n", s.Name, l)
		}
	}
	ref, ok1 := r.HighestLossless(ReferenceSystem)
	cmp, ok2 := r.HighestLossless(ComparisonSystem)
	if ok1 && ok2 {
		ratio, bound := Ratio(ref, cmp)
		if bound == "n/a" {
			p("\nratio %s ÷ %s: n/a\n", ReferenceSystem, ComparisonSystem)
		} else {
			if bound != "" {
				bound += " "
			}
			p("\nratio %s ÷ %s: %s%.1f×\n", ReferenceSystem, ComparisonSystem, bound, ratio)
		}
	}

	p("\n### Overload (%s)\n\n", ReferenceSystem)
	if o := r.Overload; o != nil {
		p("%s events/s for %s (achieved %s/s, %d sent), then %s events/s for %s (%d sent); %d delivered.\n\n",
			fmtRate(o.HighRate), o.HighFor, fmtRate(math.Round(o.AchievedHigh)), o.SentHigh, fmtRate(o.LowRate), o.LowFor, o.SentLow, o.Delivered)
		p("- memory: peak RSS %s; memory_limiter ceiling %s (%d %% of %s)\n", fmtMB(o.PeakRSS), fmtMB(o.Ceiling), MemoryLimitPercent, memBase(m))
		var rss []string
		for _, x := range o.RSSBySecond {
			rss = append(rss, fmt.Sprintf("%.0f", float64(x)/1e6))
		}
		p("- RSS per second (MB): %s\n", strings.Join(rss, " "))
		p("- kernel socket drops %d, RcvbufErrors Δ %d, receiver refused %.0f; other load on the collector's CPU %.0f %%\n", o.SocketDrops, o.Rcvbuf, o.Refused, o.OtherLoad)
		if o.Pinned {
			h := o.HighLoad
			with := "sensesim and the sink"
			if !o.SinkPinned {
				with = "sensesim (the sink floated)"
			}
			p("- high phase: the collector used %.0f %% of its CPU (other load on it %.0f %%); the generator's CPU, with %s, was busy %.0f %% (of it steal, the hypervisor running another guest, %.0f %%)\n",
				h.CPU, h.OtherLoad, with, h.LoadBusy, h.LoadSteal)
		}
		if len(o.Drops) > 0 {
			var cs []string
			for _, c := range o.Drops {
				cs = append(cs, c.String())
			}
			p("- collector drop counters: %s\n", strings.Join(cs, "; "))
		} else {
			p("- collector drop counters: none non-zero\n")
		}
		if o.SinkDuplicates > 0 || o.SinkMaxHandle > SlowSink {
			p("- the sink was slow: %d retried requests (counted once), longest request %s\n", o.SinkDuplicates, o.SinkMaxHandle.Round(time.Millisecond))
		}
		p("- user events (no time of their own, so counted in total over both phases): %d sent, %d delivered\n", o.UserSent, o.UserDelivered)
		if o.Note != "" {
			p("- %s\n", o.Note)
		}
		if len(o.LowSent) > 0 {
			p("\nLow phase, log events per second of the time Sense (sensesim) stamped them with; sent is known exactly by replaying the generator:\n\n")
			if o.Pinned && len(o.LowLoad) == len(o.LowSent) {
				p("| second | sent | delivered | loss %% | collector CPU %% | other load on its CPU %% | generator's CPU busy %% | of it steal %% |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n")
				for k := range o.LowSent {
					l := o.LowLoad[k]
					p("| %d | %d | %d | %s | %.0f | %.0f | %.0f | %.0f |\n", k, o.LowSent[k], o.LowDelivered[k], fmtLoss(lossPercent(o.LowSent[k], o.LowDelivered[k])),
						l.CPU, l.OtherLoad, l.LoadBusy, l.LoadSteal)
				}
			} else {
				p("| second | sent | delivered | loss %% |\n|---:|---:|---:|---:|\n")
				for k := range o.LowSent {
					p("| %d | %d | %d | %s |\n", k, o.LowSent[k], o.LowDelivered[k], fmtLoss(lossPercent(o.LowSent[k], o.LowDelivered[k])))
				}
			}
			if o.RecoveredAfter >= 0 {
				p("\nlossless (< %g %% per second) from second %d of the low phase on\n", LosslessLoss, o.RecoveredAfter)
			} else {
				p("\nnot lossless by the end of the low phase\n")
			}
		}
	} else {
		p("skipped: %s\n", orDash(r.OverloadNote))
	}

	p("\n### Targets\n\n| target | measured | result |\n|---|---|---|\n")
	for _, v := range r.Verdicts() {
		p("| %s | %s | %s |\n", v.Target, v.Measured, v.Result)
	}
	p("\nThe absolute targets were set on the issue's machine, where the stock pipeline took %g %% of a core and %s at %s events/s; "+
		"the two \"÷ %s's in this run\" rows restate them as ratios to the stock pipeline, for a machine of another speed. "+
		"Both kinds of row are reported; neither replaces the other.\n",
		IssueStockCPUAt5k, fmtMB(IssueStockRSSAt5k), fmtRate(TargetLowRate), ComparisonSystem)
	_, err := io.WriteString(w, b.String())
	return err
}

func memBase(m Machine) string {
	if m.MemLimit > 0 {
		return "the cgroup limit " + fmtGB(m.MemLimit)
	}
	return fmtGB(m.MemTotal) + " RAM"
}

func fmtGB(b int64) string { return fmt.Sprintf("%.1f GB", float64(b)/1e9) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
