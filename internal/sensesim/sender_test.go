package sensesim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/ipv4"
)

// udpSink is a UDP listener on 127.0.0.1 that collects datagrams.
type udpSink struct {
	conn *net.UDPConn
	mu   sync.Mutex
	got  []string
	done chan struct{}
}

func newUDPSink(t *testing.T) *udpSink {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.1: %v", err)
	}
	_ = c.SetReadBuffer(4 << 20)
	s := &udpSink{conn: c, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 65536)
		for {
			n, _, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			s.mu.Lock()
			s.got = append(s.got, string(buf[:n]))
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		c.Close()
		<-s.done
	})
	return s
}

func (s *udpSink) addr() string { return s.conn.LocalAddr().String() }

// wait returns the datagrams once n have arrived or after a generous
// deadline (a safety net only; the test asserts on counts, not on time).
func (s *udpSink) wait(n int) []string {
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		got := len(s.got)
		s.mu.Unlock()
		if got >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // catch any surplus datagrams
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

func TestSendUDP(t *testing.T) {
	tests := []struct {
		name      string
		kinds     []Kind
		splitUser bool
		rate      float64
		count     int64
	}{
		{"all kinds one port", AllKinds(), false, 5000, 400},
		{"all kinds two ports", AllKinds(), true, 5000, 400},
		{"user events only", UserKinds(), true, 5000, 150},
		{"log events only", LogKinds(), true, 5000, 150},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logSink := newUDPSink(t)
			userSink := logSink
			userTarget := ""
			if tt.splitUser {
				userSink = newUDPSink(t)
				userTarget = userSink.addr()
			}
			opts := Options{Weights: DefaultWeights().Only(tt.kinds...)}
			gen := mustGen(t, 42, opts)
			st, err := SendUDP(context.Background(), gen, logSink.addr(), userTarget, RunConfig{Rate: tt.rate, Count: tt.count, Tick: time.Millisecond})
			if err != nil {
				t.Fatalf("SendUDP: %v", err)
			}
			if st.Sent.Total() != uint64(tt.count) || st.Errors.Total() != 0 {
				t.Fatalf("sent %d, errors %d (%v), want %d sent", st.Sent.Total(), st.Errors.Total(), st.LastError, tt.count)
			}

			// What should have arrived where: replay the same seed.
			want := map[*udpSink][]string{}
			var wantCounts Counts
			replay := mustGen(t, 42, opts)
			var bytes uint64
			for i := int64(0); i < tt.count; i++ {
				ev := replay.Next()
				wantCounts[ev.Kind]++
				bytes += uint64(len(ev.Payload))
				s := logSink
				if ev.Kind.IsUserEvent() {
					s = userSink
				}
				want[s] = append(want[s], string(ev.Payload))
			}
			if st.Sent != wantCounts || st.Bytes != bytes {
				t.Errorf("stats %v / %d bytes, want %v / %d bytes", st.Sent, st.Bytes, wantCounts, bytes)
			}
			for s, w := range want {
				got := s.wait(len(w))
				sort.Strings(got)
				sort.Strings(w)
				if len(got) != len(w) {
					t.Fatalf("received %d datagrams at %s, want %d", len(got), s.addr(), len(w))
				}
				for i := range w {
					if got[i] != w[i] {
						t.Fatalf("datagram mismatch at %s:\n got %q\nwant %q", s.addr(), got[i], w[i])
					}
				}
				for _, d := range got {
					if strings.HasSuffix(d, "\n") {
						t.Fatalf("datagram has a trailing newline: %q", d)
					}
					isUser := strings.HasPrefix(d, "/qseow-proxy-session/") || strings.HasPrefix(d, "/qseow-proxy-connection/")
					if tt.splitUser && isUser != (s == userSink) {
						t.Fatalf("datagram at the wrong target %s: %q", s.addr(), d)
					}
				}
			}
		})
	}
}

func TestRunCounts(t *testing.T) {
	tests := []struct {
		name     string
		cfg      RunConfig
		wantSent int
	}{
		{"max rate count", RunConfig{Rate: 0, Count: 1000}, 1000},
		{"max rate count not multiple of batch", RunConfig{Rate: 0, Count: 257}, 257},
		{"paced count", RunConfig{Rate: 2000, Count: 50}, 50},
		{"paced single", RunConfig{Rate: 10, Count: 1}, 1},
		{"duration bounds count", RunConfig{Rate: 200, Duration: 100 * time.Millisecond}, 20},
		{"duration fractional", RunConfig{Rate: 30, Duration: 110 * time.Millisecond}, 4},
		{"count before duration", RunConfig{Rate: 1000, Count: 7, Duration: time.Hour}, 7},
		{"duration before count", RunConfig{Rate: 100, Count: 1000, Duration: 50 * time.Millisecond}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gen := mustGen(t, 1, Options{})
			var seen []Event
			st, err := Run(context.Background(), gen, tt.cfg, func(ev Event) error {
				seen = append(seen, ev)
				return nil
			})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if int(st.Sent.Total()) != tt.wantSent || len(seen) != tt.wantSent {
				t.Fatalf("sent %d (sink saw %d), want %d", st.Sent.Total(), len(seen), tt.wantSent)
			}
		})
	}
}

