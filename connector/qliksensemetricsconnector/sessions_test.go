package qliksensemetricsconnector

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/senseops/senseops-collector/connector/qliksensemetricsconnector/internal/metadatatest"
	"github.com/senseops/senseops-collector/internal/senseapi"
	"github.com/senseops/senseops-collector/internal/senseevent"
)

// Session ids from the samples (testdata/http/qps-session-response-*.json).
const (
	sidJdoe1   = "c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d10" // CORP\jdoe on /
	sidAsmith  = "0d4e2a71-9b3c-4f5e-a6d7-e8f901234567" // CORP\asmith on /
	sidJdoe2   = "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918" // CORP\jdoe on /
	sidPartner = "91a2b3c4-d5e6-47f8-9a0b-1c2d3e4f5a6b" // EXT\partner.user@supplier.example on /hdr
	sidOther   = "11111111-2222-4333-8444-555555555555"
)

// activity returns the two session gauges of a host: sessions, users.
func activity(t *testing.T, h *harness, host string) (sessions, users float64) {
	t.Helper()
	md := h.collect()
	s, ok := numbers(t, md, metricActiveSessions)[sessionKey(host)]
	require.True(t, ok, "no %s for %s: %v", metricActiveSessions, host, numbers(t, md, metricActiveSessions))
	return s, numbers(t, md, metricActiveUsers)[sessionKey(host)]
}

func anomalies(values map[string]int64) []metricdata.DataPoint[int64] {
	var dps []metricdata.DataPoint[int64]
	for reason, v := range values {
		dps = append(dps, metricdata.DataPoint[int64]{Value: v, Attributes: attribute.NewSet(attribute.String("reason", reason))})
	}
	return dps
}

func TestSessionsFromSamples(t *testing.T) {
	h := newHarness(t, defaultConfig())
	h.consume(samples(t, "user-events")...)
	// jdoe's session started and stopped; the connection on QS-PROXY-02 is of
	// a session that started before: connections never create sessions.
	s, u := activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{0, 0}, [2]float64{s, u})
	assert.Empty(t, numbers(t, h.collect(), metricActiveSessions)[sessionKey("QS-PROXY-02")])
}

func TestSessionStartStop(t *testing.T) {
	h := newHarness(t, defaultConfig())
	p1 := func(recs ...rec) { h.consume(proxyBatch("QS-PROXY-01", recs...)) }

	p1(userRec(actionSessionStart, sidJdoe1, `CORP\jdoe`), userRec(actionSessionStart, sidJdoe2, `CORP\jdoe`), userRec(actionSessionStart, sidAsmith, `CORP\asmith`))
	h.consume(proxyBatch("QS-PROXY-02", userRec(actionSessionStart, sidPartner, `EXT\partner`)))
	s, u := activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{3, 2}, [2]float64{s, u}, "jdoe twice, asmith once")
	s, u = activity(t, h, "QS-PROXY-02")
	assert.Equal(t, [2]float64{1, 1}, [2]float64{s, u})

	// duplicate start: still one session
	p1(userRec(actionSessionStart, sidAsmith, `CORP\asmith`))
	s, u = activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{3, 2}, [2]float64{s, u})

	// stop one of jdoe's sessions: jdoe is still on
	p1(userRec(actionSessionStop, sidJdoe1, `CORP\jdoe`))
	s, u = activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{2, 2}, [2]float64{s, u})

	// stop without start, twice the same stop, stop without session id: never negative
	p1(userRec(actionSessionStop, sidOther, `CORP\x`), userRec(actionSessionStop, sidJdoe1, `CORP\jdoe`), userRec(actionSessionStop, "", `CORP\x`))
	p1(userRec(actionSessionStop, sidJdoe2, `CORP\jdoe`), userRec(actionSessionStop, sidAsmith, `CORP\asmith`), userRec(actionSessionStop, sidAsmith, `CORP\asmith`))
	s, u = activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{0, 0}, [2]float64{s, u})

	metadatatest.AssertEqualConnectorQliksenseMetricsSessionAnomalies(t, h.tel, anomalies(map[string]int64{
		"duplicate_start": 1, "stop_without_start": 3, "missing_session_id": 1,
	}), metricdatatest.IgnoreTimestamp())
}

