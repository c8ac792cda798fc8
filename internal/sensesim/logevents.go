package sensesim

// Generation of the five log-event kinds (qix-perf, engine, proxy,
// repository, scheduler). User events and the shared state live in
// generator.go.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ---------------------------------------------------------------------------
// qix-perf

type qixMethod struct {
	name     string
	weight   float64
	median   float64 // process time median, ms
	sigma    float64
	handle   string // "doc", "global", "object", "field"
	traverse bool   // does data-model traversal
	ramMed   float64
}

var userMethods = []qixMethod{
	{"GenericObject::GetLayout", 34, 60, 1.3, "object", true, 2 << 20},
	{"GenericObject::GetHyperCubeData", 18, 35, 1.2, "object", true, 1 << 20},
	{"GenericObject::GetHyperCubePivotData", 4, 90, 1.2, "object", true, 3 << 20},
	{"GenericObject::SelectHyperCubeValues", 5, 45, 1.0, "object", true, 512 << 10},
	{"GenericObject::GetListObjectData", 6, 8, 1.0, "object", true, 256 << 10},
	{"GenericObject::GetProperties", 4, 1.2, 0.6, "object", false, 0},
	{"Doc::GetObject", 10, 1.5, 0.7, "doc", false, 0},
	{"Doc::GetAppLayout", 4, 2.5, 0.8, "doc", false, 64 << 10},
	{"Doc::CreateSessionObject", 6, 12, 0.9, "doc", true, 256 << 10},
	{"Doc::Evaluate", 3, 20, 1.1, "doc", true, 512 << 10},
	{"Field::SelectValues", 6, 25, 1.1, "field", true, 1 << 20},
}

var (
	methodOpenApp   = qixMethod{"Global::OpenApp", 0, 2200, 0.9, "global", false, 300 << 20}
	methodAppLayout = qixMethod{"Doc::GetAppLayout", 0, 2.5, 0.8, "doc", false, 64 << 10}
	methodReload    = qixMethod{"Doc::DoReload", 0, 45000, 1.0, "doc", false, 600 << 20}
	methodSave      = qixMethod{"Doc::DoSave", 0, 900, 0.8, "doc", false, 20 << 20}
	methodAppProps  = qixMethod{"Doc::GetAppProperties", 0, 0.8, 0.6, "doc", false, 0}
)

func (g *Generator) genQixPerf(ev *Event) []string {
	var (
		host          string
		proxySession  string
		u             user
		engineSession string
		a             *app
		reqID         int
		m             qixMethod
		obj           = appObject{id: "<Unknown>", typ: "<Unknown>"}
		handle        string
	)
	if g.chance(0.12) {
		// Non-user work: reload tasks and repository housekeeping, with
		// ProxySessionId "0".
		proxySession = "0"
		if g.chance(0.25) {
			u = saRepository
			a = g.pickApp()
			host = g.pickHost(KindQixPerf).name
			engineSession = g.guid()
			m = methodAppProps
			reqID = 1 + g.rng.IntN(4)
		} else {
			r := g.nextReload()
			u, a, host, engineSession = r.u, r.app, r.engineHost, r.engineSession
			r.reqID += 1 + g.rng.IntN(2)
			reqID = r.reqID
			switch r.step {
			case 0:
				m = methodOpenApp
			case 1:
				m = methodReload
			default:
				m = methodSave
			}
			r.step++
		}
	} else {
		s := g.activeAppSession()
		proxySession, u, engineSession, host = s.id, s.u, s.engineSession, s.engineHost
		a = s.app
		s.reqID += 1 + g.rng.IntN(4)
		reqID = s.reqID
		switch {
		case !s.appOpen:
			m = methodOpenApp
			s.appOpen = true
		case s.reqID < 8:
			m = methodAppLayout
		default:
			w := make([]float64, len(userMethods))
			for i, um := range userMethods {
				w[i] = um.weight
			}
			m = userMethods[g.weighted(w...)]
		}
	}
	hs := g.hostByName(KindQixPerf, host)

	switch m.handle {
	case "global":
		handle = "-1"
	case "doc":
		handle = "1"
		if m.name == "Doc::GetObject" {
			obj = pick(g, a.objects)
		}
	case "object":
		i := g.rng.IntN(len(a.objects))
		obj = a.objects[i]
		handle = strconv.Itoa(2 + i)
	case "field":
		handle = strconv.Itoa(40 + g.rng.IntN(60))
	}

	// Timings: process >= work >= traverse; lock and validate small.
	process := round1(math.Max(0.1, g.lognormal(m.median, m.sigma)))
	work := round1(process * g.uniform(0.9, 0.995))
	if work > process {
		work = process
	}
	var lock, validate, traverse float64
	if g.chance(0.3) || m.name == "Global::OpenApp" {
		lock = round1(math.Min(process-work, g.lognormal(0.8, 1.2)))
	}
	if m.traverse {
		traverse = round1(work * g.uniform(0.3, 0.85))
		validate = round1(math.Min(work-traverse, g.lognormal(0.6, 1.0)))
	}
	if lock < 0 {
		lock = 0
	}
	if validate < 0 {
		validate = 0
	}
	var netRAM, peakRAM int64
	if m.ramMed > 0 && (m.handle == "global" || m.name == "Doc::DoReload" || g.chance(0.85)) {
		netRAM = int64(g.lognormal(m.ramMed, 0.8)) &^ 0xfff
	}
	peakRAM = int64(float64(netRAM)*g.uniform(1.1, 2.5)) &^ 0xfff
	if peakRAM < netRAM {
		peakRAM = netRAM
	}
	if peakRAM == 0 && g.chance(0.5) {
		peakRAM = int64(4096 * (1 + g.rng.IntN(64)))
	}

	f := g.header(ev, hs, "INFO", "QixPerformance.Engine.Engine")
	return append(f,
		proxySession,
		u.dir,
		u.id,
		g.stamps.format(ev.Time, layoutEngineTimestamp),
		engineSession,
		a.id,
		strconv.Itoa(reqID),
		m.name,
		ms(process),
		ms(work),
		ms(lock),
		ms(validate),
		ms(traverse),
		handle,
		obj.id,
		strconv.FormatInt(netRAM, 10),
		strconv.FormatInt(peakRAM, 10),
		obj.typ,
	)
}

