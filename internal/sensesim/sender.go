package sensesim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"time"
)

// Counts holds one counter per Kind.
type Counts [NumKinds]uint64

// Total returns the sum over all kinds.
func (c Counts) Total() uint64 {
	var t uint64
	for _, v := range c {
		t += v
	}
	return t
}

// String formats the non-zero counters as "qix-perf=12 proxy-session=3"
// in canonical kind order ("none" if all are zero).
func (c Counts) String() string {
	var parts []string
	for _, k := range AllKinds() {
		if c[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, c[k]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// Stats reports what Run sent.
type Stats struct {
	Sent      Counts        // datagrams handed to the sink without error
	Errors    Counts        // datagrams whose send failed
	Bytes     uint64        // payload bytes sent
	Elapsed   time.Duration // wall time since Run started
	LastError error         // most recent send error, if any
}

// Rate returns the achieved send rate in events per second.
func (s Stats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Sent.Total()) / s.Elapsed.Seconds()
}

// String is a one-line summary, e.g.
// "sent 200 datagrams (61234 bytes) in 10s (20.0/s), 0 errors: engine=12 qix-perf=120 ...".
func (s Stats) String() string {
	line := fmt.Sprintf("sent %d datagrams (%d bytes) in %s (%.1f/s), %d errors: %s",
		s.Sent.Total(), s.Bytes, s.Elapsed.Round(time.Millisecond), s.Rate(), s.Errors.Total(), s.Sent)
	if s.Errors.Total() > 0 {
		line += fmt.Sprintf("; errors by kind: %s; last error: %v", s.Errors, s.LastError)
	}
	return line
}

// RunConfig controls pacing and stopping for Run.
type RunConfig struct {
	// Rate is the target number of events per second; 0 sends as fast as
	// possible.
	Rate float64
	// Count stops after this many events (sent or failed); 0 = unlimited.
	Count int64
	// Duration stops after this much wall time; 0 = unlimited. With a
	// positive Rate exactly ceil(Rate*Duration) events are attempted unless
	// Count or the context stop earlier.
	Duration time.Duration
	// Tick is the pacing granularity: every Tick the events that became due
	// are sent as one batch. 0 means 5ms.
	Tick time.Duration
	// Progress, if set, is called from Run's goroutine about every
	// ProgressEvery (default 5s) with a snapshot of the counters.
	Progress      func(Stats)
	ProgressEvery time.Duration
}

// Sink delivers one generated event, e.g. (*UDPSender).Send.
type Sink func(Event) error

// Run generates events from gen and hands them to sink, paced per cfg. It
// returns when Count or Duration is reached or ctx is done; cancellation is
// a normal way to stop and is not reported as an error. Send failures are
// counted in Stats, not returned.
func Run(ctx context.Context, gen *Generator, cfg RunConfig, sink Sink) (Stats, error) {
	if gen == nil || sink == nil {
		return Stats{}, errors.New("sensesim: Run needs a generator and a sink")
	}
	if cfg.Rate < 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0) {
		return Stats{}, fmt.Errorf("sensesim: invalid rate %v", cfg.Rate)
	}
	if cfg.Count < 0 || cfg.Duration < 0 {
		return Stats{}, errors.New("sensesim: count and duration must be >= 0")
	}
	tick := cfg.Tick
	if tick <= 0 {
		tick = 5 * time.Millisecond
	}
	progressEvery := cfg.ProgressEvery
	if progressEvery <= 0 {
		progressEvery = 5 * time.Second
	}

	// limit is the total number of events to attempt (-1 = unlimited).
	limit := int64(-1)
	if cfg.Count > 0 {
		limit = cfg.Count
	}
	if cfg.Rate > 0 && cfg.Duration > 0 {
		// Event i is scheduled at i/Rate; those before Duration are sent.
		n := int64(math.Ceil(cfg.Rate*cfg.Duration.Seconds() - 1e-9))
		if limit < 0 || n < limit {
			limit = n
		}
	}

	var st Stats
	var attempted int64
	begin := time.Now()
	lastProgress := begin
	send := func() {
		ev := gen.Next()
		attempted++
		if err := sink(ev); err != nil {
			st.Errors[ev.Kind]++
			st.LastError = err
			return
		}
		st.Sent[ev.Kind]++
		st.Bytes += uint64(len(ev.Payload))
	}

	var ticker *time.Ticker
	if cfg.Rate > 0 {
		ticker = time.NewTicker(tick)
		defer ticker.Stop()
	}
	for ctx.Err() == nil {
		now := time.Now()
		elapsed := now.Sub(begin)
		durationUp := cfg.Duration > 0 && elapsed >= cfg.Duration
		if cfg.Rate > 0 {
			e := elapsed
			if cfg.Duration > 0 && e > cfg.Duration {
				e = cfg.Duration
			}
			due := int64(cfg.Rate*e.Seconds()) + 1 // event 0 is due at once
			if limit >= 0 && due > limit {
				due = limit
			}
			for attempted < due {
				send()
			}
		} else if !durationUp {
			// As fast as possible, in batches so cancellation is noticed.
			for i := 0; i < 256 && (limit < 0 || attempted < limit); i++ {
				send()
			}
		}
		if now.Sub(lastProgress) >= progressEvery && cfg.Progress != nil {
			lastProgress = now
			snap := st
			snap.Elapsed = time.Since(begin)
			cfg.Progress(snap)
		}
		if (limit >= 0 && attempted >= limit) || durationUp {
			break
		}
		if ticker != nil {
			select {
			case <-ctx.Done():
			case <-ticker.C:
			}
		}
	}
	st.Elapsed = time.Since(begin)
	return st, nil
}

// UDPSender sends log events to one UDP address and user events to another
// (possibly the same), one datagram per event.
type UDPSender struct {
	logConn, userConn *net.UDPConn
}

// NewUDPSender resolves and connects to the two targets ("host:port").
// An empty userTarget means the same as logTarget.
func NewUDPSender(logTarget, userTarget string) (*UDPSender, error) {
	if userTarget == "" {
		userTarget = logTarget
	}
	logAddr, err := net.ResolveUDPAddr("udp", logTarget)
	if err != nil {
		return nil, fmt.Errorf("sensesim: log target %q: %w", logTarget, err)
	}
	userAddr, err := net.ResolveUDPAddr("udp", userTarget)
	if err != nil {
		return nil, fmt.Errorf("sensesim: user target %q: %w", userTarget, err)
	}
	s := &UDPSender{}
	if s.logConn, err = net.DialUDP("udp", nil, logAddr); err != nil {
		return nil, fmt.Errorf("sensesim: log target %q: %w", logTarget, err)
	}
	if userAddr.String() == logAddr.String() {
		s.userConn = s.logConn
	} else if s.userConn, err = net.DialUDP("udp", nil, userAddr); err != nil {
		s.logConn.Close()
		return nil, fmt.Errorf("sensesim: user target %q: %w", userTarget, err)
	}
	return s, nil
}

// Send writes ev.Payload as one datagram to the target for its kind. On a
// connected UDP socket a previous ICMP "port unreachable" surfaces here as
// "connection refused" (nothing listening at the target).
func (s *UDPSender) Send(ev Event) error {
	c := s.logConn
	if ev.Kind.IsUserEvent() {
		c = s.userConn
	}
	_, err := c.Write(ev.Payload)
	return err
}

// Close closes the sockets.
func (s *UDPSender) Close() error {
	err := s.logConn.Close()
	if s.userConn != s.logConn {
		err = errors.Join(err, s.userConn.Close())
	}
	return err
}

// SendUDP is a convenience wrapper: it sends gen's events to logTarget and
// userTarget (empty = logTarget) per cfg and returns the counters.
func SendUDP(ctx context.Context, gen *Generator, logTarget, userTarget string, cfg RunConfig) (Stats, error) {
	s, err := NewUDPSender(logTarget, userTarget)
	if err != nil {
		return Stats{}, err
	}
	defer s.Close()
	return Run(ctx, gen, cfg, s.Send)
}
