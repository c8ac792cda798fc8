//go:build linux

package benchharness

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testReport() *Report {
	mk := func(system string, rate float64, delivered int64, cpu float64, rss int64) Step {
		sent := int64(rate * 10)
		return NewStep(system, rate, []RunResult{{Sent: sent, SendRate: rate, Delivered: delivered, CPU: cpu, PeakRSS: rss,
			SocketDrops: sent - delivered, RcvbufErrors: sent - delivered}})
	}
	return &Report{
		Date:     time.Date(2026, 11, 21, 13, 0, 0, 0, time.UTC),
		Machine:  Machine{CPUs: 2, CPUModel: "AMD EPYC", Kernel: "6.18", RmemMax: 4194304, RmemDefault: 212992, MemTotal: 24e9},
		Versions: map[string]string{"collector": "otelcol-senseops version 0.1.0", "core": "v0.161.0", "go": "go1.26.8"},
		Pinning:  "collector on CPU 0",
		Window:   10 * time.Second,
		Runs:     1,
		Seed:     1,
		Rates:    []float64{5000, 20000, 80000, 160000},
		Systems: []SystemInfo{
			{Name: "senseops", Description: "qliksense_events → batch → otlp_http", Notes: []string{"receive_buffer_size=4194304"}},
			{Name: "stock", Description: "udp_log → batch → otlp_http"},
		},
		Steps: []Step{
			mk("senseops", 5000, 50000, 3.2, 41e6),
			mk("stock", 5000, 50000, 20, 50e6),
			mk("senseops", 20000, 200000, 11, 55e6),
			mk("stock", 20000, 150000, 90, 70e6),
			mk("senseops", 80000, 800000, 40, 90e6),
			mk("stock", 80000, 100000, 100, 80e6),
			mk("senseops", 160000, 1000000, 100, 160e6),
		},
		Overload: &OverloadResult{
			System: "senseops", HighRate: 160000, HighFor: 10 * time.Second, LowRate: 80000, LowFor: 3 * time.Second,
			SentHigh: 1600000, SentLow: 240000, Delivered: 1540000, PeakRSS: 180e6, Ceiling: 19e9,
			SocketDrops: 300000, Drops: []Counter{{Name: "otelcol_receiver_qliksense_events_datagrams_rejected", Labels: `reason="buffer_full"`, Value: 300000}},
			LowSent: []int64{80000, 80000, 80000}, LowDelivered: []int64{60000, 80000, 80000}, RecoveredAfter: 1,
			RSSBySecond: []int64{50e6, 180e6},
		},
	}
}

func TestVerdicts(t *testing.T) {
	r := testReport()
	results := func() []string {
		var out []string
		for _, v := range r.Verdicts() {
			out = append(out, v.Result)
		}
		return out
	}
	v := r.Verdicts()
	require.Len(t, v, 9)
	assert.Equal(t, "16.0× (80,000 vs 5,000)", v[0].Measured)
	assert.Equal(t, "41.0 MB", v[1].Measured)
	assert.Equal(t, "90.0 MB at 80,000/s", v[2].Measured)
	assert.Equal(t, "3.2 %", v[3].Measured)
	assert.Equal(t, "0.160 (3.2 % vs 20.0 %)", v[4].Measured)
	assert.Equal(t, "0.820 (41.0 MB vs 50.0 MB)", v[5].Measured)
	assert.Equal(t, "lost 300000, counted 300000 (kernel socket drops 300000)", v[7].Measured)
	assert.Equal(t, []string{"PASS", "PASS", "PASS", "PASS", "PASS", "PASS", "PASS", "PASS", "PASS"}, results())

	// Worse numbers fail; a reference that never lost gives a lower bound.
	r.Steps[0].Median.PeakRSS = 61e6
	r.Steps[0].Median.CPU = 8.5
	r.Steps = r.Steps[:6] // senseops lossless up to its top rate, 80000
	r.Steps[3] = step("stock", 20000, 0)
	r.Steps[5] = step("stock", 80000, 50) // stock: 20000
	r.Overload.Drops = nil
	r.Overload.RecoveredAfter = 6
	v = r.Verdicts()
	assert.Equal(t, "≥ 4.0× (≥ 80,000 (lossless at every rate run) vs 20,000)", v[0].Measured)
	// CPU 8.5 ÷ 20 is within 8 ÷ 14; RSS 61 ÷ 50 is above 60 ÷ 53.
	assert.Equal(t, []string{"INCONCLUSIVE", "FAIL", "PASS", "FAIL", "PASS", "FAIL", "PASS", "FAIL", "FAIL"}, results())

	r.Overload.RecoveredAfter = -1
	assert.Equal(t, "never lossless in the low phase", r.Verdicts()[8].Measured)

	// Generator-limited: the achieved rate counts.
	l := Lossless{Rate: 85000, Step: 120000}
	assert.Equal(t, "85,000 (what sensesim achieved at the 120,000 step)", l.String())

	// Nothing run: N/A, not FAIL.
	empty := &Report{OverloadNote: "senseops not run"}
	for _, v := range empty.Verdicts() {
		assert.Equal(t, "N/A", v.Result, v.Target)
	}
}