func (g *Generator) hostByName(k Kind, name string) *hostState {
	for _, h := range g.byKind[k] {
		if h.name == name {
			return h
		}
	}
	for _, h := range g.byKind[KindEngine] {
		if h.name == name {
			return h
		}
	}
	return g.pickHost(k)
}

// nextReload returns a running reload (Global::OpenApp, Doc::DoReload,
// Doc::DoSave), starting a new one if none is in progress.
func (g *Generator) nextReload() *reload {
	running := g.reloads[:0]
	for _, r := range g.reloads {
		if r.step <= 2 {
			running = append(running, r)
		}
	}
	g.reloads = running
	if len(g.reloads) == 0 || (len(g.reloads) < 3 && g.chance(0.2)) {
		g.reloads = append(g.reloads, &reload{
			app:           g.pickApp(),
			engineHost:    g.pickHost(KindQixPerf).name,
			engineSession: g.guid(),
			u:             saScheduler,
		})
	}
	return pick(g, g.reloads)
}

// ---------------------------------------------------------------------------
// engine log events

func (g *Generator) genEngine(ev *Event) []string {
	hs := g.pickHost(KindEngine)
	var (
		level, logger, msg         string
		entry                      = "Server"
		proxySession, dir, id, ses string
		appID                      string
	)
	userCtx := func() *session {
		s := g.activeAppSession()
		hs = g.hostByName(KindEngine, s.engineHost)
		proxySession, dir, id, ses, appID = s.id, s.u.dir, s.u.id, s.engineSession, s.app.id
		return s
	}
	reloadCtx := func() *app {
		a := g.pickApp()
		proxySession, dir, id, ses, appID = "0", saScheduler.dir, saScheduler.id, g.guid(), a.id
		return a
	}
	switch g.weighted(22, 12, 14, 10, 9, 9, 8, 6, 5, 1) {
	case 0:
		s := userCtx()
		level, logger = "WARN", "System.Engine.Engine"
		msg = fmt.Sprintf("Document %s could not be opened: access denied for user %s", s.app.id, s.u.full())
	case 1:
		level, logger = "ERROR", "System.Engine.Engine"
		var a *app
		if g.chance(0.5) {
			a = userCtx().app
		} else {
			a = reloadCtx()
		}
		msg = fmt.Sprintf("Failed to allocate memory while calculating object %s in app %s", pick(g, a.objects).id, a.id)
	case 2:
		s := g.activeAppSession()
		hs = g.hostByName(KindEngine, s.engineHost)
		level, logger, entry = "WARN", "Session.Engine.Engine", "Session"
		ses = s.engineSession
		msg = fmt.Sprintf("Session %s was terminated due to inactivity", s.engineSession)
	case 3:
		level, logger = "WARN", "System.Engine.Engine"
		reloadCtx()
		msg = "Script line failed; continuing with next statement"
	case 4:
		level, logger = "WARN", "Performance.Engine.Engine"
		msg = fmt.Sprintf("Memory usage %d%% is above the low memory limit of 90%%, cache entries will be purged", 91+g.rng.IntN(8))
	case 5:
		s := userCtx()
		level, logger = "WARN", "Performance.Engine.Engine"
		msg = fmt.Sprintf("Calculation of object %s in app %s exceeded the time limit of %d seconds and was aborted", pick(g, s.app.objects).id, s.app.id, pick(g, []int{30, 60, 120}))
	case 6:
		level, logger = "ERROR", "System.Engine.Engine"
		a := reloadCtx()
		msg = fmt.Sprintf("Reload of app %s failed: General Script Error in statement handling", a.id)
	case 7:
		level, logger = "ERROR", "System.Engine.Engine"
		reloadCtx()
		msg = "Failed to load data from connection 'SQL_DWH (corp_qlikservice)': ODBC read failed: [Microsoft][ODBC Driver 17 for SQL Server]Login timeout expired"
	case 8:
		s := userCtx()
		level, logger, entry = "WARN", "Session.Engine.Engine", "Session"
		msg = fmt.Sprintf("Session %s exceeded the maximum number of concurrent requests (max 50); request queued", s.engineSession)
	default:
		level, logger = "FATAL", "System.Engine.Engine"
		msg = "Unhandled exception in engine worker thread; engine process will terminate"
	}
	ev.Message = msg
	f := g.header(ev, hs, level, logger)
	return append(f,
		msg,
		proxySession,
		dir,
		id,
		g.stamps.format(ev.Time, layoutEngineTimestamp),
		hs.processID,
		engineVersion,
		hs.started.In(g.loc).Format(LayoutEngineTimestamp),
		entry,
		ses,
		appID,
	)
}

