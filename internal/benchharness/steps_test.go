//go:build linux

package benchharness

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/senseops/senseops-collector/internal/citest"
)

func run(sent, delivered int64) RunResult { return RunResult{Sent: sent, Delivered: delivered} }

func TestLoss(t *testing.T) {
	assert.Equal(t, 0.0, run(1000, 1000).Loss())
	assert.InDelta(t, 2.5, run(1000, 975).Loss(), 1e-9)
	assert.Equal(t, 0.0, run(1000, 1003).Loss(), "duplicates are not negative loss")
	assert.Equal(t, 0.0, run(0, 0).Loss())
}

func TestMedianAndNewStep(t *testing.T) {
	assert.True(t, math.IsNaN(Median(nil)))
	assert.Equal(t, 2.0, Median([]float64{3, 1, 2}))
	assert.Equal(t, 2.5, Median([]float64{4, 1, 2, 3}))

	st := NewStep("senseops", 5000, []RunResult{
		{Sent: 50000, Delivered: 50000, CPU: 3, PeakRSS: 40e6, SendRate: 5000},
		{Sent: 50000, Delivered: 49000, CPU: 9, PeakRSS: 45e6, SendRate: 4999},
		{Sent: 50000, Delivered: 49990, CPU: 4, PeakRSS: 90e6, SendRate: 5001},
	})
	assert.InDelta(t, 0.02, st.Loss, 1e-9, "median of 0, 2, 0.02")
	assert.EqualValues(t, 49990, st.Median.Delivered)
	assert.Equal(t, 4.0, st.Median.CPU)
	assert.EqualValues(t, 45e6, st.Median.PeakRSS)
	assert.True(t, st.Lossless())
	assert.False(t, st.GeneratorLimited())
	assert.True(t, NewStep("x", 200000, []RunResult{{Sent: 10, SendRate: 150000}}).GeneratorLimited())
}

func step(system string, rate, loss float64) Step {
	sent := int64(1_000_000)
	return NewStep(system, rate, []RunResult{run(sent, sent-int64(loss/100*float64(sent)))})
}

func TestStepperStopsAfterTwoLossySteps(t *testing.T) {
	s := NewStepper()
	assert.True(t, s.Active("stock"))
	s.Record(step("stock", 5000, 0))
	s.Record(step("stock", 10000, 4.9)) // lossy, but not > 5 %
	assert.True(t, s.Active("stock"))
	s.Record(step("stock", 20000, 30))
	assert.True(t, s.Active("stock"), "one step over 5 % is not enough")
	s.Record(step("stock", 40000, 0.5)) // noise: need not be consecutive
	s.Record(step("stock", 80000, 60))
	assert.False(t, s.Active("stock"))
	assert.True(t, s.Active("senseops"), "per system")
}

func TestHighestLossless(t *testing.T) {
	top, ok, atTop := HighestLossless([]Step{step("a", 20000, 0.2), step("a", 5000, 0), step("a", 10000, 0.05)})
	assert.Equal(t, 10000.0, top.EffectiveRate())
	assert.True(t, ok)
	assert.False(t, atTop)

	// A lossless step above a lossy one does not count: the prefix does.
	top, ok, _ = HighestLossless([]Step{step("a", 5000, 0), step("a", 10000, 1), step("a", 20000, 0)})
	assert.Equal(t, 5000.0, top.EffectiveRate())
	assert.True(t, ok)

	_, ok, _ = HighestLossless([]Step{step("a", 5000, 3)})
	assert.False(t, ok)

	top, ok, atTop = HighestLossless([]Step{step("a", 5000, 0), step("a", 10000, 0)})
	assert.Equal(t, 10000.0, top.EffectiveRate())
	assert.True(t, ok)
	assert.True(t, atTop)

	// A step sensesim could not drive at its rate counts at what it reached.
	slow := NewStep("a", 120000, []RunResult{{Sent: 1200000, Delivered: 1200000, SendRate: 85123.4}})
	top, _, _ = HighestLossless([]Step{step("a", 80000, 0), slow, step("a", 160000, 30)})
	assert.Equal(t, 85123.0, top.EffectiveRate())
	assert.Equal(t, 120000.0, top.Rate)
}

