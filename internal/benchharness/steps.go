//go:build linux

package benchharness

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Thresholds of the stepping and of the report.
const (
	// LosslessLoss: a step is lossless when its loss is below 0.1 %.
	LosslessLoss = 0.1
	// StopLoss and StopAfter: a system stops stepping up once StopAfter of
	// its steps (not necessarily consecutive) lost more than StopLoss %.
	StopLoss  = 5.0
	StopAfter = 2
)

// DefaultRates are the stepped rates of a full run (events/s): finer where
// the two pipelines' limits are expected (the stock one around 15,000-25,000,
// the recommended one several times that).
var DefaultRates = []float64{5000, 10000, 15000, 20000, 30000, 40000, 60000, 80000, 120000, 160000, 200000}

// QuickRates are the rates of -quick.
var QuickRates = []float64{5000, 20000, 40000, 80000}

// RunResult is one collector run at one rate.
type RunResult struct {
	Sent         int64         `json:"sent"`
	SendErrors   int64         `json:"send_errors"`
	SendRate     float64       `json:"achieved_rate"` // what sensesim achieved, events/s
	Delivered    int64         `json:"delivered"`
	SocketDrops  int64         `json:"socket_drops"`  // /proc/net/udp drops of the receiver's socket
	RcvbufErrors int64         `json:"rcvbuf_errors"` // /proc/net/snmp Udp RcvbufErrors delta (namespace-wide)
	CPU          float64       `json:"cpu_percent"`   // % of one core, send start to last delivery
	PeakRSS      int64         `json:"peak_rss_bytes"`
	FileRSS      int64         `json:"file_rss_bytes"` // RssFile at the end: the executable's resident pages
	Drain        time.Duration `json:"drain_ns"`       // send end to last delivery
	Drops        []Counter     `json:"drop_counters,omitempty"`

	// The sink's health: requests it had counted already (exporter
	// retries, not counted twice) and the longest it took on one request.
	SinkDuplicates int64         `json:"sink_duplicate_requests"`
	SinkMaxHandle  time.Duration `json:"sink_max_handle_ns"`

	// OtherLoad is the use of the collector's core (the CPU it is pinned to) by everything
	// else during the run - other processes, interrupts, hypervisor steal -
	// in % of the core. It is what a shared machine took from the collector.
	OtherLoad float64 `json:"other_load_percent"`
	// Repeated says the run replaced an earlier one with more OtherLoad.
	Repeated bool `json:"repeated,omitempty"`
}

// NoisyLoad is the OtherLoad (%) above which a run is repeated once.
const NoisyLoad = 15.0

// Loss is the lost share of what was sent, in % (never negative).
func (r RunResult) Loss() float64 { return lossPercent(r.Sent, r.Delivered) }

func lossPercent(sent, delivered int64) float64 {
	if sent <= 0 {
		return 0
	}
	l := 100 * float64(sent-delivered) / float64(sent)
	if l < 0 {
		return 0
	}
	return l
}

// Step is one system at one rate: its runs and their medians.
type Step struct {
	System string      `json:"system"`
	Rate   float64     `json:"rate"`
	Runs   []RunResult `json:"runs"`
	// Median holds the median of every column over Runs (each column on its
	// own), Loss the median loss.
	Median RunResult `json:"median"`
	Loss   float64   `json:"loss_percent"`
}

// Lossless says whether the step's median loss is below LosslessLoss.
func (s Step) Lossless() bool { return s.Loss < LosslessLoss }

// GeneratorLimited says whether sensesim achieved less than 95 % of the
// requested rate (the step then measured a lower rate than it says).
func (s Step) GeneratorLimited() bool {
	return s.Median.SendRate > 0 && s.Median.SendRate < 0.95*s.Rate
}

// EffectiveRate is the rate the step really ran at: the requested one, or
// what sensesim achieved when it fell short (GeneratorLimited).
func (s Step) EffectiveRate() float64 {
	if s.GeneratorLimited() {
		return math.Round(s.Median.SendRate)
	}
	return s.Rate
}

