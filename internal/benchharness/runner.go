//go:build linux

package benchharness

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/senseops/senseops-collector/internal/sensesim"
)

// Runner runs collectors against the sink and drives sensesim at them.
type Runner struct {
	Collector string // path of otelcol-senseops
	Sensesim  string // path of sensesim
	// Taskset is the path of taskset, or "" to run unpinned.
	Taskset      string
	CollectorCPU string // CPU list for the collector, e.g. "0"
	GeneratorCPU string // CPU list for sensesim, e.g. "1"
	// Nice is the path of nice, GeneratorNice the niceness sensesim runs at
	// and HarnessNice the one this process runs at (0: unchanged). Children
	// inherit the harness's niceness and nice's -n is relative to it, so
	// sensesim is started with the difference and the collector with
	// -HarnessNice: back at the default.
	Nice          string
	GeneratorNice int
	HarnessNice   int

	Window   time.Duration // how long sensesim sends per step
	Seed     uint64
	QuietFor time.Duration // the sink is drained after this long without records
	MaxDrain time.Duration // longest wait for the sink after sending stops

	Dir  string // temp dir for configs
	Sink *Sink
	Log  io.Writer // progress lines
	// CollectorCore is the CPU number CollectorCPU names, -1 when the
	// collector is not pinned (then other load on its core is not measured).
	CollectorCore int
	// GeneratorCore is the CPU number GeneratorCPU names, -1 when
	// unpinned; the overload phase reports how busy it was.
	GeneratorCore int
	// SinkPinned says whether this process, and so the OTLP sink, runs on
	// the generator's CPU; the overload report names what shared it.
	SinkPinned bool

	runs int
}

func (r *Runner) logf(format string, args ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, format+"\n", args...)
	}
}

// ---------------------------------------------------------------------------
// processes

type collectorProc struct {
	cmd         *exec.Cmd
	pid         int
	udpPort     int
	metricsPort int
	logs        *capBuffer
	done        chan struct{}
	waitErr     error
}

func freePort(network string) (int, error) {
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (r *Runner) pinned(cpu string, argv ...string) *exec.Cmd {
	if r.Taskset != "" && cpu != "" {
		argv = append([]string{r.Taskset, "-c", cpu}, argv...)
	}
	return exec.Command(argv[0], argv[1:]...)
}

// reniced runs cmd at the harness's niceness plus adjust (nice -n is
// relative).
func (r *Runner) reniced(adjust int, cmd *exec.Cmd) *exec.Cmd {
	if adjust == 0 || r.Nice == "" {
		return cmd
	}
	return exec.Command(r.Nice, append([]string{"-n", strconv.Itoa(adjust)}, cmd.Args...)...)
}

// generator is the command line of sensesim: pinned to GeneratorCPU, at
// GeneratorNice.
func (r *Runner) generator(argv ...string) *exec.Cmd {
	return r.reniced(r.GeneratorNice-r.HarnessNice, r.pinned(r.GeneratorCPU, argv...))
}

// collectorCmd is the command line of the collector: pinned to
// CollectorCPU, at the default niceness whatever the harness's. nice and
// taskset exec it, so the process's PID is the collector's.
func (r *Runner) collectorCmd(argv ...string) *exec.Cmd {
	return r.reniced(-r.HarnessNice, r.pinned(r.CollectorCPU, argv...))
}

// startCollector writes sys's config for sess and starts the collector
// pinned to CollectorCPU; it returns once the collector logged that it is
// ready.
func (r *Runner) startCollector(ctx context.Context, sys *System, sess *Session) (*collectorProc, error) {
	udpPort, err := freePort("udp")
	if err != nil {
		return nil, err
	}
	metricsPort, err := freePort("tcp")
	if err != nil {
		return nil, err
	}
	r.runs++
	cfgPath := filepath.Join(r.Dir, fmt.Sprintf("%s-%d.yaml", sys.Name, r.runs))
	cfg := sys.Config(ConfigParams{UDPPort: udpPort, MetricsPort: metricsPort, LogsURL: r.Sink.LogsURL(sess)})
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	c := &collectorProc{udpPort: udpPort, metricsPort: metricsPort, logs: newCapBuffer(), done: make(chan struct{})}
	c.cmd = r.collectorCmd(r.Collector, "--config="+cfgPath)
	c.cmd.Stdout, c.cmd.Stderr = c.logs, c.logs
	// Own process group: a Ctrl-C meant for the harness does not reach the
	// collector directly (the harness stops it and still reports); killed
	// with the harness if that dies.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", r.Collector, err)
	}
	c.pid = c.cmd.Process.Pid
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.done)
	}()
	deadline := time.NewTimer(60 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if c.logs.Contains("Everything is ready") {
			return c, nil
		}
		select {
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		case <-c.done:
			return nil, fmt.Errorf("%s collector exited at start (%v); config %s:\n%s\noutput:\n%s", sys.Name, c.waitErr, cfgPath, cfg, c.logs.String())
		case <-deadline.C:
			c.stop()
			return nil, fmt.Errorf("%s collector not ready after 60s; output:\n%s", sys.Name, c.logs.String())
		case <-tick.C:
		}
	}
}