func TestWriteMarkdown(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, testReport().WriteMarkdown(&b))
	out := b.String()
	for _, want := range []string{
		"- machine: 2 CPUs, AMD EPYC, kernel 6.18, 24.0 GB RAM, net.core.rmem_max 4194304, rmem_default 212992",
		"- versions: collector otelcol-senseops version 0.1.0, core v0.161.0, go go1.26.8",
		"- **senseops**: qliksense_events → batch → otlp_http\n  - receive_buffer_size=4194304",
		"| system | rate/s | sent | achieved/s | delivered | loss % | socket drops | RcvbufErrors Δ | CPU % | peak RSS MB |",
		"| senseops | 5,000 | 50000 | 5,000 | 50000 | 0 | 0 | 0 | 3.2 | 41.0 |",
		"| stock | 20,000 | 200000 | 20,000 | 150000 | 25.0 | 50000 | 50000 | 90.0 | 70.0 |",
		"| senseops | 80,000 |",
		"| senseops | 80,000 |\n",
		"| stock | 5,000 |",
		"| senseops | 80,000 |\n| stock | 5,000 |",
		"ratio senseops ÷ stock: 16.0×",
		"| 0 | 80000 | 60000 | 25.0 |",
		"lossless (< 0.1 % per second) from second 1 of the low phase on",
		"| overload: lossless again ≤ 5 s after the rate falls | lossless from second 1 | PASS |",
	} {
		assert.Contains(t, out, want)
	}
	// Systems are grouped: every senseops row before the first stock row.
	assert.Less(t, strings.LastIndex(out, "| senseops | 160,000"), strings.Index(out, "| stock | 5,000 | 50000"))
}

func TestWriteMarkdownOverloadLoad(t *testing.T) {
	r := testReport()
	o := r.Overload
	o.Pinned, o.SinkPinned = true, true
	o.HighLoad = PhaseLoad{CPU: 97.4, OtherLoad: 1.2, LoadBusy: 99.6, LoadSteal: 31.5}
	o.LowLoad = []PhaseLoad{{CPU: 99, OtherLoad: 1, LoadBusy: 100, LoadSteal: 30}, {CPU: 93, LoadBusy: 80}, {CPU: 92.6, OtherLoad: 0.4, LoadBusy: 79.5, LoadSteal: 2}}
	var b bytes.Buffer
	require.NoError(t, r.WriteMarkdown(&b))
	out := b.String()
	for _, want := range []string{
		"- high phase: the collector used 97 % of its CPU (other load on it 1 %); the generator's CPU, with sensesim and the sink, was busy 100 % (of it steal, the hypervisor running another guest, 32 %)",
		"| second | sent | delivered | loss % | collector CPU % | other load on its CPU % | generator's CPU busy % | of it steal % |",
		"| 0 | 80000 | 60000 | 25.0 | 99 | 1 | 100 | 30 |\n| 1 | 80000 | 80000 | 0 | 93 | 0 | 80 | 0 |\n| 2 | 80000 | 80000 | 0 | 93 | 0 | 80 | 2 |\n",
	} {
		assert.Contains(t, out, want)
	}

	// The harness could not pin itself: the line does not say the sink
	// shared the generator's CPU.
	o.SinkPinned = false
	b.Reset()
	require.NoError(t, r.WriteMarkdown(&b))
	assert.Contains(t, b.String(), "the generator's CPU, with sensesim (the sink floated), was busy 100 %")
	assert.NotContains(t, b.String(), "with sensesim and the sink")

	// Unpinned: nothing about the CPUs, and the plain table.
	o.Pinned = false
	b.Reset()
	require.NoError(t, r.WriteMarkdown(&b))
	assert.NotContains(t, b.String(), "high phase:")
	assert.Contains(t, b.String(), "| second | sent | delivered | loss % |\n|---:|---:|---:|---:|\n| 0 | 80000 | 60000 | 25.0 |\n")
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, testReport().WriteJSON(&b))
	var got struct {
		Steps    []map[string]any `json:"steps"`
		Lossless []Lossless       `json:"highest_lossless"`
		Targets  []Verdict        `json:"targets"`
	}
	require.NoError(t, json.Unmarshal(b.Bytes(), &got))
	assert.Len(t, got.Steps, 7)
	assert.Equal(t, []Lossless{
		{System: "senseops", Rate: 80000, Step: 80000, Lowest: 5000},
		{System: "stock", Rate: 5000, Step: 5000, Lowest: 5000},
	}, got.Lossless)
	assert.Len(t, got.Targets, 9)
}