// TestUsersIgnoreCase: Sense user ids are case-insensitive (the sessions
// receiver and exclude lists agree), and header, ticket or form logins keep
// the case the user typed: one person in two spellings is one user.
func TestUsersIgnoreCase(t *testing.T) {
	h := newHarness(t, defaultConfig())
	p1 := func(recs ...rec) { h.consume(proxyBatch("QS-PROXY-01", recs...)) }

	p1(userRec(actionSessionStart, sidJdoe1, `CORP\JDoe`), userRec(actionSessionStart, sidJdoe2, `corp\jdoe`), userRec(actionSessionStart, sidAsmith, `CORP\asmith`))
	s, u := activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{3, 2}, [2]float64{s, u}, "JDoe and jdoe are one user")

	// a duplicate start spelling the user differently moves nothing
	p1(userRec(actionSessionStart, sidJdoe1, `CORP\jdoe`))
	s, u = activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{3, 2}, [2]float64{s, u})

	// the user stays on until the last of the sessions in either spelling stops
	p1(userRec(actionSessionStop, sidJdoe1, `CORP\JDoe`))
	s, u = activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{2, 2}, [2]float64{s, u})
	p1(userRec(actionSessionStop, sidJdoe2, `CORP\JDOE`))
	s, u = activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{1, 1}, [2]float64{s, u})
}

// TestUserWithoutDirectory: a user with no directory has user.name but no
// user.id on its records; it is still a user, named by its id, as the
// session API (and so the seed) names it.
func TestUserWithoutDirectory(t *testing.T) {
	h := newHarness(t, defaultConfig())
	start := userRec(actionSessionStart, sidJdoe1, "")
	start.attrs[senseevent.AttrUserName] = "jdoe"
	h.consume(proxyBatch("QS-PROXY-01", start))
	s, u := activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{1, 1}, [2]float64{s, u}, "one session, one user")

	// The seed reads the same user's other session from the proxy API: still
	// one user, not a second one under another name.
	h.c.mu.Lock()
	h.c.sessions.seed(0, "QS-PROXY-01", []senseapi.Session{{UserID: "jdoe", SessionID: sidJdoe2}}, false, t0, t0)
	h.c.mu.Unlock()
	s, u = activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{2, 1}, [2]float64{s, u}, "two sessions of one user")
}

// TestHostsIgnoreCase: Windows host names ignore case, and a seed's
// configured host, the events' %hostname and the proxy API may spell one
// proxy differently. They must be one series, not a second one that stays
// at 0 for good; it is named by the first spelling in byte order.
func TestHostsIgnoreCase(t *testing.T) {
	st := newSessionState(100, 8*time.Hour, time.Minute)
	st.host("qs-proxy-01") // a configured seed host reports 0 from the start
	st.seed(0, "qs-proxy-01", []senseapi.Session{{UserDirectory: "CORP", UserID: "jdoe", SessionID: sidJdoe1}}, true, t0, t0.Add(time.Second))
	st.event(actionSessionStart, sidAsmith, `CORP\asmith`, "QS-PROXY-01", t0.Add(2*time.Second), 0)
	st.event(actionSessionStart, sidJdoe1, `CORP\jdoe`, "QS-Proxy-01", t0.Add(3*time.Second), 0) // a duplicate start moves nothing
	require.Len(t, st.hosts, 1)
	h := st.hosts[hostKey("qs-proxy-01")]
	assert.Equal(t, "QS-PROXY-01", h.name)
	assert.Equal(t, int64(2), h.sessions)
	assert.Len(t, h.users, 2)
	assert.Zero(t, st.anomalies[anomalyCapacity])

	st.event(actionSessionStop, sidJdoe1, `CORP\jdoe`, "qs-proxy-01", t0.Add(4*time.Second), 0)
	assert.Equal(t, int64(1), h.sessions)
	assert.Same(t, st.host("ä-proxy"), st.host("Ä-PROXY"), "non-ASCII names fold too")
	assert.Equal(t, "Ä-PROXY", st.host("ä-proxy").name)
}