// stop sends SIGINT and waits up to 15 s, then kills the collector.
func (c *collectorProc) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// exited returns an error with the collector's output if it has exited
// (crashed) although nobody stopped it.
func (c *collectorProc) exited() error {
	select {
	case <-c.done:
		return fmt.Errorf("exited during the step (%v); output:\n%s", c.waitErr, c.logs.String())
	default:
		return nil
	}
}

// metrics scrapes the collector's internal metrics endpoint.
func (c *collectorProc) metrics() ([]Sample, error) {
	cl := http.Client{Timeout: 5 * time.Second}
	resp, err := cl.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", c.metricsPort))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics: %s", resp.Status)
	}
	return ParsePrometheus(string(b)), nil
}

// send runs `sensesim udp` pinned to GeneratorCPU and returns its summary.
// start is the simulated time of the first event.
func (r *Runner) send(ctx context.Context, port int, rate float64, d time.Duration, start time.Time) (SensesimSummary, error) {
	cmd := r.generator(r.Sensesim, "udp",
		"-log-target", fmt.Sprintf("127.0.0.1:%d", port),
		"-rate", strconv.FormatFloat(rate, 'f', -1, 64),
		"-duration", d.String(),
		"-kinds", "all",
		"-seed", strconv.FormatUint(r.Seed, 10),
		"-tz-offset", SensesimTZ,
		"-start", start.Format(time.RFC3339Nano),
		"-quiet")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return SensesimSummary{}, fmt.Errorf("start %s: %w", r.Sensesim, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = cmd.Process.Signal(os.Interrupt)
		err = <-done
		if err == nil {
			err = ctx.Err()
		}
	}
	if err != nil {
		return SensesimSummary{}, fmt.Errorf("sensesim: %w: %s", err, strings.TrimSpace(out.String()))
	}
	return ParseSensesimSummary(out.String())
}

// ---------------------------------------------------------------------------
// sampling

type sample struct {
	t       time.Time
	cpu     time.Duration // the collector's
	rss     int64
	records int64
	core    time.Duration // busy time of the collector's CPU (all processes), when pinned
	load    CPUTimes      // the generator's CPU (sensesim, the sink and everything else), when pinned
}

// sampler records the collector's CPU time, RSS and the sink's count every
// 100 ms until stopped, and the two CPUs' busy times when they are pinned.
type sampler struct {
	mu      sync.Mutex
	samples []sample
	stopc   chan struct{}
	done    chan struct{}
}

// core is the CPU the collector is pinned to, loadCore the generator's; -1
// if unpinned.
func startSampler(pid int, sess *Session, core, loadCore int) *sampler {
	s := &sampler{stopc: make(chan struct{}), done: make(chan struct{})}
	take := func() {
		cpu, _ := ProcCPU(pid)
		rss, _, _ := ProcMem(pid)
		var busy time.Duration
		if core >= 0 {
			if ct, err := ReadCPUTimes(core); err == nil {
				busy = ct.Busy
			}
		}
		var load CPUTimes
		if loadCore >= 0 {
			load, _ = ReadCPUTimes(loadCore)
		}
		s.mu.Lock()
		s.samples = append(s.samples, sample{t: time.Now(), cpu: cpu, rss: rss, records: sess.Records(), core: busy, load: load})
		s.mu.Unlock()
	}
	take()
	go func() {
		defer close(s.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.stopc:
				take()
				return
			case <-t.C:
				take()
			}
		}
	}()
	return s
}

func (s *sampler) stop() []sample {
	close(s.stopc)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}