// ---------------------------------------------------------------------------
// proxy log events

func (g *Generator) genProxy(ev *Event) []string {
	hs := g.pickHost(KindProxy)
	var level, logger, msg, exc, dir, id, command, result, origin, ctx string
	switch g.weighted(30, 15, 12, 12, 10, 8, 6, 1) {
	case 0:
		s := g.activeAppSession()
		level, logger = "WARN", "Audit.Proxy.Proxy.Core.RequestListener"
		created := ev.Time.Add(-time.Duration(60+g.rng.IntN(3600)) * time.Second)
		msg = fmt.Sprintf("Access was denied for User: '%s', with AccessID '%s', SessionID: '%s', SessionCreated: '%s', Resource: '/app/%s'",
			s.u.full(), g.accessID(), s.id, created.Format("2006-01-02 15:04:05"), s.app.id)
		dir, id, command, result, origin, ctx = s.u.dir, s.u.id, "Check access", "403", "AppAccess", appContext(s.app)
	case 1:
		s := g.activeAppSession()
		level, logger = "ERROR", "System.Proxy.Proxy.Core.RequestListener"
		msg = fmt.Sprintf("Failed to forward request to engine at %s.%s:4747", strings.ToLower(s.engineHost), siteDomain)
		exc = pick(g, []string{excWebConnect, excWebTimeout, excSocketReset})
		dir, id, command, result, origin, ctx = s.u.dir, s.u.id, "Forward request", "500", "ProxyRequest", appContext(s.app)
	case 2:
		level, logger = "WARN", "Security.Proxy.Proxy.Core.Authentication"
		msg = "Client certificate was not trusted"
		command, result, origin, ctx = "Authenticate", "401", "Security", hubContext()
	case 3:
		u := pick(g, people)
		level, logger = "WARN", "AuditSecurity.Proxy.Proxy.Core.Authentication.WindowsAuthentication"
		msg = fmt.Sprintf("Authentication failed for user '%s': the user name or password is incorrect", u.full())
		dir, id, command, result, origin, ctx = u.dir, u.id, "Login", "401", "Authentication", "/internal_windows_authentication/"
	case 4:
		s := g.activeSession()
		level, logger = "WARN", "System.Proxy.Proxy.Core.Websocket"
		msg = "Websocket closed unexpectedly, the client may have lost its network connection"
		exc = excWebSocket
		dir, id, command, result, origin, ctx = s.u.dir, s.u.id, "Websocket", "0", "AppAccess", hubContext()
	case 5:
		a := g.pickApp()
		level, logger = "ERROR", "System.Proxy.Proxy.Core.LoadBalancing"
		msg = fmt.Sprintf("No engine available for app %s; all load balancing nodes are down or unreachable", a.id)
		dir, id, command, result, origin, ctx = saProxy.dir, saProxy.id, "Load balance", "503", "LoadBalancing", appContext(a)
	case 6:
		level, logger = "ERROR", "System.Proxy.Proxy.Core.RepositoryClient"
		msg = "Failed to fetch virtual proxy configuration from the repository"
		exc = excTimeout
		dir, id, command, result, origin, ctx = saProxy.dir, saProxy.id, "Get configuration", "500", "Repository", "/qrs/virtualproxyconfig"
	default:
		level, logger = "FATAL", "System.Proxy.Proxy.Core.RequestListener"
		msg = "Unhandled exception in request pipeline; the listener on port 443 is stopping"
		exc = excOutOfMemory
		command, result, origin = "Listen", "500", "Proxy"
	}
	ev.Message, ev.Exception = msg, exc
	f := g.header(ev, hs, level, logger)
	return append(f, msg, exc, dir, id, command, result, origin, ctx)
}