// NewStep computes the medians of runs.
func NewStep(system string, rate float64, runs []RunResult) Step {
	st := Step{System: system, Rate: rate, Runs: runs}
	if len(runs) == 0 {
		return st
	}
	col := func(f func(RunResult) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		return Median(v)
	}
	st.Median = RunResult{
		Sent:         int64(col(func(r RunResult) float64 { return float64(r.Sent) })),
		SendErrors:   int64(col(func(r RunResult) float64 { return float64(r.SendErrors) })),
		SendRate:     col(func(r RunResult) float64 { return r.SendRate }),
		Delivered:    int64(col(func(r RunResult) float64 { return float64(r.Delivered) })),
		SocketDrops:  int64(col(func(r RunResult) float64 { return float64(r.SocketDrops) })),
		RcvbufErrors: int64(col(func(r RunResult) float64 { return float64(r.RcvbufErrors) })),
		CPU:          col(func(r RunResult) float64 { return r.CPU }),
		PeakRSS:      int64(col(func(r RunResult) float64 { return float64(r.PeakRSS) })),
		FileRSS:      int64(col(func(r RunResult) float64 { return float64(r.FileRSS) })),
		Drain:        time.Duration(col(func(r RunResult) float64 { return float64(r.Drain) })),
		OtherLoad:    col(func(r RunResult) float64 { return r.OtherLoad }),
	}
	st.Loss = col(func(r RunResult) float64 { return r.Loss() })
	for _, r := range runs {
		st.Median.Repeated = st.Median.Repeated || r.Repeated
		st.Median.SinkDuplicates = max(st.Median.SinkDuplicates, r.SinkDuplicates)
		st.Median.SinkMaxHandle = max(st.Median.SinkMaxHandle, r.SinkMaxHandle)
	}
	if len(runs) == 1 {
		st.Median.Drops = runs[0].Drops
	}
	return st
}

// Median of v (mean of the middle two for an even count); NaN if empty.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Stepper decides, per system, whether to keep stepping up the rate: a
// system stops once StopAfter of its steps lost more than StopLoss %.
type Stepper struct {
	lossy map[string]int
}

// NewStepper returns a Stepper with no history.
func NewStepper() *Stepper { return &Stepper{lossy: map[string]int{}} }

// Record notes a finished step.
func (s *Stepper) Record(st Step) {
	if st.Loss > StopLoss {
		s.lossy[st.System]++
	}
}

// Active says whether system should run the next rate.
func (s *Stepper) Active(system string) bool { return s.lossy[system] < StopAfter }

// HighestLossless returns the step of the lossless prefix of a system's
// steps (in rate order: the steps up to the first lossy one) with the
// highest EffectiveRate, the lossless rate. That is the prefix's top step
// unless sensesim fell short there: above what it can send, the achieved
// rate varies from step to step, and a higher step may have reached less
// than a lower one (ties go to the higher step). ok is false when even the
// lowest rate lost; atTop is true when every step was lossless (the true
// limit is then higher than measured).
func HighestLossless(steps []Step) (top Step, ok, atTop bool) {
	sorted := append([]Step(nil), steps...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Rate < sorted[j].Rate })
	for i, st := range sorted {
		if !st.Lossless() {
			return top, i > 0, false
		}
		if i == 0 || st.EffectiveRate() >= top.EffectiveRate() {
			top = st
		}
	}
	return top, len(sorted) > 0, len(sorted) > 0
}

// StepAt returns the step of a system at rate, if there is one.
func StepAt(steps []Step, rate float64) (Step, bool) {
	for _, st := range steps {
		if st.Rate == rate {
			return st, true
		}
	}
	return Step{}, false
}

// ParseRates parses a comma list of rates in events/s ("5000,20k,1.5k"),
// sorted ascending.
func ParseRates(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		mult := 1.0
		if v, ok := strings.CutSuffix(strings.ToLower(f), "k"); ok {
			f, mult = v, 1000
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || v*mult <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, fmt.Errorf("rate %q: want a positive number of events/s, e.g. 5000 or 20k", f)
		}
		out = append(out, v*mult)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no rates in %q", s)
	}
	sort.Float64s(out)
	return out, nil
}