// TestSessionStopBeforeStart: UDP and concurrent batches can deliver a
// session's stop before its start. Session ids are never reused, so a start
// whose stop has been seen is late, not a new session: it must not count
// (it would otherwise count until the 8 h timeout).
func TestSessionStopBeforeStart(t *testing.T) {
	outOfOrder := map[string]int64{"stop_without_start": 1, "start_after_stop": 1}
	for _, tt := range []struct {
		name      string
		batches   [][]rec
		anomalies map[string]int64
	}{
		{"same batch", [][]rec{{userRec(actionSessionStop, sidJdoe1, `CORP\jdoe`), userRec(actionSessionStart, sidJdoe1, `CORP\jdoe`)}}, outOfOrder},
		{"next batch", [][]rec{{userRec(actionSessionStop, sidJdoe1, `CORP\jdoe`)}, {userRec(actionSessionStart, sidJdoe1, `CORP\jdoe`)}}, outOfOrder},
		{"start, stop, late duplicate start", [][]rec{
			{userRec(actionSessionStart, sidJdoe1, `CORP\jdoe`)},
			{userRec(actionSessionStop, sidJdoe1, `CORP\jdoe`)},
			{userRec(actionSessionStart, sidJdoe1, `CORP\jdoe`)},
		}, map[string]int64{"start_after_stop": 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, defaultConfig())
			// another session keeps the host known either way
			h.consume(proxyBatch("QS-PROXY-01", userRec(actionSessionStart, sidAsmith, `CORP\asmith`)))
			for _, recs := range tt.batches {
				h.advance(time.Second)
				h.consume(proxyBatch("QS-PROXY-01", recs...))
			}
			s, u := activity(t, h, "QS-PROXY-01")
			assert.Equal(t, [2]float64{1, 1}, [2]float64{s, u}, "only asmith")
			metadatatest.AssertEqualConnectorQliksenseMetricsSessionAnomalies(t, h.tel, anomalies(tt.anomalies), metricdatatest.IgnoreTimestamp())
		})
	}
}

// TestSessionIDReusedAfterItsStop: a session id may start again after its
// stop (the proxy's session API lets a portal add a session with the id it
// chooses, and portals re-add theirs after Sense ended it). A start received
// after the stop is a new session; only one received before it (a start whose
// record is older than the stop's, delivered late) is ignored.
func TestSessionIDReusedAfterItsStop(t *testing.T) {
	// received sets each record's receive time (ObservedTimestamp), as the
	// receiver does; user events carry no time of their own, so Timestamp
	// is the same.
	received := func(ld plog.Logs, at ...time.Time) plog.Logs {
		lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		for i, ts := range at {
			lrs.At(i).SetObservedTimestamp(pcommon.NewTimestampFromTime(ts))
			lrs.At(i).SetTimestamp(pcommon.NewTimestampFromTime(ts))
		}
		return ld
	}
	start, stop := userRec(actionSessionStart, sidJdoe1, `CORP\jdoe`), userRec(actionSessionStop, sidJdoe1, `CORP\jdoe`)

	t.Run("started again", func(t *testing.T) {
		h := newHarness(t, defaultConfig())
		h.consume(received(proxyBatch("QS-PROXY-01", start), t0))
		h.advance(time.Minute)
		h.consume(received(proxyBatch("QS-PROXY-01", stop), t0.Add(time.Minute)))
		h.advance(time.Minute)
		h.consume(received(proxyBatch("QS-PROXY-01", start), t0.Add(2*time.Minute)))
		s, u := activity(t, h, "QS-PROXY-01")
		assert.Equal(t, [2]float64{1, 1}, [2]float64{s, u}, "the session is on again")
	})
	t.Run("start received before its stop, delivered after it", func(t *testing.T) {
		h := newHarness(t, defaultConfig())
		// another session keeps the host known
		h.consume(received(proxyBatch("QS-PROXY-01", userRec(actionSessionStart, sidAsmith, `CORP\asmith`)), t0))
		h.consume(received(proxyBatch("QS-PROXY-01", stop), t0.Add(2*time.Second)))
		h.advance(time.Second)
		h.consume(received(proxyBatch("QS-PROXY-01", start), t0.Add(time.Second)))
		s, _ := activity(t, h, "QS-PROXY-01")
		assert.Equal(t, float64(1), s, "only asmith")
		metadatatest.AssertEqualConnectorQliksenseMetricsSessionAnomalies(t, h.tel, anomalies(map[string]int64{"stop_without_start": 1, "start_after_stop": 1}), metricdatatest.IgnoreTimestamp())
	})
}

// TestSessionMovesWithItsStart: a start naming another host re-homes the
// session (the event is the authority).
func TestSessionMovesWithItsStart(t *testing.T) {
	h := newHarness(t, defaultConfig())
	h.consume(proxyBatch("QS-PROXY-01", userRec(actionSessionStart, sidJdoe1, `CORP\jdoe`)))
	h.consume(proxyBatch("QS-PROXY-02", userRec(actionSessionStart, sidJdoe1, `CORP\jdoe`)))
	s1, _ := activity(t, h, "QS-PROXY-01")
	s2, _ := activity(t, h, "QS-PROXY-02")
	assert.Equal(t, [2]float64{0, 1}, [2]float64{s1, s2})
}