func TestRunSinkErrors(t *testing.T) {
	gen := mustGen(t, 1, Options{})
	n := 0
	boom := errors.New("boom")
	st, err := Run(context.Background(), gen, RunConfig{Count: 30}, func(Event) error {
		n++
		if n%3 == 0 {
			return boom
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if st.Sent.Total() != 20 || st.Errors.Total() != 10 || !errors.Is(st.LastError, boom) {
		t.Fatalf("sent %d errors %d last %v", st.Sent.Total(), st.Errors.Total(), st.LastError)
	}
	if !strings.Contains(st.String(), "10 errors") {
		t.Errorf("summary %q", st.String())
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	tests := []struct {
		name string
		rate float64
	}{
		{"paced", 500},
		{"max rate", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			gen := mustGen(t, 1, Options{})
			var n int
			st, err := Run(ctx, gen, RunConfig{Rate: tt.rate}, func(Event) error {
				n++
				if n == 100 {
					cancel()
				}
				return nil
			})
			if err != nil {
				t.Fatalf("Run after cancel: %v", err)
			}
			if st.Sent.Total() < 100 || int(st.Sent.Total()) != n {
				t.Fatalf("sent %d, sink saw %d", st.Sent.Total(), n)
			}
		})
	}
	// Already cancelled: nothing is sent.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st, err := Run(ctx, mustGen(t, 1, Options{}), RunConfig{Rate: 10}, func(Event) error { return nil })
	if err != nil || st.Sent.Total() != 0 {
		t.Fatalf("pre-cancelled run: sent %d, err %v", st.Sent.Total(), err)
	}
}

func TestRunProgress(t *testing.T) {
	gen := mustGen(t, 1, Options{})
	calls := 0
	_, err := Run(context.Background(), gen, RunConfig{
		Rate: 1000, Count: 60, ProgressEvery: time.Millisecond,
		Progress: func(s Stats) {
			calls++
			if s.Sent.Total() > 60 {
				t.Errorf("progress reports %d sent", s.Sent.Total())
			}
		},
	}, func(Event) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 {
		t.Error("progress callback never called")
	}
}

func TestRunInvalidConfig(t *testing.T) {
	gen := mustGen(t, 1, Options{})
	ok := func(Event) error { return nil }
	tests := []struct {
		name string
		gen  *Generator
		cfg  RunConfig
		sink Sink
	}{
		{"negative rate", gen, RunConfig{Rate: -1}, ok},
		{"negative count", gen, RunConfig{Count: -1}, ok},
		{"negative duration", gen, RunConfig{Duration: -time.Second}, ok},
		{"nil sink", gen, RunConfig{}, nil},
		{"nil generator", nil, RunConfig{}, ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Run(context.Background(), tt.gen, tt.cfg, tt.sink); err == nil {
				t.Fatal("Run succeeded, want error")
			}
		})
	}
}

func TestNewUDPSenderErrors(t *testing.T) {
	tests := []struct{ log, user string }{
		{"not-an-address", ""},
		{"127.0.0.1:9996", "127.0.0.1:notaport"},
	}
	for _, tt := range tests {
		if s, err := NewUDPSender(tt.log, tt.user); err == nil {
			s.Close()
			t.Errorf("NewUDPSender(%q, %q) succeeded", tt.log, tt.user)
		}
	}
}

// stallingWriter sends at most perCall datagrams a call and fails the one at
// failAt (counted over all calls), as a refused send stops sendmmsg. With
// minusOne, a call that fails on its first datagram returns -1, as x/net's
// WriteBatch does on Linux (sendmmsg's return value).
type stallingWriter struct {
	perCall, failAt int
	minusOne        bool
	sent            []string
}

func (w *stallingWriter) WriteBatch(ms []ipv4.Message, _ int) (int, error) {
	n := 0
	for _, m := range ms {
		if n == w.perCall {
			break
		}
		if len(w.sent) == w.failAt {
			w.failAt = -1 // once
			if n == 0 && w.minusOne {
				return -1, syscall.ECONNREFUSED
			}
			return n, syscall.ECONNREFUSED
		}
		w.sent = append(w.sent, string(m.Buffers[0]))
		n++
	}
	return n, nil
}

// TestUDPTargetFlush: every queued datagram is reported once, in order; a
// refused one is counted as an error and the ones after it are still sent,
// as separate sends would be; short writes (one datagram per call, as off
// Linux) are resumed.
func TestUDPTargetFlush(t *testing.T) {
	tests := []struct {
		name            string
		perCall, failAt int
		minusOne        bool
	}{
		{"one call", maxBatch, -1, false},
		{"one datagram per call", 1, -1, false},
		{"refused in the middle", maxBatch, 3, false},
		{"refused first", 2, 0, false},
		{"refused last", 2, 6, false},
		{"refused first, -1 as from sendmmsg", maxBatch, 0, true},
		{"refused at a call's start, -1 as from sendmmsg", 2, 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &stallingWriter{perCall: tt.perCall, failAt: tt.failAt, minusOne: tt.minusOne}
			tgt := &udpTarget{batch: w}
			s := &UDPSender{log: tgt, user: tgt}
			var want []string
			for i := 0; i < 7; i++ {
				p := fmt.Sprintf("/qseow-engine/;%d", i)
				want = append(want, p)
				s.Add(Event{Kind: KindEngine, Payload: []byte(p)})
			}
			var order []string
			errs := 0
			s.Flush(func(ev Event, err error) {
				order = append(order, string(ev.Payload))
				if err != nil {
					errs++
				}
			})
			if !slices.Equal(order, want) {
				t.Errorf("reported %q, want each datagram once, in order: %q", order, want)
			}
			if tt.failAt >= 0 {
				if errs != 1 || len(w.sent) != 6 || slices.Contains(w.sent, want[tt.failAt]) {
					t.Errorf("%d errors, sent %q; want 1 error and all but %q sent", errs, w.sent, want[tt.failAt])
				}
			} else if errs != 0 || !slices.Equal(w.sent, want) {
				t.Errorf("%d errors, sent %q; want all sent", errs, w.sent)
			}
			// The queue is empty afterwards, and reused.
			s.Flush(func(Event, error) { t.Error("a datagram reported twice") })
			s.Add(Event{Kind: KindEngine, Payload: []byte("again")})
			var again []string
			s.Flush(func(ev Event, err error) { again = append(again, string(ev.Payload)) })
			if !slices.Equal(again, []string{"again"}) {
				t.Errorf("after a reuse, reported %q", again)
			}
		})
	}
}

// TestSendUDPSockets sends through real sockets both ways a target can
// send (WriteBatch, as on Linux; one Write per datagram, as elsewhere), over
// IPv4 and IPv6, to a listener and to a port nothing listens on: every
// event is counted once, as sent or as an error, and a refused target does
// not stop the run.
func TestSendUDPSockets(t *testing.T) {
	for _, batch := range []bool{true, false} {
		for _, network := range []string{"udp4", "udp6"} {
			for _, listening := range []bool{true, false} {
				name := fmt.Sprintf("batch=%v/%s/listening=%v", batch, network, listening)
				t.Run(name, func(t *testing.T) {
					ip := net.IPv4(127, 0, 0, 1)
					if network == "udp6" {
						ip = net.IPv6loopback
					}
					c, err := net.ListenUDP(network, &net.UDPAddr{IP: ip})
					if err != nil {
						t.Skipf("cannot listen on %s: %v", ip, err)
					}
					addr := c.LocalAddr().String()
					var got int
					done := make(chan struct{})
					if listening {
						_ = c.SetReadBuffer(4 << 20)
						go func() {
							defer close(done)
							buf := make([]byte, 65536)
							for {
								if _, _, err := c.ReadFromUDP(buf); err != nil {
									return
								}
								got++
							}
						}()
					} else {
						c.Close() // the port answers "port unreachable"
						close(done)
					}
					const count = 300
					sender, err := newUDPSender(addr, "", batch)
					if err != nil {
						t.Fatal(err)
					}
					defer sender.Close()
					st, err := RunBatched(context.Background(), mustGen(t, 1, Options{}), RunConfig{Rate: 3000, Count: count, Tick: time.Millisecond}, sender)
					if err != nil {
						t.Fatalf("RunBatched: %v", err)
					}
					if st.Sent.Total()+st.Errors.Total() != count {
						t.Fatalf("sent %d + errors %d, want %d in all", st.Sent.Total(), st.Errors.Total(), count)
					}
					if listening {
						if st.Errors.Total() != 0 {
							t.Fatalf("%d errors (last %v) sending to a listener", st.Errors.Total(), st.LastError)
						}
						time.Sleep(100 * time.Millisecond)
						c.Close()
						<-done
						if got != count {
							t.Errorf("received %d datagrams, want %d", got, count)
						}
					} else if runtime.GOOS == "linux" && st.Errors.Total() == 0 {
						t.Errorf("no send to a closed loopback port failed: %v", st)
					}
				})
			}
		}
	}
}