// ---------------------------------------------------------------------------
// repository log events

func (g *Generator) genRepository(ev *Event) []string {
	hs := g.pickHost(KindRepository)
	var level, logger, msg, exc, dir, id, command, result, origin, ctx string
	switch g.weighted(25, 15, 12, 12, 10, 8, 8, 1) {
	case 0:
		target := pick(g, g.byKind[KindEngine])
		level, logger = "WARN", "System.Repository.Repository.Core.Repository.Common.Engine.EngineHealthCheck"
		msg = fmt.Sprintf("Failed to request service alive response from https://%s.%s:4747/engine/healthcheck", strings.ToLower(target.name), siteDomain)
		exc = pick(g, []string{excWebConnect, excWebTimeout})
		dir, id, command, result, origin, ctx = saRepository.dir, saRepository.id, "Check service alive", "500", "EngineHealthCheck", "/engine/healthcheck"
	case 1:
		u := pick(g, people[:12])
		level, logger = "WARN", "UserManagement.Repository.Repository.Core.UserDirectory.Connectors.LdapSync"
		msg = fmt.Sprintf("Duplicate entity with userId '%s' found in user directory '%s' - entity skipped", u.id, u.dir)
		dir, id, command, result, origin, ctx = saRepository.dir, saRepository.id, "Sync user directory", "0", "UDC", u.dir
	case 2:
		u := pick(g, people)
		level, logger = "ERROR", "System.Repository.Repository.Core.Licensing.LicenseManager"
		msg = "Professional access allocation failed: no available access passes"
		dir, id, command, result, origin, ctx = u.dir, u.id, "Allocate access", "409", "Licensing", "/qrs/license/professionalaccesstype"
	case 3:
		level, logger = "ERROR", "System.Repository.Repository.Core.Database.DatabaseContext"
		msg = "Failed to connect to database (Host=qs-central-01.corp.example;Port=4432;Database=QSR); retrying in 10 seconds"
		exc = excNpgsql
		dir, id, command, result, origin, ctx = saRepository.dir, saRepository.id, "Open database connection", "500", "Database", "QSR"
	case 4:
		a := g.pickApp()
		node := pick(g, g.byKind[KindRepository])
		level, logger = "WARN", "System.Repository.Repository.Core.Synchronization.Distribution"
		msg = fmt.Sprintf("Synchronization of App %s to node %s timed out after 300 seconds", a.id, node.name)
		exc = excWebTimeout
		dir, id, command, result, origin, ctx = saRepository.dir, saRepository.id, "Synchronize entity", "504", "Synchronization", "/qrs/app/"+a.id
	case 5:
		u := pick(g, people)
		a := g.pickApp()
		level, logger = "WARN", "System.Repository.Repository.Core.Security.AccessControl"
		msg = fmt.Sprintf("Access denied for user '%s' on resource App_%s (action: Publish)", u.full(), strings.ReplaceAll(a.id, "-", ""))
		dir, id, command, result, origin, ctx = u.dir, u.id, "Publish app", "403", "AppManagement", "/qrs/app/"+a.id+"/publish"
	case 6:
		a := g.pickApp()
		level, logger = "ERROR", "System.Repository.Repository.Core.AppManagement.AppImport"
		msg = fmt.Sprintf("Import of app '%s' failed: the app file could not be read from the shared folder", a.name)
		exc = excUnauthorized
		dir, id, command, result, origin, ctx = saAPI.dir, saAPI.id, "Import app", "500", "AppManagement", "/qrs/app/upload"
	default:
		level, logger = "FATAL", "System.Repository.Repository.Core.Service"
		msg = "Repository database schema version does not match the service version; the service is stopping"
		dir, id, command, result, origin, ctx = saRepository.dir, saRepository.id, "Start service", "500", "Service", "QSR"
	}
	ev.Message, ev.Exception = msg, exc
	f := g.header(ev, hs, level, logger)
	return append(f, msg, exc, dir, id, command, result, origin, ctx)
}

