package qliksensemetricsconnector // import "github.com/senseops/senseops-collector/connector/qliksensemetricsconnector"

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/senseops/senseops-collector/connector/qliksensemetricsconnector/internal/metadata"
	"github.com/senseops/senseops-collector/internal/senseapi"
	"github.com/senseops/senseops-collector/internal/senseevent"
)

// Sources and actions the connector reacts to, as the qliksense_events
// receiver writes them.
const (
	sourceQixPerf         = "qseow-qix-perf"
	sourceProxySession    = "qseow-proxy-session"
	sourceProxyConnection = "qseow-proxy-connection"

	actionSessionStart    = "session.start"
	actionSessionStop     = "session.stop"
	actionConnectionOpen  = "connection.open"
	actionConnectionClose = "connection.close"
)

// QIX phases: the five engine timings of a qix-perf record.
const (
	phaseProcess = iota
	phaseWork
	phaseLock
	phaseValidate
	phaseTraverse
	numPhases
)

// dimension kinds: values the connector reads anyway, and any other attribute.
type dimKind int

const (
	dimAttr dimKind = iota
	dimHost
	dimAppID
	dimAppName
	dimMethod
	dimObjectType
	dimObjectID
)

type dimension struct {
	name string
	kind dimKind
}

// record is what the connector reads from one log record, in one pass over
// its attributes. Strings point into the log data.
type record struct {
	source, subsystem, origin, level string
	appID, appName, method           string
	objectType, objectID             string
	action, sessionID, userID        string
	userName                         string // user.name: the user without a directory, when user.id is absent
	phase                            [numPhases]float64
	hasPhase                         [numPhases]bool
	unparsed                         bool // a raw record (include_unparsed), not an event
}

// scratch is per-call working memory, pooled so the hot path does not
// allocate.
type scratch struct {
	rec  record
	key  keyBuilder
	cats []kv
	vals []string
}