// Above what one sensesim can send the achieved rate varies from step to
// step: the highest lossless rate is the most any lossless step of the
// prefix achieved, not what its top step happened to achieve.
func TestHighestLosslessGeneratorLimited(t *testing.T) {
	limited := func(rate, achieved float64, loss float64) Step {
		sent := int64(achieved * 10)
		return NewStep("a", rate, []RunResult{{Sent: sent, Delivered: sent - int64(loss/100*float64(sent)), SendRate: achieved}})
	}
	for _, tc := range []struct {
		name     string
		steps    []Step
		wantRate float64 // EffectiveRate
		wantStep float64
		atTop    bool
	}{
		{"top achieved less", []Step{step("a", 80000, 0), limited(120000, 86000, 0), limited(160000, 79000, 0), limited(200000, 84000, 2)},
			86000, 120000, false},
		{"top achieved the most", []Step{step("a", 80000, 0), limited(120000, 84000, 0), limited(160000, 86000, 0)}, 86000, 160000, true},
		{"the lossy step's rate does not count", []Step{step("a", 80000, 0), limited(120000, 83000, 0), limited(160000, 90000, 1)}, 83000, 120000, false},
		{"a limited step below a requested rate", []Step{step("a", 80000, 0), limited(120000, 78000, 0)}, 80000, 80000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			top, ok, atTop := HighestLossless(tc.steps)
			require.True(t, ok)
			assert.Equal(t, tc.wantRate, top.EffectiveRate())
			assert.Equal(t, tc.wantStep, top.Rate)
			assert.Equal(t, tc.atTop, atTop)
		})
	}
}

func TestRatio(t *testing.T) {
	r, b := Ratio(Lossless{Rate: 160000}, Lossless{Rate: 20000})
	assert.Equal(t, 8.0, r)
	assert.Equal(t, "", b)
	r, b = Ratio(Lossless{Rate: 200000, AtTop: true}, Lossless{Rate: 20000})
	assert.Equal(t, 10.0, r)
	assert.Equal(t, "≥", b)
	r, b = Ratio(Lossless{Rate: 80000}, Lossless{None: true, Lowest: 5000})
	assert.Equal(t, 16.0, r)
	assert.Equal(t, "≥", b)
	_, b = Ratio(Lossless{None: true, Lowest: 5000}, Lossless{Rate: 5000})
	assert.Equal(t, "n/a", b)
	// The comparison never lost: its limit is above its top rate, so the
	// ratio is at most what was measured.
	r, b = Ratio(Lossless{Rate: 20000}, Lossless{Rate: 40000, AtTop: true})
	assert.Equal(t, 0.5, r)
	assert.Equal(t, "≤", b)
}

func TestParseRates(t *testing.T) {
	r, err := ParseRates("20k, 5000,1.5k")
	require.NoError(t, err)
	assert.Equal(t, []float64{1500, 5000, 20000}, r)
	for _, bad := range []string{"", "x", "-5", "0", "5000,,abc"} {
		_, err := ParseRates(bad)
		assert.Error(t, err, bad)
	}
}

func TestRecovery(t *testing.T) {
	sent := []int64{100, 100, 100, 100, 100}
	assert.Equal(t, 0, Recovery(sent, []int64{100, 100, 100, 100, 100}))
	assert.Equal(t, 2, Recovery(sent, []int64{10, 50, 100, 101, 100}))
	assert.Equal(t, 3, Recovery(sent, []int64{100, 100, 98, 100, 100}), "a later loss moves recovery")
	assert.Equal(t, -1, Recovery(sent, []int64{100, 100, 100, 100, 90}))
	assert.Equal(t, 0, Recovery([]int64{10000}, []int64{9991}), "under 0.1 % is lossless")
}

// ExpectedSchedule replays sensesim's generator: the same kinds as the
// real sender, and the log events by the second they are stamped with.
func TestExpectedSchedule(t *testing.T) {
	start := time.Date(2026, 11, 21, 13, 0, 0, 123_000_000, time.UTC)
	perSecond, byKind, err := ExpectedSchedule(1, start, 1000, 3000, 3)
	require.NoError(t, err)
	require.Len(t, perSecond, 3)
	var logs, users int64
	for _, n := range perSecond {
		logs += n
		assert.InDelta(t, 780, n, 120, "about 78 %% of each second's 1000 events are log events")
	}
	for k, n := range byKind {
		if k == "proxy-session" || k == "proxy-connection" {
			users += n
		}
	}
	assert.EqualValues(t, 3000, logs+users)
	assert.Len(t, byKind, 7)

}

// The replay matches what the built sensesim sends (skipped when it is not
// built): the same kinds, and the log events stamped in the same seconds.
func TestExpectedScheduleMatchesSensesim(t *testing.T) {
	bin, err := filepath.Abs("../../_build/bin/sensesim")
	require.NoError(t, err)
	if _, err := os.Stat(bin); err != nil {
		citest.Unavailable(t, "%s not built; run make sensesim (make test builds it first)", bin)
	}
	start := time.Date(2026, 11, 21, 13, 0, 0, 123_000_000, time.UTC)
	const rate, n, secs = 700, 2800, 4
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "udp", "-dry-run", "-kinds", "all", "-seed", "5", "-tz-offset", SensesimTZ,
		"-start", start.Format(time.RFC3339Nano), "-rate", "700", "-count", "2800", "-quiet")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	sum, err := ParseSensesimSummary(stderr.String())
	require.NoError(t, err)

	perSecond, byKind, err := ExpectedSchedule(5, start, rate, n, secs)
	require.NoError(t, err)
	assert.Equal(t, sum.ByKind, byKind)

	got := make([]int64, secs)
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		f := strings.Split(line, ";")
		if strings.HasPrefix(line, "/qseow-proxy-session/") || strings.HasPrefix(line, "/qseow-proxy-connection/") {
			continue
		}
		ts, err := time.Parse("20060102T150405.000-0700", f[2])
		require.NoError(t, err, line)
		got[min(int(ts.Sub(start)/time.Second), secs-1)]++
	}
	assert.Equal(t, perSecond, got)
}