// ---------------------------------------------------------------------------
// scheduler log events

type schedCtx struct {
	host                   *hostState
	level, logger, msg     string
	exc, dir, id, userFull string
	taskName, appName      string
	taskID, appID, execID  string
}

func (g *Generator) schedulerHost(master bool) *hostState {
	hosts := g.byKind[KindScheduler]
	// The first scheduler node is the master; the others are slaves that
	// run the reloads. A single-node site does both.
	if master || len(hosts) == 1 {
		return hosts[0]
	}
	return hosts[1+g.rng.IntN(len(hosts)-1)]
}

func (g *Generator) genScheduler(ev *Event) []string {
	var c schedCtx
	if len(g.pendingSched) > 0 {
		c = g.pendingSched[0]
		g.pendingSched = g.pendingSched[1:]
	} else {
		a := g.pickApp()
		c = schedCtx{
			taskName: "Reload of " + a.name,
			appName:  a.name,
			taskID:   a.taskID,
			appID:    a.id,
			execID:   g.guid(),
			userFull: saScheduler.full(),
		}
		manual := g.chance(0.15)
		if manual {
			u := pick(g, people[:11])
			c.dir, c.id, c.userFull = u.dir, u.id, u.full()
			c.taskName = "Manually triggered reload of " + a.name
		}
		switch g.weighted(30, 20, 15, 12, 10, 1) {
		case 0:
			c.host = g.schedulerHost(false)
			c.level, c.logger = "ERROR", "System.Scheduler.Scheduler.Slave.Tasks.ReloadTask"
			c.msg = "Message from ReloadProvider: Reload failed in Engine. Check engine or script logs."
			follow := c
			follow.host = g.schedulerHost(true)
			follow.level, follow.logger = "WARN", "System.Scheduler.Scheduler.Master.Task.TaskSession"
			follow.msg = "Task finished with state FinishedFail"
			g.pendingSched = append(g.pendingSched, follow)
		case 1:
			c.host = g.schedulerHost(true)
			c.level, c.logger = "WARN", "System.Scheduler.Scheduler.Master.Task.TaskSession"
			c.msg = "Task finished with state FinishedFail"
		case 2:
			c.host = g.schedulerHost(true)
			c.level, c.logger = "WARN", "System.Scheduler.Scheduler.Master.Task.TaskSession"
			c.msg = "Task was aborted by user"
			if !manual {
				u := pick(g, people[:11])
				c.dir, c.id, c.userFull = u.dir, u.id, u.full()
			}
		case 3:
			c.host = g.schedulerHost(true)
			c.level, c.logger = "WARN", "System.Scheduler.Scheduler.Master.Task.TaskManager"
			c.msg = "Task is already running, the new trigger was skipped"
		case 4:
			c.host = g.schedulerHost(false)
			c.level, c.logger = "ERROR", "System.Scheduler.Scheduler.Slave.Tasks.ReloadTask"
			c.msg = "Reload exceeded the maximum execution time (1440 minutes); task aborted"
			c.exc = excTimeout
		default:
			c.host = g.schedulerHost(true)
			c.level, c.logger = "FATAL", "System.Scheduler.Scheduler.Master.Repository.RepositoryConnection"
			c.msg = "Scheduler master lost its connection to the repository and stops executing tasks"
			c.exc = excWebConnect
			c.dir, c.id, c.userFull = "", "", ""
			c.taskName, c.appName, c.taskID, c.appID, c.execID = "", "", "", "", ""
		}
	}
	ev.Message, ev.Exception = c.msg, c.exc
	f := g.header(ev, c.host, c.level, c.logger)
	return append(f, c.msg, c.exc, c.dir, c.id, c.userFull, c.taskName, c.appName, c.taskID, c.appID, c.execID)
}