// A record the memory_limiter refuses is counted twice in the internal
// metrics: by the processor (refused) and by the receiver, to which the
// refusal returns (refused or failed). The overload check must count it
// once, or half the loss counted passes as all of it.
func TestCountedByCollector(t *testing.T) {
	for _, tc := range []struct {
		name  string
		drops []Counter
		want  int64
	}{
		{"kernel drops only", []Counter{
			{Name: "otelcol_receiver_qliksense_events_datagrams_rejected", Labels: `reason="receive_buffer_full"`, Value: 1000},
		}, 1000},
		{"memory_limiter refusals count once", []Counter{
			{Name: "otelcol_processor_memory_limiter_refused_log_records", Labels: `processor="memory_limiter"`, Value: 500},
			{Name: "otelcol_receiver_qliksense_events_datagrams_rejected", Labels: `reason="receive_buffer_full"`, Value: 1000},
			{Name: "otelcol_receiver_refused_log_records", Labels: `receiver="qliksense_events"`, Value: 300},
			{Name: "otelcol_receiver_failed_log_records", Labels: `receiver="qliksense_events"`, Value: 200},
		}, 1500},
		{"after the batch processor: failed exports", []Counter{
			{Name: "otelcol_exporter_enqueue_failed_log_records", Labels: `exporter="otlp_http"`, Value: 40},
			{Name: "otelcol_exporter_send_failed_log_records", Labels: `exporter="otlp_http"`, Value: 60},
		}, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &OverloadResult{Drops: tc.drops}
			assert.Equal(t, tc.want, o.CountedByCollector())
		})
	}

	// The verdict: 1,000 lost, 500 of them counted (the receiver's refusals
	// repeat the memory_limiter's 500) fails.
	r := testReport()
	r.Overload.SentHigh, r.Overload.SentLow, r.Overload.Delivered = 10000, 0, 9000
	r.Overload.Drops = []Counter{
		{Name: "otelcol_processor_memory_limiter_refused_log_records", Value: 500},
		{Name: "otelcol_receiver_refused_log_records", Value: 500},
	}
	v := r.Verdicts()[7]
	assert.Equal(t, "lost 1000, counted 500 (kernel socket drops 300000)", v.Measured)
	assert.Equal(t, "FAIL", v.Result)
}

func TestRatioVerdictUpperBound(t *testing.T) {
	r := testReport()
	r.Steps[3] = step("stock", 20000, 0)
	r.Steps[5] = step("stock", 80000, 0) // stock never lost; senseops lost at 160,000
	v := r.Verdicts()[0]
	assert.Equal(t, "≤ 1.0× (80,000 vs ≥ 80,000 (lossless at every rate run))", v.Measured)
	assert.Equal(t, "FAIL", v.Result)
	var b bytes.Buffer
	require.NoError(t, r.WriteMarkdown(&b))
	assert.Contains(t, b.String(), "ratio senseops ÷ stock: ≤ 1.0×\n")
}
