package sensesim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"runtime"
	"strings"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
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

// Sink delivers one generated event, e.g. to stdout for a dry run.
type Sink func(Event) error

// A BatchSink takes events and sends them at Flush, many in one system call
// where the platform allows (*UDPSender: sendmmsg on Linux). A system call
// per datagram costs about as much as generating the event: sensesim alone
// on one core of the build machine, 4 s at full speed, sent 59,600 and
// 62,500 events/s that way and 71,400 and 81,500/s in batches (alternating
// runs; the machine is noisy).
type BatchSink interface {
	// Add takes an event to send at the next Flush.
	Add(ev Event)
	// Flush sends what Add took since the last Flush, in order, and calls
	// done for each event with its send's error (nil when it was sent).
	Flush(done func(ev Event, err error))
}

// eachSink is a BatchSink that sends every event as it is added.
type eachSink struct {
	send   Sink
	events []Event
	errs   []error
}

func (s *eachSink) Add(ev Event) {
	s.events = append(s.events, ev)
	s.errs = append(s.errs, s.send(ev))
}

func (s *eachSink) Flush(done func(Event, error)) {
	for i, ev := range s.events {
		done(ev, s.errs[i])
	}
	clear(s.events)
	s.events, s.errs = s.events[:0], s.errs[:0]
}

// Run generates events from gen and hands them to sink one at a time, paced
// per cfg; see RunBatched.
func Run(ctx context.Context, gen *Generator, cfg RunConfig, sink Sink) (Stats, error) {
	if sink == nil {
		return Stats{}, errors.New("sensesim: Run needs a generator and a sink")
	}
	return RunBatched(ctx, gen, cfg, &eachSink{send: sink})
}

// RunBatched generates events from gen and hands them to sink, paced per
// cfg: the events due at each tick are added, then flushed together. It
// returns when Count or Duration is reached or ctx is done; cancellation is
// a normal way to stop and is not reported as an error. Send failures are
// counted in Stats, not returned.
func RunBatched(ctx context.Context, gen *Generator, cfg RunConfig, sink BatchSink) (Stats, error) {
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
		attempted++
		sink.Add(gen.Next())
	}
	done := func(ev Event, err error) {
		if err != nil {
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
		sink.Flush(done)
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
// (possibly the same), one datagram per event, many per system call. It is
// a BatchSink.
type UDPSender struct {
	log, user *udpTarget // the same target when both addresses are
}

// udpTarget is a connected socket and the events waiting for it.
type udpTarget struct {
	conn   *net.UDPConn
	batch  batchWriter
	events []Event
	msgs   []ipv4.Message // the events' payloads, reused by every flush
}

// batchWriter is ipv4.PacketConn or ipv6.PacketConn (sendmmsg) on Linux and
// a connWriter elsewhere.
type batchWriter interface {
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// batchSends is whether x/net's WriteBatch sends: on Linux with sendmmsg.
// Elsewhere it sends one datagram per call through x/net's sendmsg, which on
// Windows is not implemented (every send fails), so a plain Write is used.
const batchSends = runtime.GOOS == "linux"

// connWriter sends one datagram per Write: the batchWriter off Linux.
type connWriter struct{ conn *net.UDPConn }

func (w connWriter) WriteBatch(ms []ipv4.Message, _ int) (int, error) {
	for i := range ms {
		if _, err := w.conn.Write(ms[i].Buffers[0]); err != nil {
			return i, err
		}
	}
	return len(ms), nil
}

// maxBatch is the most datagrams per system call (Linux takes up to 1024).
const maxBatch = 256

func dialTarget(addr *net.UDPAddr, batched bool) (*udpTarget, error) {
	conn, err := net.DialUDP("udp", nil, addr)
	if err != nil {
		return nil, err
	}
	t := &udpTarget{conn: conn}
	switch {
	case !batched:
		t.batch = connWriter{conn}
	case addr.IP.To4() != nil:
		t.batch = ipv4.NewPacketConn(conn)
	default:
		t.batch = ipv6.NewPacketConn(conn)
	}
	return t, nil
}

// NewUDPSender resolves and connects to the two targets ("host:port").
// An empty userTarget means the same as logTarget.
func NewUDPSender(logTarget, userTarget string) (*UDPSender, error) {
	return newUDPSender(logTarget, userTarget, batchSends)
}

// newUDPSender is NewUDPSender, sending with WriteBatch when batched.
func newUDPSender(logTarget, userTarget string, batched bool) (*UDPSender, error) {
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
	if s.log, err = dialTarget(logAddr, batched); err != nil {
		return nil, fmt.Errorf("sensesim: log target %q: %w", logTarget, err)
	}
	if userAddr.String() == logAddr.String() {
		s.user = s.log
	} else if s.user, err = dialTarget(userAddr, batched); err != nil {
		s.log.conn.Close()
		return nil, fmt.Errorf("sensesim: user target %q: %w", userTarget, err)
	}
	return s, nil
}

// Add queues ev's payload for the target of its kind.
func (s *UDPSender) Add(ev Event) {
	t := s.log
	if ev.Kind.IsUserEvent() {
		t = s.user
	}
	t.events = append(t.events, ev)
}

// Flush sends the queued datagrams. On a connected UDP socket a previous
// ICMP "port unreachable" surfaces as "connection refused" (nothing
// listening at the target) on one datagram; the others are still sent, as
// separate sends would be.
func (s *UDPSender) Flush(done func(Event, error)) {
	s.log.flush(done)
	if s.user != s.log {
		s.user.flush(done)
	}
}

func (t *udpTarget) flush(done func(Event, error)) {
	for len(t.msgs) < len(t.events) {
		t.msgs = append(t.msgs, ipv4.Message{Buffers: make([][]byte, 1)})
	}
	for i, ev := range t.events {
		t.msgs[i].Buffers[0] = ev.Payload
	}
	for i := 0; i < len(t.events); {
		end := min(len(t.events), i+maxBatch)
		n, err := t.batch.WriteBatch(t.msgs[i:end], 0)
		// When the first datagram fails, sendmmsg returns -1 with the error,
		// and x/net passes the -1 on.
		n = max(0, min(n, end-i))
		for _, ev := range t.events[i : i+n] {
			done(ev, nil)
		}
		i += n
		if err == nil && n == 0 {
			err = io.ErrShortWrite // never expected; do not spin
		}
		if err != nil && i < end {
			done(t.events[i], err) // the datagram the call stopped at
			i++
		}
	}
	for i := range t.events {
		t.msgs[i].Buffers[0] = nil // no payload kept past the flush
	}
	clear(t.events)
	t.events = t.events[:0]
}

// Close closes the sockets.
func (s *UDPSender) Close() error {
	err := s.log.conn.Close()
	if s.user != s.log {
		err = errors.Join(err, s.user.conn.Close())
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
	return RunBatched(ctx, gen, cfg, s)
}