func TestSessionTimeout(t *testing.T) {
	cfg := defaultConfig()
	cfg.Sessions.Timeout = time.Hour
	h := newHarness(t, cfg)
	h.consume(proxyBatch("QS-PROXY-01", userRec(actionSessionStart, sidJdoe1, `CORP\jdoe`), userRec(actionSessionStart, sidAsmith, `CORP\asmith`)))
	h.advance(50 * time.Minute)
	// a connection keeps asmith's session alive; jdoe's never shows up again
	h.consume(proxyBatch("QS-PROXY-01", userRec(actionConnectionOpen, sidAsmith, `CORP\asmith`)))
	h.advance(20 * time.Minute)
	s, u := activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{1, 1}, [2]float64{s, u})
	h.advance(2 * time.Hour)
	s, u = activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{0, 0}, [2]float64{s, u}, "the host stays, at 0")
	metadatatest.AssertEqualConnectorQliksenseMetricsSessionAnomalies(t, h.tel, anomalies(map[string]int64{"timed_out": 2}), metricdatatest.IgnoreTimestamp())
}

func TestSessionCapacity(t *testing.T) {
	cfg := defaultConfig()
	cfg.Sessions.MaxSessions = 2
	h := newHarness(t, cfg)
	h.consume(proxyBatch("QS-PROXY-01", userRec(actionSessionStart, sidJdoe1, `CORP\jdoe`), userRec(actionSessionStart, sidJdoe2, `CORP\jdoe`), userRec(actionSessionStart, sidAsmith, `CORP\asmith`)))
	s, u := activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{2, 1}, [2]float64{s, u})
	h.consume(proxyBatch("QS-PROXY-01", userRec(actionSessionStop, sidJdoe1, ""), userRec(actionSessionStart, sidAsmith, `CORP\asmith`)))
	s, u = activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{2, 2}, [2]float64{s, u}, "room again after a stop")
	metadatatest.AssertEqualConnectorQliksenseMetricsSessionAnomalies(t, h.tel, anomalies(map[string]int64{"capacity": 1}), metricdatatest.IgnoreTimestamp())
}

// TestRestartSeededFromProxyAPI: a collector that restarts while users are
// on knows them again from the proxy session API.
func TestRestartSeededFromProxyAPI(t *testing.T) {
	sense := newFakeSense(t)

	// Before the restart: two sessions seen in events.
	first := newHarness(t, defaultConfig())
	first.consume(proxyBatch("QS-PROXY-01", userRec(actionSessionStart, sidJdoe1, `CORP\jdoe`), userRec(actionSessionStart, sidAsmith, `CORP\asmith`)))
	s, u := activity(t, first, "QS-PROXY-01")
	assert.Equal(t, [2]float64{2, 2}, [2]float64{s, u})
	require.NoError(t, first.c.Shutdown(context.Background()))

	// A new instance without seeding would know nobody; with it, it reads
	// "/" (jdoe twice, asmith) and "/hdr" (the partner) at start.
	cfg := defaultConfig()
	sense.seedConfig(cfg, "QS-PROXY-01")
	h := newHarness(t, cfg)
	require.NoError(t, h.c.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, h.c.Shutdown(context.Background())) })
	require.Eventually(t, func() bool {
		h.c.mu.Lock()
		defer h.c.mu.Unlock()
		return len(h.c.sessions.sessions) == 4
	}, 10*time.Second, 5*time.Millisecond)
	s, u = activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{4, 3}, [2]float64{s, u})

	// Events carry on from the seeded state.
	h.consume(proxyBatch("QS-PROXY-01", userRec(actionSessionStop, sidJdoe1, `CORP\jdoe`)))
	s, u = activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{3, 3}, [2]float64{s, u}, "jdoe has another session")
	h.consume(proxyBatch("QS-PROXY-01", userRec(actionSessionStop, sidJdoe2, `CORP\jdoe`), userRec(actionSessionStart, sidPartner, `EXT\partner.user@supplier.example`)))
	s, u = activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{2, 2}, [2]float64{s, u}, "the partner's start is a duplicate of the seeded session")
}

