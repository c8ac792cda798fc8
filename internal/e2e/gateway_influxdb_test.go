package e2e

import (
	"context"
	"fmt"
	"maps"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/senseops/senseops-collector/internal/sensesim"
)

// byTag maps each series of a grouped InfluxQL result (GROUP BY tag) to its
// first row's first value after time, e.g. a COUNT or SUM.
func byTag(series []influxSeries, tag string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range series {
		if len(s.Values) > 0 && len(s.Values[0]) > 1 {
			v, _ := s.Values[0][1].(float64)
			out[s.Tags[tag]] = v
		}
	}
	return out
}

// userEvents matches the sources of user events in InfluxQL.
const userEvents = `/^qseow-proxy-(session|connection)$/`

// TestGatewayConfigToInfluxDB runs the shipped gateway.yaml as
// TestGatewayConfigToBackends does, but its influxdb exporter writes to a real
// InfluxDB 1.6 (the Debian package) through the exporter's v1_compatibility,
// with authentication on and a user that may only write. InfluxQL then finds
// the events in the measurement logs, tagged as log_record_dimensions
// promises, and the derived metrics with the counts the simulator sent. The
// stand-in test stays: it checks the 2.x write API (org, bucket, token) the
// shipped config uses, which InfluxDB 1.6 does not have.
func TestGatewayConfigToInfluxDB(t *testing.T) {
	ix := startInfluxDB(t, "qliksense")
	be := &backends{nrMetrics: map[string]bool{}, nrAPIKeys: map[string]bool{}}
	nr := httptest.NewServer(be.otlp(t))
	t.Cleanup(nr.Close)

	c := newCollector(t)
	userAddr, _ := startGateway(t, c, ix.url, nr.URL, `    v1_compatibility:
      enabled: true
      db: qliksense
      username: senseops
      password: ${env:INFLUXDB_PASSWORD}
`, []string{"INFLUXDB_TOKEN=unused-by-v1", "INFLUXDB_PASSWORD=" + ix.pass})

	const n, seed = 400, 11
	want := expectedEvents(t, seed, n)
	gen, err := sensesim.NewGenerator(seed, sensesim.Options{})
	require.NoError(t, err)
	stats, err := sensesim.SendUDP(context.Background(), gen, c.udpAddr, userAddr, sensesim.RunConfig{Rate: 2000, Count: n})
	require.NoError(t, err)
	require.EqualValues(t, n, stats.Sent.Total())

	query := func(q string) []influxSeries {
		t.Helper()
		res, err := ix.query(q)
		require.NoError(t, err)
		return res
	}
	// Per source, the events stored in logs and the latest qliksense.events
	// count of every series, summed.
	storedLogs := func() map[string]float64 {
		return byTag(query(`SELECT COUNT(body) FROM logs GROUP BY "qliksense.source"`), "qliksense.source")
	}
	counted := func() map[string]float64 {
		return byTag(query(`SELECT SUM(c) FROM (SELECT LAST(counter) AS c FROM "qliksense.events" GROUP BY *) GROUP BY "qliksense.source"`), "qliksense.source")
	}
	var logs, events map[string]float64
	if !assert.Eventually(t, func() bool {
		logs, events = storedLogs(), counted()
		return assert.ObjectsAreEqual(want.bySource, logs) && assert.ObjectsAreEqual(want.bySource, events)
	}, 30*time.Second, 200*time.Millisecond) {
		t.Fatalf("InfluxDB never held what was sent: want %v\nlogs   %v\nevents %v", want.bySource, logs, events)
	}
	time.Sleep(300 * time.Millisecond) // anything still in flight
	logs = storedLogs()

	// Every event is stored, one point each, per source and per Sense server:
	// log events carry their own time, and user events (which have none) get
	// the time they were observed, each record of a read its own nanosecond,
	// so none overwrites another (InfluxDB keeps one point per measurement,
	// tag set and time).
	assert.Equal(t, want.bySource, logs, "events per source")
	assert.Equal(t, want.logsByHost,
		byTag(query(`SELECT COUNT(body) FROM logs WHERE "qliksense.source" !~ `+userEvents+` GROUP BY "host.name"`), "host.name"),
		"log events per Sense server")
	require.Eventually(t, func() bool {
		be.mu.Lock()
		defer be.mu.Unlock()
		return len(be.nrLogRecords) == want.kept
	}, 10*time.Second, 100*time.Millisecond, "every kept event over OTLP")

	// log_record_dimensions: exactly these attributes are tags, the Sense
	// server, source and service on every record, the subsystem and row (which
	// keeps events of one millisecond apart) on every log event, and the
	// shipped rules' categories on some.
	var tagKeys []string
	for _, s := range query(`SHOW TAG KEYS FROM logs`) {
		for _, v := range s.Values {
			tagKeys = append(tagKeys, v[0].(string))
		}
	}
	slices.Sort(tagKeys)
	assert.Equal(t, []string{"host.name", "qliksense.category.qs_log_category", "qliksense.category.qs_log_team",
		"qliksense.log.row", "qliksense.source", "qliksense.subsystem", "service.name"}, tagKeys)
	for _, where := range []string{`"host.name" = ''`, `"qliksense.source" = ''`, `"service.name" = ''`,
		`"qliksense.subsystem" = '' AND "qliksense.source" !~ ` + userEvents,
		`"qliksense.log.row" = '' AND "qliksense.source" !~ ` + userEvents} {
		assert.Empty(t, query(`SELECT COUNT(body) FROM logs WHERE `+where), "no record with %s", where)
	}
	wantHosts, hosts := map[string]bool{}, map[string]bool{}
	for h := range want.byHost {
		wantHosts[h] = true
	}
	for _, s := range query(`SHOW TAG VALUES FROM logs WITH KEY = "host.name"`) {
		for _, v := range s.Values {
			hosts[v[1].(string)] = true
		}
	}
	assert.Equal(t, wantHosts, hosts, "every Sense server and no other")
	for _, cat := range []string{"qliksense.category.qs_log_category", "qliksense.category.qs_log_team"} {
		res := byTag(query(fmt.Sprintf(`SELECT COUNT(body) FROM logs WHERE %q != '' GROUP BY %[1]q`, cat)), cat)
		assert.NotEmpty(t, res, "%s as a tag", cat)
		for v, n := range res {
			assert.NotEmpty(t, v, cat)
			assert.Positive(t, n, cat)
		}
	}

	// Butler SOS's level tag, as gateway.yaml's comment says: the field
	// severity_text of logs, which InfluxQL filters on, and the tag
	// qliksense.log.level of qliksense.events, which it groups by; both give
	// the same count per level.
	byLevel := byTag(query(`SELECT SUM(c) FROM (SELECT LAST(counter) AS c FROM "qliksense.events" GROUP BY *) GROUP BY "qliksense.log.level"`), "qliksense.log.level")
	delete(byLevel, "") // user events have no level
	assert.Subset(t, slices.Collect(maps.Keys(byLevel)), []string{"WARN", "ERROR", "INFO"}, "levels counted: %v", byLevel)
	for level, n := range byLevel {
		res := query(fmt.Sprintf(`SELECT COUNT(body) FROM logs WHERE severity_text = '%s'`, level))
		if assert.Len(t, res, 1, "logs with severity_text %s", level) {
			assert.Equal(t, n, res[0].Values[0][1], "logs with severity_text %s", level)
		}
	}

	// Derived metrics: qliksense.events counted every kept event (above), by
	// source and Sense server; every qix-perf event is in the duration
	// histogram or counted as rejected.
	assert.Equal(t, want.byHost,
		byTag(query(`SELECT SUM(c) FROM (SELECT LAST(counter) AS c FROM "qliksense.events" GROUP BY *) GROUP BY "qliksense.host"`), "qliksense.host"),
		"qliksense.events per Sense server")
	sum := func(q string) float64 {
		res := query(q)
		if len(res) == 0 {
			return 0
		}
		require.Len(t, res, 1)
		v, _ := res[0].Values[0][1].(float64)
		return v
	}
	histogram := sum(`SELECT SUM(c) FROM (SELECT LAST("count") AS c FROM "qliksense.qix.request.duration" GROUP BY *)`)
	rejected := sum(`SELECT SUM(c) FROM (SELECT LAST(counter) AS c FROM "qliksense.qix.rejected.requests" GROUP BY *)`)
	assert.Positive(t, histogram)
	assert.Equal(t, want.bySource["qseow-qix-perf"], histogram+rejected, "qix-perf events: %v in the histogram, %v rejected", histogram, rejected)
}