// cpuPercent is the collector's CPU use, in % of one core, from the first
// sample to the first sample at or after end; other is the use of the
// collector's core by everything else (other processes, interrupts,
// hypervisor steal) over the same time, when the collector is pinned.
func cpuPercent(samples []sample, end time.Time) (cpu, other float64) {
	if len(samples) == 0 {
		return 0, 0
	}
	l := loadBetween(samples, samples[0].t, end)
	return l.CPU, l.OtherLoad
}

// PhaseLoad is how busy the two CPUs were over a stretch of time, in % of
// a core: the collector's own use of its CPU, everything else's use of it,
// and the generator's CPU, where sensesim and the OTLP sink run (with
// whatever else ran there), of which steal is the time the hypervisor gave
// another guest. It tells a collector short of CPU from one held back.
type PhaseLoad struct {
	CPU       float64 `json:"collector_cpu_percent"`
	OtherLoad float64 `json:"other_load_percent"`
	LoadBusy  float64 `json:"generator_cpu_busy_percent"`
	LoadSteal float64 `json:"generator_cpu_steal_percent"`
}

// loadBetween is the PhaseLoad from the last sample at or before from to
// the first at or after to (or the last sample). The CPUs' shares are 0
// when they were not sampled (unpinned), and everything is 0 when from is
// at or after the last sample (the sampler runs until the phase is drained,
// so the phases' seconds are always covered).
func loadBetween(samples []sample, from, to time.Time) PhaseLoad {
	if len(samples) < 2 {
		return PhaseLoad{}
	}
	i := 0
	for i+1 < len(samples) && !samples[i+1].t.After(from) {
		i++
	}
	j := len(samples) - 1
	for k := i + 1; k < len(samples); k++ {
		if !samples[k].t.Before(to) {
			j = k
			break
		}
	}
	first, last := samples[i], samples[j]
	wall := float64(last.t.Sub(first.t))
	if wall <= 0 {
		return PhaseLoad{}
	}
	own := last.cpu - first.cpu
	l := PhaseLoad{CPU: 100 * float64(own) / wall}
	if first.core > 0 && last.core > 0 {
		l.OtherLoad = max(0, 100*float64(last.core-first.core-own)/wall)
	}
	if first.load.Total > 0 && last.load.Total > 0 {
		// (A counter that went back, as steal can on some hypervisors, is
		// no load.)
		l.LoadBusy = max(0, 100*float64(last.load.Busy-first.load.Busy)/wall)
		l.LoadSteal = max(0, 100*float64(last.load.Steal-first.load.Steal)/wall)
	}
	return l
}