// TestSeedReconciles: a later read ends the sessions the proxy listed before
// and no longer lists (their stop was lost), unless an event touched them
// during the read; sessions only known from events are not the read's to end;
// an incomplete read ends nothing.
func TestSeedReconciles(t *testing.T) {
	st := newSessionState(100, 8*time.Hour, time.Minute)
	jdoe := senseapi.Session{UserDirectory: "CORP", UserID: "jdoe", SessionID: sidJdoe1}
	asmith := senseapi.Session{UserDirectory: "CORP", UserID: "asmith", SessionID: sidAsmith}
	st.seed(0, "QS-PROXY-01", []senseapi.Session{jdoe, asmith}, true, t0, t0.Add(time.Second))
	st.event(actionSessionStart, sidPartner, `EXT\partner`, "QS-PROXY-01", t0.Add(2*time.Second), 0) // e.g. on a virtual proxy not configured
	st.event(actionSessionStart, sidOther, `CORP\late`, "QS-PROXY-01", t0.Add(11*time.Second), 0)    // started during the next read
	require.Len(t, st.sessions, 4)

	st.seed(0, "QS-PROXY-01", []senseapi.Session{jdoe}, false, t0.Add(10*time.Second), t0.Add(12*time.Second))
	assert.Len(t, st.sessions, 4, "incomplete: only adds")

	st.seed(0, "QS-PROXY-01", []senseapi.Session{jdoe}, true, t0.Add(10*time.Second), t0.Add(12*time.Second))
	assert.Contains(t, st.sessions, sidJdoe1)
	assert.Contains(t, st.sessions, sidOther)
	assert.Contains(t, st.sessions, sidPartner)
	assert.NotContains(t, st.sessions, sidAsmith, "listed before, not any more: its stop was lost")
	assert.Equal(t, int64(3), st.hosts[hostKey("QS-PROXY-01")].sessions)
	assert.Len(t, st.hosts[hostKey("QS-PROXY-01")].users, 3)

	st.seed(1, "QS-PROXY-02", nil, true, t0.Add(20*time.Second), t0.Add(21*time.Second))
	assert.Len(t, st.sessions, 3, "another proxy's read ends nothing of this one")
}

func TestSeedFailureIsCountedAndPartial(t *testing.T) {
	sense := newFakeSense(t)
	sense.failHdr.Store(true)
	cfg := defaultConfig()
	sense.seedConfig(cfg, "QS-PROXY-01")
	h := newHarness(t, cfg)
	require.NoError(t, h.c.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, h.c.Shutdown(context.Background())) })
	require.Eventually(t, func() bool {
		h.c.mu.Lock()
		defer h.c.mu.Unlock()
		return len(h.c.sessions.sessions) == 3
	}, 10*time.Second, 5*time.Millisecond)
	s, u := activity(t, h, "QS-PROXY-01")
	assert.Equal(t, [2]float64{3, 2}, [2]float64{s, u}, "the default virtual proxy's sessions")
	require.Eventually(t, func() bool {
		_, err := h.tel.GetMetric("otelcol_connector_qliksense_metrics_session_seed_errors")
		return err == nil
	}, 10*time.Second, 5*time.Millisecond)
	metadatatest.AssertEqualConnectorQliksenseMetricsSessionSeedErrors(t, h.tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("error.type", "http_status"))},
	}, metricdatatest.IgnoreTimestamp())
}