type qsConnector struct {
	cfg    *Config
	set    connector.Settings
	logger *zap.Logger
	next   consumer.Metrics
	tb     *metadata.TelemetryBuilder
	now    func() time.Time

	// immutable after construction
	allCategories bool
	categories    map[string]struct{}
	dims          []dimension
	boundsMs      []float64
	boundsS       []float64
	filter        *monitorFilter
	overflowAttr  map[string]metric.AddOption
	anomalyAttr   [numAnomalies]metric.AddOption

	scratch sync.Pool

	mu       sync.Mutex
	events   *family // nil when disabled
	qix      *family
	rejected *family
	sessions *sessionState
	appNames *senseapi.AppNames

	seeders []*seeder
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func newConnector(cfg *Config, set connector.Settings, next consumer.Metrics) (*qsConnector, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	c := &qsConnector{
		cfg: cfg, set: set, logger: set.Logger, next: next, tb: tb, now: time.Now,
		overflowAttr: map[string]metric.AddOption{},
	}
	c.scratch.New = func() any { return &scratch{} }
	for i, name := range anomalyNames {
		c.anomalyAttr[i] = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", name)))
	}
	if cfg.Events.Enabled {
		c.events = newFamily(metricEvents, cfg.Events.MaxSeries, 0, 0)
		c.categories = map[string]struct{}{}
		for _, name := range cfg.Events.Categories {
			name = strings.TrimPrefix(strings.TrimSpace(name), categoryPrefix)
			if name == allCategories {
				c.allCategories = true
			}
			c.categories[name] = struct{}{}
		}
	}
	if cfg.Qix.Enabled {
		c.boundsMs = make([]float64, len(cfg.Qix.Buckets))
		c.boundsS = make([]float64, len(cfg.Qix.Buckets))
		for i, b := range cfg.Qix.Buckets {
			c.boundsMs[i] = float64(b) / float64(time.Millisecond)
			c.boundsS[i] = b.Seconds()
		}
		for _, name := range cfg.Qix.Dimensions {
			c.dims = append(c.dims, newDimension(name))
		}
		c.filter = compileFilter(&cfg.Qix.MonitorFilter)
		c.qix = newFamily(familyQix, cfg.Qix.MaxSeries, numPhases, len(c.boundsMs)+1)
		if cfg.Qix.TrackRejected {
			c.rejected = newFamily(familyRejected, cfg.Qix.MaxSeries, 0, 0)
		}
	}
	if cfg.Sessions.Enabled {
		c.sessions = newSessionState(cfg.Sessions.MaxSessions, cfg.Sessions.Timeout, cfg.Sessions.Seed.longestRead())
		for _, p := range cfg.Sessions.Seed.Proxies {
			c.sessions.host(p.host()) // report 0 for a configured proxy from the start
		}
	}
	for _, f := range []*family{c.events, c.qix, c.rejected} {
		if f != nil {
			c.overflowAttr[f.metric] = metric.WithAttributeSet(attribute.NewSet(attribute.String("metric", f.metric)))
		}
	}
	return c, nil
}

func newDimension(name string) dimension {
	kinds := map[string]dimKind{
		attrHost:                  dimHost,
		senseevent.AttrAppID:      dimAppID,
		senseevent.AttrAppName:    dimAppName,
		senseevent.AttrQixMethod:  dimMethod,
		senseevent.AttrObjectType: dimObjectType,
		senseevent.AttrObjectID:   dimObjectID,
	}
	return dimension{name: name, kind: kinds[name]}
}

func (c *qsConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// Start starts the app-name lookup and the session seeding if configured,
// and the goroutine that emits the metrics every emit_interval.
func (c *qsConnector) Start(ctx context.Context, host component.Host) error {
	if c.cfg.Qix.Enabled && c.cfg.Qix.AppNames.Enabled {
		an := c.cfg.Qix.AppNames
		client, err := senseapi.NewClient(ctx, an.Endpoint, an.ConnectionConfig, host, c.set.TelemetrySettings)
		if err != nil {
			return fmt.Errorf("qix.app_names: %w", err)
		}
		names := senseapi.NewAppNames(client, an.RefreshInterval, an.Timeout, c.logger)
		names.Start(ctx)
		c.mu.Lock()
		c.appNames = names
		c.mu.Unlock()
	}
	if c.sessions != nil {
		for i := range c.cfg.Sessions.Seed.Proxies {
			p := &c.cfg.Sessions.Seed.Proxies[i]
			client, err := senseapi.NewClient(ctx, p.Endpoint, c.cfg.Sessions.Seed.ConnectionConfig, host, c.set.TelemetrySettings)
			if err != nil {
				c.closeClients()
				return fmt.Errorf("sessions.seed.proxies[%d]: %w", i, err)
			}
			c.seeders = append(c.seeders, &seeder{index: i, host: p.host(), proxies: p.virtualProxies(), client: client})
		}
	}
	bg, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.wg.Add(1)
	go c.emitLoop(bg)
	if len(c.seeders) > 0 {
		c.wg.Add(1)
		go c.seedLoop(bg)
	}
	return nil
}

// Shutdown stops the background work and emits the metrics a last time.
func (c *qsConnector) Shutdown(ctx context.Context) error {
	if c.cancel != nil {
		c.cancel()
		c.wg.Wait()
		c.cancel = nil
		c.emit(ctx)
	}
	c.mu.Lock()
	names := c.appNames
	c.appNames = nil
	c.mu.Unlock()
	if names != nil {
		names.Stop()
	}
	c.closeClients()
	c.tb.Shutdown()
	return nil
}

func (c *qsConnector) closeClients() {
	for _, s := range c.seeders {
		s.client.Close()
	}
	c.seeders = nil
}

func (c *qsConnector) emitLoop(ctx context.Context) {
	defer c.wg.Done()
	t := time.NewTicker(c.cfg.EmitInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.emit(ctx)
		}
	}
}

// emit sends every series down the metrics pipeline.
func (c *qsConnector) emit(ctx context.Context) {
	md := c.collect()
	c.reportPending(ctx)
	if md.MetricCount() == 0 {
		return
	}
	if err := c.next.ConsumeMetrics(ctx, md); err != nil {
		again := "they are sent again, cumulative, next interval"
		if c.cancel == nil { // Shutdown's last emission
			again = "this was the last emission, at shutdown"
		}
		c.logger.Warn("The metrics pipeline refused the Qlik Sense metrics; "+again,
			zap.Int("data_points", md.DataPointCount()), zap.Error(err))
	}
}

// ConsumeLogs updates the series from a batch of records. It takes the lock
// once per batch; for a series that exists already it does not allocate.
func (c *qsConnector) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	sc := c.scratch.Get().(*scratch)
	c.mu.Lock()
	now := c.now() // under the lock: see collect
	for _, rl := range ld.ResourceLogs().All() {
		res := rl.Resource().Attributes()
		host := ""
		if v, ok := res.Get(senseevent.AttrHostName); ok {
			host = v.Str()
		}
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				c.consumeRecord(sc, lr, res, host, now)
			}
		}
	}
	c.mu.Unlock()
	c.scratch.Put(sc)
	c.reportPending(ctx)
	return nil
}