// drain waits until the session has want records, or has had none for
// QuietFor (counted from when sending stopped at the earliest), or MaxDrain
// passed since sendEnd.
func (r *Runner) drain(ctx context.Context, sess *Session, want int64, sendEnd time.Time) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		now := time.Now()
		if sess.Records() >= want {
			return
		}
		last := sess.LastDelivery()
		if last.Before(sendEnd) {
			last = sendEnd
		}
		if now.Sub(last) >= r.QuietFor || now.Sub(sendEnd) >= r.MaxDrain {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ---------------------------------------------------------------------------
// a step

// RunStep starts sys fresh, sends at rate for Window, waits for the sink,
// measures and stops the collector.
func (r *Runner) RunStep(ctx context.Context, sys *System, rate float64) (RunResult, []string, error) {
	sess := r.Sink.NewSession(false)
	defer r.Sink.EndSession(sess)
	c, err := r.startCollector(ctx, sys, sess)
	if err != nil {
		return RunResult{}, nil, err
	}
	defer c.stop()

	snmp0, _ := UDPCounters()
	smp := startSampler(c.pid, sess, r.CollectorCore, r.GeneratorCore)
	sum, err := r.send(ctx, c.udpPort, rate, r.Window, time.Now())
	sendEnd := time.Now()
	if err != nil {
		smp.stop()
		return RunResult{}, nil, err
	}
	r.drain(ctx, sess, sum.Sent, sendEnd)
	if err := ctx.Err(); err != nil {
		// Interrupted: the drain (or sensesim, on the terminal's Ctrl-C) was
		// cut short, so the counts are not the step's.
		smp.stop()
		return RunResult{}, nil, err
	}
	if err := c.exited(); err != nil {
		smp.stop()
		return RunResult{}, nil, fmt.Errorf("%s collector %w", sys.Name, err)
	}
	end := sess.LastDelivery()
	if end.Before(sendEnd) {
		end = sendEnd
	}
	// One more sample after end, so CPU covers the whole delivery.
	time.Sleep(110 * time.Millisecond)
	samples := smp.stop()

	res := RunResult{
		Sent:       sum.Sent,
		SendErrors: sum.Errors,
		SendRate:   sum.Rate,
		Delivered:  sess.Records(),
		Drain:      end.Sub(sendEnd),
	}
	res.CPU, res.OtherLoad = cpuPercent(samples, end)
	if _, hwm, err := ProcMem(c.pid); err == nil {
		res.PeakRSS = hwm
	}
	if f, err := ProcFileRSS(c.pid); err == nil {
		res.FileRSS = f
	}
	if st, err := UDPSocketStats(c.udpPort); err == nil {
		res.SocketDrops = st.Drops
	}
	if snmp1, err := UDPCounters(); err == nil && snmp0 != nil {
		res.RcvbufErrors = snmp1["RcvbufErrors"] - snmp0["RcvbufErrors"]
	}
	if m, err := c.metrics(); err == nil {
		res.Drops = DropCounters(m)
	} else {
		r.logf("  warning: could not scrape %s internal metrics: %v", sys.Name, err)
	}
	c.stop()
	res.SinkDuplicates, res.SinkMaxHandle = sess.Duplicates(), sess.MaxHandle()
	if err := sess.Errors(); err > 0 {
		r.logf("  warning: the sink could not read %d requests", err)
	}
	return res, c.logs.Matching("capped the socket receive buffer", "Could not set the socket receive buffer"), nil
}

// ---------------------------------------------------------------------------
// overload

// OverloadResult is the overload phase: HighRate for HighFor, then LowRate
// for LowFor, against one collector.
type OverloadResult struct {
	System   string        `json:"system"`
	HighRate float64       `json:"high_rate"`
	HighFor  time.Duration `json:"high_for_ns"`
	LowRate  float64       `json:"low_rate"`
	LowFor   time.Duration `json:"low_for_ns"`

	SentHigh     int64   `json:"sent_high"`
	SentLow      int64   `json:"sent_low"`
	AchievedHigh float64 `json:"achieved_high"`
	Delivered    int64   `json:"delivered"`

	PeakRSS     int64     `json:"peak_rss_bytes"`
	Ceiling     int64     `json:"memory_limiter_ceiling_bytes"`
	RSSBySecond []int64   `json:"rss_by_second_bytes"`
	SocketDrops int64     `json:"socket_drops"`
	Rcvbuf      int64     `json:"rcvbuf_errors"`
	Refused     float64   `json:"receiver_refused"`
	Drops       []Counter `json:"drop_counters"`

	// Per second of the low phase: the log events sensesim stamped with
	// that second (known exactly by replaying its generator) and those of
	// them that arrived (by the time they carry). User events carry no time
	// of their own, so they are only counted in total (UserSent,
	// UserDelivered, both phases).
	LowSent       []int64 `json:"low_log_sent_by_second"`
	LowDelivered  []int64 `json:"low_log_delivered_by_second"`
	UserSent      int64   `json:"user_events_sent"`
	UserDelivered int64   `json:"user_events_delivered"`
	// RecoveredAfter is the first second of the low phase from which every
	// second is lossless; -1 if the phase never became lossless.
	RecoveredAfter int    `json:"recovered_after_s"`
	Note           string `json:"note,omitempty"`

	SinkDuplicates int64         `json:"sink_duplicate_requests"`
	SinkMaxHandle  time.Duration `json:"sink_max_handle_ns"`
	// OtherLoad is the use of the collector's core by anything else, in %.
	OtherLoad float64 `json:"other_load_percent"`
	// Pinned says whether the CPUs were pinned, so that HighLoad and
	// LowLoad's CPU shares were measured.
	Pinned bool `json:"pinned"`
	// SinkPinned says whether the sink ran on the generator's CPU too.
	SinkPinned bool `json:"sink_pinned"`
	// HighLoad is how busy the CPUs were in the high phase; LowLoad, in
	// each second of the low phase (as LowSent).
	HighLoad PhaseLoad   `json:"high_phase_load"`
	LowLoad  []PhaseLoad `json:"low_load_by_second,omitempty"`
}

// SensesimTZ is the site time zone the harness gives sensesim (its
// default), so ExpectedSchedule can replay the generator.
const SensesimTZ = "+0100"

// ExpectedSchedule replays what `sensesim udp -kinds all -seed seed
// -tz-offset SensesimTZ -start start -rate rate` generated as its first n
// events: the log events per whole second of their stamped time (relative
// to start; events past the last second count in it) and the count of
// every kind (as sensesim's summary names them), to check the replay
// against the summary.
func ExpectedSchedule(seed uint64, start time.Time, rate float64, n int64, seconds int) ([]int64, map[string]int64, error) {
	loc, err := sensesim.ParseTZOffset(SensesimTZ)
	if err != nil {
		return nil, nil, err
	}
	kinds, err := sensesim.ParseKinds("all")
	if err != nil {
		return nil, nil, err
	}
	gen, err := sensesim.NewGenerator(seed, sensesim.Options{
		Start:    start,
		Location: loc,
		Interval: time.Duration(float64(time.Second) / rate),
		Weights:  sensesim.DefaultWeights().Only(kinds...),
	})
	if err != nil {
		return nil, nil, err
	}
	origin := start.Round(0).Truncate(time.Millisecond)
	perSecond := make([]int64, seconds)
	byKind := map[string]int64{}
	for range n {
		ev := gen.Next()
		byKind[ev.Kind.String()]++
		if ev.Kind.IsUserEvent() || seconds == 0 {
			continue
		}
		k := int(ev.Time.Sub(origin) / time.Second)
		perSecond[min(max(k, 0), seconds-1)]++
	}
	return perSecond, byKind, nil
}

func sameCounts(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Recovery returns the first index from which every bucket is lossless
// (delivered at least (1 - LosslessLoss %) of sent), or -1.
func Recovery(sent, delivered []int64) int {
	first := -1
	for k := len(sent) - 1; k >= 0; k-- {
		if float64(delivered[k]) < float64(sent[k])*(1-LosslessLoss/100) {
			break
		}
		first = k
	}
	return first
}

// Overload runs the overload phase against sys.
func (r *Runner) Overload(ctx context.Context, sys *System, high, low float64, highFor, lowFor time.Duration, ceiling int64) (OverloadResult, error) {
	res := OverloadResult{System: sys.Name, HighRate: high, HighFor: highFor, LowRate: low, LowFor: lowFor, Ceiling: ceiling}
	sess := r.Sink.NewSession(true)
	defer r.Sink.EndSession(sess)
	c, err := r.startCollector(ctx, sys, sess)
	if err != nil {
		return res, err
	}
	defer c.stop()
	snmp0, _ := UDPCounters()
	smp := startSampler(c.pid, sess, r.CollectorCore, r.GeneratorCore)

	highStart := time.Now()
	hi, err := r.send(ctx, c.udpPort, high, highFor, highStart)
	if err != nil {
		smp.stop()
		return res, err
	}
	lowStart := time.Now().Truncate(time.Millisecond)
	lo, err := r.send(ctx, c.udpPort, low, lowFor, lowStart)
	sendEnd := time.Now()
	if err != nil {
		smp.stop()
		return res, err
	}
	r.drain(ctx, sess, hi.Sent+lo.Sent, sendEnd)
	samples := smp.stop()
	if err := ctx.Err(); err != nil {
		return res, err // interrupted: the counts are not the phase's
	}
	if err := c.exited(); err != nil {
		return res, fmt.Errorf("%s collector %w", sys.Name, err)
	}

	res.SentHigh, res.SentLow, res.AchievedHigh = hi.Sent, lo.Sent, hi.Rate
	_, res.OtherLoad = cpuPercent(samples, time.Now())
	res.Pinned = r.CollectorCore >= 0 && r.GeneratorCore >= 0
	res.SinkPinned = res.Pinned && r.SinkPinned
	res.HighLoad = loadBetween(samples, highStart, lowStart)
	res.Delivered = sess.Records()
	res.SinkDuplicates, res.SinkMaxHandle = sess.Duplicates(), sess.MaxHandle()
	if _, hwm, err := ProcMem(c.pid); err == nil {
		res.PeakRSS = hwm
	}
	if st, err := UDPSocketStats(c.udpPort); err == nil {
		res.SocketDrops = st.Drops
	}
	if snmp1, err := UDPCounters(); err == nil && snmp0 != nil {
		res.Rcvbuf = snmp1["RcvbufErrors"] - snmp0["RcvbufErrors"]
	}
	if m, err := c.metrics(); err == nil {
		res.Drops = DropCounters(m)
		res.Refused, _ = SumMetric(m, "otelcol_receiver_refused_log_records", nil)
	} else {
		r.logf("  warning: could not scrape %s internal metrics: %v", sys.Name, err)
	}
	c.stop()

	// RSS per second of the whole phase.
	if len(samples) > 0 {
		t0 := samples[0].t
		for _, s := range samples {
			k := int(s.t.Sub(t0) / time.Second)
			for len(res.RSSBySecond) <= k {
				res.RSSBySecond = append(res.RSSBySecond, 0)
			}
			res.RSSBySecond[k] = max(res.RSSBySecond[k], s.rss)
		}
	}

	for _, sum := range []SensesimSummary{hi, lo} {
		for k, v := range sum.ByKind {
			if k == "proxy-session" || k == "proxy-connection" {
				res.UserSent += v
			}
		}
	}
	res.UserDelivered = sess.CountBetween(time.Unix(0, 0), time.Now().Add(time.Hour), false)

	secs := int(lowFor / time.Second)
	expected, byKind, err := ExpectedSchedule(r.Seed, lowStart, low, lo.Sent, secs)
	if err != nil {
		return res, err
	}
	if !sameCounts(byKind, lo.ByKind) {
		// cmd/sensesim builds its generator differently from the replay:
		// the per-second check would be wrong.
		res.Note = fmt.Sprintf("replaying sensesim's generator gave %v, sensesim sent %v: per-second check skipped", byKind, lo.ByKind)
		res.RecoveredAfter = -1
		return res, nil
	}
	res.LowSent = expected
	res.LowDelivered = make([]int64, secs)
	for k := range secs {
		from := lowStart.Add(time.Duration(k) * time.Second)
		to := from.Add(time.Second)
		if k == secs-1 {
			to = to.Add(time.Hour) // as ExpectedSchedule
		}
		res.LowDelivered[k] = sess.CountBetween(from, to, true)
		res.LowLoad = append(res.LowLoad, loadBetween(samples, from, from.Add(time.Second)))
	}
	res.RecoveredAfter = Recovery(res.LowSent, res.LowDelivered)
	return res, nil
}

// ---------------------------------------------------------------------------

// capBuffer keeps the first 256 KiB and the last 32 KiB of a process's
// output.
type capBuffer struct {
	mu   sync.Mutex
	head bytes.Buffer
	tail []byte
	cut  bool
}

const (
	capHead = 256 << 10
	capTail = 32 << 10
)

func newCapBuffer() *capBuffer { return &capBuffer{} }

func (b *capBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	if room := capHead - b.head.Len(); room > 0 {
		k := min(room, len(p))
		b.head.Write(p[:k])
		p = p[k:]
	}
	if len(p) > 0 {
		b.cut = true
		b.tail = append(b.tail, p...)
		if len(b.tail) > capTail {
			b.tail = append(b.tail[:0], b.tail[len(b.tail)-capTail:]...)
		}
	}
	return n, nil
}

func (b *capBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.cut {
		return b.head.String()
	}
	return b.head.String() + "\n[...]\n" + string(b.tail)
}

func (b *capBuffer) Contains(s string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Contains(b.head.Bytes(), []byte(s)) || bytes.Contains(b.tail, []byte(s))
}

// shortLogLine turns a collector console log line (time, level, caller,
// message, JSON fields; tab-separated) into "level: message {fields}",
// at most 300 bytes.
func shortLogLine(line string) string {
	f := strings.Split(strings.TrimSpace(line), "\t")
	if len(f) >= 4 {
		line = f[1] + ": " + strings.Join(f[3:], " ")
	}
	if len(line) > 300 {
		line = line[:297] + "..."
	}
	return line
}

// Matching returns the distinct output lines containing any of words (case
// insensitive), at most 5.
func (b *capBuffer) Matching(words ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(b.String(), "\n") {
		l := strings.ToLower(line)
		for _, w := range words {
			if strings.Contains(l, strings.ToLower(w)) && !seen[line] {
				seen[line] = true
				out = append(out, shortLogLine(line))
				break
			}
		}
		if len(out) == 5 {
			break
		}
	}
	return out
}