func TestSeedInterval(t *testing.T) {
	sense := newFakeSense(t)
	cfg := defaultConfig()
	sense.seedConfig(cfg, "QS-PROXY-01")
	cfg.Sessions.Seed.Interval = 10 * time.Millisecond
	h := newHarness(t, cfg)
	require.NoError(t, h.c.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(t, func() bool { return sense.calls.Load() >= 6 }, 10*time.Second, 5*time.Millisecond, "several rounds of two calls")
	require.NoError(t, h.c.Shutdown(context.Background()))
}

func TestConfiguredProxyReportsZero(t *testing.T) {
	cfg := defaultConfig()
	cfg.Sessions.Seed.Proxies = []ProxyConfig{{Endpoint: "https://qs-proxy-09.corp.example:4243", Host: "QS-PROXY-09"}}
	h := newHarness(t, cfg)
	s, u := activity(t, h, "QS-PROXY-09")
	assert.Equal(t, [2]float64{0, 0}, [2]float64{s, u})
}

// TestSeedDoesNotReviveStoppedSessions: a proxy's list is taken while the
// read is under way, so it can still hold a session whose stop event arrived
// in the meantime. Applying it must not bring that session back (it would
// count until the next read or, without seed.interval, the 8 h timeout).
func TestSeedDoesNotReviveStoppedSessions(t *testing.T) {
	jdoe := senseapi.Session{UserDirectory: "CORP", UserID: "jdoe", SessionID: sidJdoe1}
	asmith := senseapi.Session{UserDirectory: "CORP", UserID: "asmith", SessionID: sidAsmith}
	pollStart := t0.Add(10 * time.Second)
	tests := []struct {
		name      string
		prepare   func(st *sessionState)
		wantIDs   []string
		wantUsers int
	}{
		{
			name: "restart: stop of a session the collector never saw, during the first read",
			prepare: func(st *sessionState) {
				st.event(actionSessionStop, sidJdoe1, `CORP\jdoe`, "QS-PROXY-01", pollStart.Add(time.Second), 0)
			},
			wantIDs: []string{sidAsmith}, wantUsers: 1,
		},
		{
			name: "stop of a session known from events, during the read",
			prepare: func(st *sessionState) {
				st.event(actionSessionStart, sidJdoe1, `CORP\jdoe`, "QS-PROXY-01", t0, 0)
				st.event(actionSessionStop, sidJdoe1, `CORP\jdoe`, "QS-PROXY-01", pollStart.Add(time.Second), 0)
			},
			wantIDs: []string{sidAsmith}, wantUsers: 1,
		},
		{
			name: "stop of a seeded session, during the next read",
			prepare: func(st *sessionState) {
				st.seed(0, "QS-PROXY-01", []senseapi.Session{jdoe}, true, t0, t0.Add(time.Second))
				st.event(actionSessionStop, sidJdoe1, `CORP\jdoe`, "QS-PROXY-01", pollStart, 0)
			},
			wantIDs: []string{sidAsmith}, wantUsers: 1,
		},
		{
			name: "a stop before the read began does not hide a session the proxy lists",
			prepare: func(st *sessionState) {
				st.event(actionSessionStop, sidJdoe1, `CORP\jdoe`, "QS-PROXY-01", pollStart.Add(-time.Second), 0)
			},
			wantIDs: []string{sidAsmith, sidJdoe1}, wantUsers: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newSessionState(100, 8*time.Hour, time.Minute)
			tt.prepare(st)
			st.seed(0, "QS-PROXY-01", []senseapi.Session{jdoe, asmith}, true, pollStart, pollStart.Add(2*time.Second))
			ids := make([]string, 0, len(st.sessions))
			for id := range st.sessions {
				ids = append(ids, id)
			}
			assert.ElementsMatch(t, tt.wantIDs, ids)
			assert.Equal(t, int64(len(tt.wantIDs)), st.hosts[hostKey("QS-PROXY-01")].sessions)
			assert.Len(t, st.hosts[hostKey("QS-PROXY-01")].users, tt.wantUsers)
		})
	}
}

// TestStopMemoryIsBounded: stops are remembered for the reorder window, or
// as long as a seed read can take if that is longer, and at most
// max_sessions of them.
func TestStopMemoryIsBounded(t *testing.T) {
	h := newHarness(t, defaultConfig())
	assert.Equal(t, reorderWindow, h.c.sessions.stopMemory, "no seeding: the reorder window")

	cfg := defaultConfig()
	cfg.Sessions.Seed.Proxies = []ProxyConfig{{Endpoint: "https://qs-proxy-01.corp.example:4243", Host: "QS-PROXY-01", VirtualProxies: []string{"/", "/hdr"}}}
	assert.Equal(t, reorderWindow, newHarness(t, cfg).c.sessions.stopMemory, "reads of 2 × 10 s take less than the window")
	cfg.Sessions.Seed.Timeout = 5 * time.Minute
	assert.Equal(t, 2*cfg.Sessions.Seed.Timeout+time.Minute, newHarness(t, cfg).c.sessions.stopMemory, "slow reads: as long as a read can take")

	cfg = defaultConfig()
	cfg.Sessions.MaxSessions = 2
	h = newHarness(t, cfg)
	h.consume(proxyBatch("QS-PROXY-01", userRec(actionSessionStop, sidJdoe1, ""), userRec(actionSessionStop, sidJdoe2, ""), userRec(actionSessionStop, sidAsmith, "")))
	assert.Len(t, h.c.sessions.stopped, 2)
	h.advance(h.c.sessions.stopMemory + time.Second)
	h.collect()
	assert.Empty(t, h.c.sessions.stopped)
	// forgotten: a start that late is a session again
	h.consume(proxyBatch("QS-PROXY-01", userRec(actionSessionStart, sidJdoe1, `CORP\jdoe`)))
	s, _ := activity(t, h, "QS-PROXY-01")
	assert.Equal(t, float64(1), s)
}