func (c *qsConnector) consumeRecord(sc *scratch, lr plog.LogRecord, res pcommon.Map, host string, now time.Time) {
	r := &sc.rec
	*r = record{}
	sc.cats = sc.cats[:0]
	attrs := lr.Attributes()
	c.read(sc, attrs)
	if r.source == "" || r.unparsed {
		// Not a Sense event, or an unparsed datagram the receiver kept as a raw
		// record (with its source when the marker is known): the receiver
		// counts those in its own telemetry.
		return
	}
	r.level = lr.SeverityText()
	userEvent := r.source == sourceProxySession || r.source == sourceProxyConnection
	if c.events != nil {
		c.countEvent(sc, host, userEvent, now)
	}
	switch {
	case r.source == sourceQixPerf && c.qix != nil:
		c.observeQix(sc, attrs, res, host, now)
	case userEvent && c.sessions != nil:
		received := lr.ObservedTimestamp()
		if received == 0 {
			received = lr.Timestamp()
		}
		user := r.userID
		if user == "" {
			// A user without a directory has no user.id; the session API
			// names it by its id alone, as the seed reads it.
			user = r.userName
		}
		c.sessions.event(r.action, r.sessionID, user, host, now, received)
	}
}

// read takes the attributes the connector uses in one pass.
func (c *qsConnector) read(sc *scratch, attrs pcommon.Map) {
	r := &sc.rec
	for k, v := range attrs.All() {
		switch k {
		case senseevent.AttrSource:
			r.source = str(v)
		case senseevent.AttrParseError:
			r.unparsed = true
		case senseevent.AttrSubsystem:
			r.subsystem = str(v)
		case senseevent.AttrOrigin:
			r.origin = str(v)
		case senseevent.AttrAppID:
			r.appID = str(v)
		case senseevent.AttrAppName:
			r.appName = str(v)
		case senseevent.AttrQixMethod:
			r.method = str(v)
		case senseevent.AttrObjectType:
			r.objectType = str(v)
		case senseevent.AttrObjectID:
			r.objectID = str(v)
		case senseevent.AttrAction:
			r.action = str(v)
		case senseevent.AttrSessionID:
			r.sessionID = str(v)
		case senseevent.AttrUserID:
			r.userID = str(v)
		case senseevent.AttrUserName:
			r.userName = str(v)
		case senseevent.AttrQixProcessTime:
			r.phase[phaseProcess], r.hasPhase[phaseProcess] = num(v)
		case senseevent.AttrQixWorkTime:
			r.phase[phaseWork], r.hasPhase[phaseWork] = num(v)
		case senseevent.AttrQixLockTime:
			r.phase[phaseLock], r.hasPhase[phaseLock] = num(v)
		case senseevent.AttrQixValidateTime:
			r.phase[phaseValidate], r.hasPhase[phaseValidate] = num(v)
		case senseevent.AttrQixTraverseTime:
			r.phase[phaseTraverse], r.hasPhase[phaseTraverse] = num(v)
		default:
			if c.events == nil || !strings.HasPrefix(k, categoryPrefix) {
				continue
			}
			if !c.allCategories {
				if _, ok := c.categories[k[len(categoryPrefix):]]; !ok {
					continue
				}
			}
			if val := str(v); val != "" {
				sc.cats = append(sc.cats, kv{k: k, v: val})
			}
		}
	}
}

// str is a value as a string; only non-string values allocate.
func str(v pcommon.Value) string {
	if v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return v.AsString()
}

func num(v pcommon.Value) (float64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		return v.Double(), true
	case pcommon.ValueTypeInt:
		return float64(v.Int()), true
	}
	return 0, false
}

// countEvent counts the record in qliksense.events.
func (c *qsConnector) countEvent(sc *scratch, host string, user bool, now time.Time) {
	r := &sc.rec
	subsystem := r.subsystem
	if user {
		subsystem = r.origin // as Butler SOS counts user events
	}
	sortKVs(sc.cats)
	k := &sc.key
	k.reset()
	k.add(r.source)
	k.add(host)
	k.add(subsystem)
	k.add(r.level)
	for _, cat := range sc.cats {
		k.add(cat.k)
		k.add(cat.v)
	}
	f := c.events
	s := f.lookup(k.b)
	if s == nil {
		if f.full() {
			s = f.overflowSeries(now)
		} else {
			s = f.add(k.b, eventAttrs(r.source, host, subsystem, r.level, user, sc.cats), now)
		}
	}
	s.count++
	s.updated = now
}