func TestCPUPercent(t *testing.T) {
	t0 := time.Unix(1000, 0)
	samples := []sample{
		{t: t0, cpu: 0},
		{t: t0.Add(time.Second), cpu: 100 * time.Millisecond},
		{t: t0.Add(2 * time.Second), cpu: 200 * time.Millisecond},
		{t: t0.Add(4 * time.Second), cpu: 210 * time.Millisecond}, // idle drain
	}
	cpu, other := cpuPercent(samples, t0.Add(1500*time.Millisecond))
	assert.InDelta(t, 10.0, cpu, 1e-9)
	assert.Zero(t, other, "not pinned: not measured")
	cpu, _ = cpuPercent(samples, t0.Add(10*time.Second))
	assert.InDelta(t, 5.25, cpu, 1e-9)
	cpu, _ = cpuPercent(samples[:1], t0)
	assert.Equal(t, 0.0, cpu)

	// Pinned: the core's busy time beyond the collector's is other load.
	samples[0].core, samples[1].core = 50*time.Second, 50*time.Second+400*time.Millisecond
	cpu, other = cpuPercent(samples, t0.Add(time.Second))
	assert.InDelta(t, 10.0, cpu, 1e-9)
	assert.InDelta(t, 30.0, other, 1e-9)
}

func TestLoadBetween(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int, cpu, core, busy, steal time.Duration) sample {
		return sample{t: t0.Add(time.Duration(ms) * time.Millisecond), cpu: cpu, core: core,
			load: CPUTimes{Busy: busy, Steal: steal, Total: time.Hour}}
	}
	ms := time.Millisecond
	samples := []sample{
		at(0, 0, 10*time.Second, 20*time.Second, 0),
		at(1000, 900*ms, 10*time.Second+950*ms, 20*time.Second+500*ms, 0),
		at(2000, 1000*ms, 11*time.Second+900*ms, 21*time.Second+500*ms, 400*ms), // a second of held-back collector, busy generator CPU
		at(3000, 1900*ms, 12*time.Second+800*ms, 22*time.Second, 400*ms),
	}
	// Each second on its own, from the sample at or before its start.
	assert.Equal(t, PhaseLoad{CPU: 90, OtherLoad: 5, LoadBusy: 50}, roundLoad(loadBetween(samples, t0, t0.Add(time.Second))))
	assert.Equal(t, PhaseLoad{CPU: 10, OtherLoad: 85, LoadBusy: 100, LoadSteal: 40}, roundLoad(loadBetween(samples, t0.Add(1500*ms), t0.Add(2*time.Second))))
	// Past the last sample: up to it.
	assert.Equal(t, PhaseLoad{CPU: 90, OtherLoad: 0, LoadBusy: 50}, roundLoad(loadBetween(samples, t0.Add(2*time.Second), t0.Add(9*time.Second))))
	assert.Equal(t, roundLoad(PhaseLoad{CPU: 190.0 / 3, OtherLoad: 30, LoadBusy: 200.0 / 3, LoadSteal: 40.0 / 3}), roundLoad(loadBetween(samples, t0, t0.Add(3*time.Second))))
	// Unpinned (no CPU times sampled): only the collector's own use.
	for i := range samples {
		samples[i].core, samples[i].load = 0, CPUTimes{}
	}
	assert.Equal(t, PhaseLoad{CPU: 90}, roundLoad(loadBetween(samples, t0, t0.Add(time.Second))))
	assert.Equal(t, PhaseLoad{}, loadBetween(samples[:1], t0, t0.Add(time.Second)))

	// A counter that goes back counts as no load, not as a negative one.
	samples[0].load = CPUTimes{Busy: time.Second, Steal: time.Second, Total: time.Hour}
	samples[1].load = CPUTimes{Busy: 500 * ms, Steal: 200 * ms, Total: time.Hour}
	assert.Equal(t, PhaseLoad{CPU: 90}, roundLoad(loadBetween(samples, t0, t0.Add(time.Second))))
}

func roundLoad(l PhaseLoad) PhaseLoad {
	r := func(x float64) float64 { return math.Round(x*1e6) / 1e6 }
	return PhaseLoad{CPU: r(l.CPU), OtherLoad: r(l.OtherLoad), LoadBusy: r(l.LoadBusy), LoadSteal: r(l.LoadSteal)}
}