func eventAttrs(source, host, subsystem, level string, user bool, cats []kv) []kv {
	eventType := "log"
	if user {
		eventType = "user"
	}
	attrs := make([]kv, 0, 5+len(cats))
	attrs = append(attrs, kv{attrEventType, eventType}, kv{senseevent.AttrSource, clone(source)})
	for _, a := range []kv{{attrHost, host}, {senseevent.AttrSubsystem, subsystem}, {attrLevel, level}} {
		if a.v != "" {
			attrs = append(attrs, kv{a.k, clone(a.v)})
		}
	}
	for _, cat := range cats {
		attrs = append(attrs, kv{clone(cat.k), clone(cat.v)})
	}
	return attrs
}

// sortKVs sorts the few category attributes by name, so their order on the
// record does not matter.
func sortKVs(a []kv) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].k < a[j-1].k; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// observeQix puts an accepted qix-perf record into the histograms and
// counts a rejected one.
func (c *qsConnector) observeQix(sc *scratch, attrs, res pcommon.Map, host string, now time.Time) {
	r := &sc.rec
	q := qixRequest{appID: r.appID, appName: r.appName, objectType: r.objectType, objectID: r.objectID, method: r.method}
	if q.appName == "" && q.appID != "" && c.appNames != nil {
		q.appName, _ = c.appNames.Name(q.appID)
	}
	accepted := c.filter.accept(&q)
	f := c.qix
	if !accepted {
		if f = c.rejected; f == nil {
			return
		}
	}
	k := &sc.key
	k.reset()
	sc.vals = sc.vals[:0]
	for _, d := range c.dims {
		v := dimValue(d, &q, host, attrs, res)
		sc.vals = append(sc.vals, v)
		k.add(v)
	}
	s := f.lookup(k.b)
	if s == nil {
		if f.full() {
			s = f.overflowSeries(now)
		} else {
			s = f.add(k.b, c.dimAttrs(sc.vals), now)
		}
	}
	s.updated = now
	if !accepted {
		s.count++
		if r.hasPhase[phaseProcess] && validDuration(r.phase[phaseProcess]) {
			s.sumMs += r.phase[phaseProcess]
		}
		return
	}
	for i := range numPhases {
		if r.hasPhase[i] && validDuration(r.phase[i]) {
			s.hist[i].observe(r.phase[i], c.boundsMs)
		}
	}
}

func dimValue(d dimension, q *qixRequest, host string, attrs, res pcommon.Map) string {
	switch d.kind {
	case dimHost:
		return host
	case dimAppID:
		return q.appID
	case dimAppName:
		return q.appName
	case dimMethod:
		return q.method
	case dimObjectType:
		return q.objectType
	case dimObjectID:
		return q.objectID
	}
	if v, ok := attrs.Get(d.name); ok {
		return str(v)
	}
	if v, ok := res.Get(d.name); ok {
		return str(v)
	}
	return ""
}

func (c *qsConnector) dimAttrs(vals []string) []kv {
	attrs := make([]kv, 0, len(vals))
	for i, v := range vals {
		if v != "" {
			attrs = append(attrs, kv{c.dims[i].name, clone(v)})
		}
	}
	return attrs
}

// reportPending adds the overflow and session anomaly counts gathered under
// the lock to the component's telemetry.
func (c *qsConnector) reportPending(ctx context.Context) {
	var overflow [3]int64
	var anomalies [numAnomalies]int64
	c.mu.Lock()
	for i, f := range []*family{c.events, c.qix, c.rejected} {
		if f == nil || f.overflowed == 0 {
			continue
		}
		overflow[i], f.overflowed = f.overflowed, 0
		if !f.warned {
			f.warned = true
			c.logger.Warn("A Qlik Sense metric reached its series limit; further attribute sets are counted in its overflow series (otel.metric.overflow=true)",
				zap.String("metric", f.metric), zap.Int("max_series", f.max))
		}
	}
	if c.sessions != nil {
		anomalies = c.sessions.takeAnomalies()
	}
	families := [3]*family{c.events, c.qix, c.rejected}
	c.mu.Unlock()
	for i, n := range overflow {
		if n > 0 {
			c.tb.ConnectorQliksenseMetricsSeriesOverflow.Add(ctx, n, c.overflowAttr[families[i].metric])
		}
	}
	for i, n := range anomalies {
		if n > 0 {
			c.tb.ConnectorQliksenseMetricsSessionAnomalies.Add(ctx, n, c.anomalyAttr[i])
		}
	}
}
