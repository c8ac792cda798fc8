package sensesim

// Guards distributions/qliksense/*/LocalLogConfig.xml against drifting from
// the wire format the generator (and the collector) use.

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/senseops/senseops-collector/internal/senseevent"
)

const appenderDir = "../../distributions/qliksense"

type xmlParam struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type xmlParams []xmlParam

// get returns the value of the param with the given name (log4net matches
// names case-insensitively) and how many such params exist.
func (ps xmlParams) get(name string) (string, int) {
	var v string
	n := 0
	for _, p := range ps {
		if strings.EqualFold(p.Name, name) {
			v = p.Value
			n++
		}
	}
	return v, n
}

type xmlConfig struct {
	XMLName   xml.Name      `xml:"configuration"`
	Appenders []xmlAppender `xml:"appender"`
	Loggers   []struct {
		Name string `xml:"name,attr"`
		Refs []struct {
			Ref string `xml:"ref,attr"`
		} `xml:"appender-ref"`
	} `xml:"logger"`
}

type xmlAppender struct {
	Name    string    `xml:"name,attr"`
	Type    string    `xml:"type,attr"`
	Params  xmlParams `xml:"param"`
	Filters []struct {
		Type   string    `xml:"type,attr"`
		Params xmlParams `xml:"param"`
	} `xml:"filter"`
	Layout struct {
		Type       string    `xml:"type,attr"`
		Params     xmlParams `xml:"param"`
		Converters []struct {
			Params xmlParams `xml:"param"`
		} `xml:"converter"`
	} `xml:"layout"`
}

const qlikPattern = "Qlik.Sense.Logging.log4net.Layout.Pattern."

// Qlik's custom pattern converters and their implementing types.
var qlikConverters = map[string]string{
	"rownum":           qlikPattern + "CounterPatternConverter",
	"hostname":         qlikPattern + "HostNamePatternConverter",
	"longIso8601date":  qlikPattern + "Iso8601TimeOffsetPatternConverter",
	"user":             qlikPattern + "ServiceUserNameCachedPatternConverter",
	"encodedmessage":   qlikPattern + "EncodedMessagePatternConverter",
	"encodedexception": qlikPattern + "EncodedExceptionPatternConverter",
}

// Stock log4net conversion words the patterns may use.
var stockConverters = map[string]bool{"date": true, "level": true, "logger": true, "message": true, "property": true}

// Exact conversion patterns of Butler SOS spec §4.1 and §5.1.
const (
	logHead      = ";%rownum{9999};%longIso8601date;%date;%level;%hostname;%logger;%user;"
	proxyRepTail = "%encodedmessage;%encodedexception;%property{UserDirectory};%property{UserId};%property{Command};%property{Result};%property{Origin};%property{Context}"
	userTail     = ";%hostname;%property{Command};%property{UserDirectory};%property{UserId};%property{Origin};%property{Context};%message"
)

var wantPatterns = map[Kind]string{
	KindEngine:          "/qseow-engine/" + logHead + "%encodedmessage;%property{ProxySessionId};%property{ActiveUserDirectory};%property{ActiveUserId};%property{EngineTimestamp};%property{ProcessId};%property{Exe Version};%property{Server Started};%property{Entry Type};%property{SessionId};%property{AppId}",
	KindQixPerf:         "/qseow-qix-perf/" + logHead + "%property{ProxySessionId};%property{ActiveUserDirectory};%property{ActiveUserId};%property{EngineTimestamp};%property{SessionId};%property{DocId};%property{RequestId};%property{Method};%property{ProcessTime};%property{WorkTime};%property{LockTime};%property{ValidateTime};%property{TraverseTime};%property{Handle};%property{ObjectId};%property{NetRAM};%property{PeakRAM};%property{ObjectType}",
	KindProxy:           "/qseow-proxy/" + logHead + proxyRepTail,
	KindRepository:      "/qseow-repository/" + logHead + proxyRepTail,
	KindScheduler:       "/qseow-scheduler/" + logHead + "%encodedmessage;%encodedexception;%property{UserDirectory};%property{UserId};%property{User};%property{TaskName};%property{AppName};%property{TaskId};%property{AppId};%property{ExecutionId}",
	KindProxySession:    "/qseow-proxy-session/" + userTail,
	KindProxyConnection: "/qseow-proxy-connection/" + userTail,
}

type wantAppender struct {
	name      string
	kind      Kind
	threshold string   // "" = no threshold param
	port      string   // remotePort
	matches   []string // StringMatchFilter texts, then a DenyAllFilter
}

func TestAppenderFiles(t *testing.T) {
	tests := []struct {
		dir       string
		appenders []wantAppender
		loggers   map[string][]string // logger -> appender refs
	}{
		{
			dir: "engine",
			appenders: []wantAppender{
				{name: "QixPerf", kind: KindQixPerf, threshold: "info", port: "9996"},
				{name: "LogEvent", kind: KindEngine, threshold: "warn", port: "9996"},
			},
			loggers: map[string][]string{
				"QixPerformance.Engine.Engine": {"QixPerf"},
				"Performance.Engine":           {"LogEvent"},
				"System.Engine":                {"LogEvent"},
				"Session.Engine":               {"LogEvent"},
			},
		},
		{
			dir: "proxy",
			appenders: []wantAppender{
				{name: "EventSession", kind: KindProxySession, port: "9997", matches: []string{"Start session for user", "Stop session for user"}},
				{name: "EventConnection", kind: KindProxyConnection, port: "9997", matches: []string{"connection Opened for session", "connection Closed for session"}},
				{name: "LogEvent", kind: KindProxy, threshold: "warn", port: "9996"},
			},
			loggers: map[string][]string{
				"AuditActivity.Proxy": {"EventSession", "EventConnection"},
				"Audit.Proxy":         {"LogEvent"},
				"AuditSecurity":       {"LogEvent"},
				"Security.Proxy":      {"LogEvent"},
				"System.Proxy":        {"LogEvent"},
			},
		},
		{
			dir:       "repository",
			appenders: []wantAppender{{name: "LogEvent", kind: KindRepository, threshold: "warn", port: "9996"}},
			loggers: map[string][]string{
				"Service":                   {"LogEvent"},
				"System.Repository":         {"LogEvent"},
				"UserManagement.Repository": {"LogEvent"},
			},
		},
		{
			dir:       "scheduler",
			appenders: []wantAppender{{name: "LogEvent", kind: KindScheduler, threshold: "warn", port: "9996"}},
			loggers: map[string][]string{
				"Service":          {"LogEvent"},
				"System.Scheduler": {"LogEvent"},
			},
		},
	}
	covered := map[Kind]bool{}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			cfg := readAppenderFile(t, tt.dir)
			if len(cfg.Appenders) != len(tt.appenders) {
				t.Errorf("%d appenders, want %d", len(cfg.Appenders), len(tt.appenders))
			}
			byName := map[string]xmlAppender{}
			for _, a := range cfg.Appenders {
				byName[a.Name] = a
			}
			for _, want := range tt.appenders {
				a, ok := byName[want.name]
				if !ok {
					t.Errorf("appender %q missing", want.name)
					continue
				}
				covered[want.kind] = true
				checkAppender(t, a, want)
			}
			gotLoggers := map[string][]string{}
			for _, l := range cfg.Loggers {
				for _, r := range l.Refs {
					gotLoggers[l.Name] = append(gotLoggers[l.Name], r.Ref)
				}
			}
			for _, refs := range gotLoggers {
				sort.Strings(refs)
			}
			for _, refs := range tt.loggers {
				sort.Strings(refs)
			}
			if !reflect.DeepEqual(gotLoggers, tt.loggers) {
				t.Errorf("loggers = %v, want %v", gotLoggers, tt.loggers)
			}
		})
	}
	for _, k := range AllKinds() {
		if !covered[k] {
			t.Errorf("no appender produces %s events", k)
		}
	}
}

// readAppenderFile reads and decodes distributions/qliksense/<dir>/LocalLogConfig.xml
// and checks its element order.
func readAppenderFile(t *testing.T, dir string) xmlConfig {
	t.Helper()
	path := filepath.Join(appenderDir, dir, "LocalLogConfig.xml")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var cfg xmlConfig
	if err := xml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	checkElementOrder(t, raw)
	return cfg
}

// Element order matters: Qlik's services validate LocalLogConfig.xml against
// an XML schema of xs:sequence types (layout: converter* then param*;
// appender: filter* ... param* layout).
var childOrder = map[string]*regexp.Regexp{
	"configuration": regexp.MustCompile(`^(appender )*(logger )*$`),
	"appender":      regexp.MustCompile(`^(filter )*(param )*(layout )?$`),
	"layout":        regexp.MustCompile(`^(converter )*(param )*$`),
	"converter":     regexp.MustCompile(`^(param )*$`),
	"filter":        regexp.MustCompile(`^(param )*$`),
	"logger":        regexp.MustCompile(`^(appender-ref )+$`),
}

func checkElementOrder(t *testing.T, raw []byte) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(string(raw)))
	type frame struct {
		name     string
		children strings.Builder
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if len(stack) > 0 {
				stack[len(stack)-1].children.WriteString(el.Name.Local + " ")
			}
			stack = append(stack, &frame{name: el.Name.Local})
		case xml.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			re, ok := childOrder[f.name]
			switch {
			case ok && !re.MatchString(f.children.String()):
				t.Errorf("<%s> children in order %q, want %s", f.name, f.children.String(), re)
			case !ok && f.children.Len() > 0:
				t.Errorf("unexpected children in <%s>: %q", f.name, f.children.String())
			}
		}
	}
}

var conversionWordRE = regexp.MustCompile(`%([A-Za-z0-9]+)`)

func checkAppender(t *testing.T, a xmlAppender, want wantAppender) {
	t.Helper()
	errorf := func(format string, args ...any) {
		t.Helper()
		t.Errorf("appender %s: "+format, append([]any{a.Name}, args...)...)
	}
	if a.Type != "log4net.Appender.UdpAppender" {
		errorf("type %q", a.Type)
	}
	params := map[string]string{"remoteAddress": "COLLECTOR_HOST", "remotePort": want.port, "encoding": "utf-8", "threshold": want.threshold}
	for name, wantV := range params {
		v, n := a.Params.get(name)
		switch {
		case wantV == "" && n != 0:
			errorf("unexpected %s %q", name, v)
		case wantV != "" && (n != 1 || v != wantV):
			errorf("%s = %q (%d times), want %q once", name, v, n, wantV)
		}
	}

	// Filters: StringMatchFilters for the wanted texts, then DenyAllFilter.
	var gotMatches []string
	for i, f := range a.Filters {
		switch f.Type {
		case "log4net.Filter.StringMatchFilter":
			v, _ := f.Params.get("stringToMatch")
			gotMatches = append(gotMatches, v)
			if acc, n := f.Params.get("acceptOnMatch"); n > 0 && !strings.EqualFold(acc, "true") {
				errorf("filter %d acceptOnMatch %q", i, acc)
			}
		case "log4net.Filter.DenyAllFilter":
			if i != len(a.Filters)-1 {
				errorf("DenyAllFilter is not the last filter")
			}
		default:
			errorf("unexpected filter %q", f.Type)
		}
	}
	if !reflect.DeepEqual(gotMatches, want.matches) {
		errorf("StringMatchFilters %q, want %q", gotMatches, want.matches)
	}
	if len(want.matches) > 0 && a.Filters[len(a.Filters)-1].Type != "log4net.Filter.DenyAllFilter" {
		errorf("filters do not end with DenyAllFilter")
	}

	// Layout and conversion pattern.
	if a.Layout.Type != "log4net.Layout.PatternLayout" {
		errorf("layout type %q", a.Layout.Type)
	}
	pattern, n := a.Layout.Params.get("conversionPattern")
	if n != 1 {
		errorf("%d conversionPattern params, want 1", n)
	}
	fields := strings.Split(pattern, ";")
	if fields[0] != want.kind.Marker() {
		errorf("pattern marker %q, want %q", fields[0], want.kind.Marker())
	}
	if len(fields) != want.kind.FieldCount() {
		errorf("pattern has %d fields, want %d", len(fields), want.kind.FieldCount())
	}
	if pattern != wantPatterns[want.kind] {
		errorf("pattern\n got %s\nwant %s", pattern, wantPatterns[want.kind])
	}
	if strings.Contains(pattern, "%newline") || strings.Contains(pattern, "%n;") || strings.HasSuffix(pattern, "%n") {
		errorf("pattern must not add a newline")
	}

	// Every custom conversion word is declared with the right type, and
	// every declared converter is a known Qlik converter.
	declared := map[string]string{}
	for _, c := range a.Layout.Converters {
		name, _ := c.Params.get("name")
		typ, _ := c.Params.get("type")
		if qlikConverters[name] != typ {
			errorf("converter %q has type %q, want %q", name, typ, qlikConverters[name])
		}
		declared[name] = typ
	}
	for _, m := range conversionWordRE.FindAllStringSubmatch(pattern, -1) {
		w := m[1]
		if stockConverters[w] {
			continue
		}
		if _, ok := qlikConverters[w]; !ok {
			errorf("unknown conversion word %%%s", w)
		} else if _, ok := declared[w]; !ok {
			errorf("conversion word %%%s used but its converter is not declared", w)
		}
	}
}

// The test below plays Sense's side: it sends sample log events through each
// file's loggers, thresholds and filters as log4net would, renders the
// conversion pattern of every appender that takes the event, and parses the
// datagram with internal/senseevent, the collector's parser. Every value put
// into a conversion word or property must come out in the event field the
// Butler SOS spec (§4.4-4.7, §5.2) says it belongs to.

// senseLog is one log call inside a Sense service.
type senseLog struct {
	logger, level, message, exception string
	props                             map[string]string
}

// Values the rendered conversion words take (log4net's %date is
// "yyyy-MM-dd HH:mm:ss,fff"; Qlik's %longIso8601date the compact ISO form).
const (
	renderRow      = "42"
	renderIsoTime  = "20240312T101542.118+0100"
	renderDate     = "2024-03-12 10:15:42,118"
	renderHost     = "QS-CENTRAL-01"
	renderSvcUser  = `CORP\qlikservice`
	renderGUIDApp  = "5b817efe-472d-43ce-8a31-6cce34af7de9"
	renderGUIDPxy  = "c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d10"
	renderGUIDEng  = "d9f1e7a2-3c4b-4d5e-8f60-718293a4b5c6"
	renderGUIDProc = "a1b2c3d4-0000-4000-8000-1234567890ab"
	renderGUIDTask = "dec2a02a-1680-44ef-8dc2-e2bfb180af87"
	renderGUIDExec = "4831c6a5-34f6-45bb-9d40-73a6e6992670"
	renderUA       = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
)

var log4netLevels = map[string]int{"DEBUG": 1, "INFO": 2, "WARN": 3, "ERROR": 4, "FATAL": 5}

// patternTokenRE matches a log4net conversion: %% or %[-][width][.max]word[{option}].
var patternTokenRE = regexp.MustCompile(`%%|%-?[0-9]*(?:\.[0-9]+)?([A-Za-z][A-Za-z0-9]*)(?:\{([^}]*)\})?`)

// renderPattern formats ev with appender a's conversion pattern. A Qlik
// conversion word whose converter a's layout does not declare (with the right
// type), or a word log4net does not know, comes out as literal text, so the
// parse checks catch it.
func renderPattern(a xmlAppender, ev senseLog) string {
	declared := map[string]string{}
	for _, c := range a.Layout.Converters {
		name, _ := c.Params.get("name")
		typ, _ := c.Params.get("type")
		declared[name] = typ
	}
	pattern, _ := a.Layout.Params.get("conversionPattern")
	return patternTokenRE.ReplaceAllStringFunc(pattern, func(tok string) string {
		if tok == "%%" {
			return "%"
		}
		m := patternTokenRE.FindStringSubmatch(tok)
		word := m[1]
		if typ, ok := qlikConverters[word]; ok && declared[word] != typ {
			return tok
		}
		switch word {
		case "rownum":
			return renderRow
		case "longIso8601date":
			return renderIsoTime
		case "date":
			return renderDate
		case "level":
			return ev.level
		case "hostname":
			return renderHost
		case "logger":
			return ev.logger
		case "user":
			return renderSvcUser
		case "encodedmessage", "message":
			return ev.message
		case "encodedexception":
			return ev.exception
		case "property":
			return ev.props[m[2]]
		}
		return tok
	})
}

// deliver returns the appenders of cfg that take ev, as log4net decides it:
// the appenders referenced by ev's logger and its ancestors (additivity),
// then each appender's threshold, then its filter chain.
func deliver(t *testing.T, cfg xmlConfig, ev senseLog) []xmlAppender {
	t.Helper()
	refs := map[string]bool{}
	for _, l := range cfg.Loggers {
		if ev.logger == l.Name || strings.HasPrefix(ev.logger, l.Name+".") {
			for _, r := range l.Refs {
				refs[r.Ref] = true
			}
		}
	}
	var out []xmlAppender
	for _, a := range cfg.Appenders {
		if !refs[a.Name] {
			continue
		}
		if th, n := a.Params.get("threshold"); n > 0 {
			lv, ok := log4netLevels[strings.ToUpper(th)]
			if !ok {
				t.Fatalf("appender %s: unknown threshold %q", a.Name, th)
			}
			if log4netLevels[ev.level] < lv {
				continue
			}
		}
		if filterAccepts(a, ev.message) {
			out = append(out, a)
		}
	}
	return out
}

// filterAccepts runs an appender's filter chain: the first filter that
// decides (accept or deny) wins; if none decides, the event is accepted.
func filterAccepts(a xmlAppender, msg string) bool {
	for _, f := range a.Filters {
		switch f.Type {
		case "log4net.Filter.StringMatchFilter":
			s, _ := f.Params.get("stringToMatch")
			acc, n := f.Params.get("acceptOnMatch")
			if strings.Contains(msg, s) {
				return n == 0 || strings.EqualFold(acc, "true")
			}
		case "log4net.Filter.DenyAllFilter":
			return false
		}
	}
	return true
}

// fieldCheck names an event field and the value it must hold.
type fieldCheck struct {
	name      string
	got, want string
}

func i64(v int64, ok bool) string {
	if !ok {
		return "<absent>"
	}
	return strconv.FormatInt(v, 10)
}

func f64(v float64, present bool) string {
	if !present {
		return "<absent>"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// logHeadChecks are the fields every log-event pattern starts with.
func logHeadChecks(ev *senseevent.Event, in senseLog) []fieldCheck {
	return []fieldCheck{
		{"Row (%rownum)", i64(ev.Row, ev.HasRow), renderRow},
		{"TimeRaw (%longIso8601date)", ev.TimeRaw, renderIsoTime},
		{"TimeStatus", ev.TimeStatus.String(), senseevent.TimeOK.String()},
		{"LocalTime (%date)", ev.LocalTime, renderDate},
		{"Level (%level)", ev.Level, in.level},
		{"Host (%hostname)", ev.Host, renderHost},
		{"Logger (%logger)", ev.Logger, in.logger},
		{"ServiceUser (%user)", ev.ServiceUser, renderSvcUser},
	}
}

func TestAppenderFilesRenderAndParse(t *testing.T) {
	engineProps := map[string]string{
		"ProxySessionId": renderGUIDPxy, "ActiveUserDirectory": "CORP", "ActiveUserId": "jdoe",
		"EngineTimestamp": "2024-03-12T10:15:42.118+01:00", "ProcessId": renderGUIDProc,
		"Exe Version": "14.187.4", "Server Started": "2024-03-10T06:12:01.000+01:00",
		"Entry Type": "Server", "SessionId": renderGUIDEng, "AppId": renderGUIDApp,
	}
	qixProps := map[string]string{
		"ProxySessionId": renderGUIDPxy, "ActiveUserDirectory": "CORP", "ActiveUserId": "jdoe",
		"EngineTimestamp": "2024-03-12T10:15:44.201+01:00", "SessionId": renderGUIDEng,
		"DocId": renderGUIDApp, "RequestId": "142", "Method": "GenericObject::GetLayout",
		"ProcessTime": "812.4", "WorkTime": "797.1", "LockTime": "0.6", "ValidateTime": "3.2",
		"TraverseTime": "640.9", "Handle": "7", "ObjectId": "rwPjBk", "NetRAM": "15728640",
		"PeakRAM": "31457280", "ObjectType": "barchart",
	}
	proxyProps := map[string]string{
		"UserDirectory": "CORP", "UserId": "jdoe", "Command": "Login",
		"Result": "403", "Origin": "AppAccess", "Context": "/app/" + renderGUIDApp + "?x=1",
	}
	schedProps := map[string]string{
		"UserDirectory": "", "UserId": "", "User": `INTERNAL\sa_scheduler`,
		"TaskName": "Reload of Sales forecast", "AppName": "Sales forecast",
		"TaskId": renderGUIDTask, "AppId": renderGUIDApp, "ExecutionId": renderGUIDExec,
	}
	userProps := func(command string) map[string]string {
		return map[string]string{
			"Command": command, "UserDirectory": "CORP", "UserId": "jdoe", "Origin": "AppAccess",
			"Context": "/app/" + renderGUIDApp + "?reloaduri=https://sense.corp.example/sense/app/" + renderGUIDApp,
		}
	}
	const exc = "System.Net.WebException: Unable to connect to the remote server"

	engineChecks := func(ev *senseevent.Event, in senseLog) []fieldCheck {
		return append(logHeadChecks(ev, in),
			fieldCheck{"Message (%encodedmessage)", ev.Message, in.message},
			fieldCheck{"ProxySession (ProxySessionId)", ev.ProxySession, in.props["ProxySessionId"]},
			fieldCheck{"UserDir (ActiveUserDirectory)", ev.UserDir, in.props["ActiveUserDirectory"]},
			fieldCheck{"UserID (ActiveUserId)", ev.UserID, in.props["ActiveUserId"]},
			fieldCheck{"EngineTime (EngineTimestamp)", ev.EngineTime, in.props["EngineTimestamp"]},
			fieldCheck{"ProcessID (ProcessId)", ev.ProcessID, in.props["ProcessId"]},
			fieldCheck{"EngineVersion (Exe Version)", ev.EngineVersion, in.props["Exe Version"]},
			fieldCheck{"EngineStarted (Server Started)", ev.EngineStarted, in.props["Server Started"]},
			fieldCheck{"EntryType (Entry Type)", ev.EntryType, in.props["Entry Type"]},
			fieldCheck{"EngineSession (SessionId)", ev.EngineSession, in.props["SessionId"]},
			fieldCheck{"AppID (AppId)", ev.AppID, in.props["AppId"]},
		)
	}
	qixChecks := func(ev *senseevent.Event, in senseLog) []fieldCheck {
		p, has := in.props, ev.Present
		return append(logHeadChecks(ev, in),
			fieldCheck{"ProxySession (ProxySessionId)", ev.ProxySession, p["ProxySessionId"]},
			fieldCheck{"UserDir (ActiveUserDirectory)", ev.UserDir, p["ActiveUserDirectory"]},
			fieldCheck{"UserID (ActiveUserId)", ev.UserID, p["ActiveUserId"]},
			fieldCheck{"EngineTime (EngineTimestamp)", ev.EngineTime, p["EngineTimestamp"]},
			fieldCheck{"EngineSession (SessionId)", ev.EngineSession, p["SessionId"]},
			fieldCheck{"AppID (DocId)", ev.AppID, p["DocId"]},
			fieldCheck{"RequestID (RequestId)", i64(ev.RequestID, ev.HasRequestID), p["RequestId"]},
			fieldCheck{"Method (Method)", ev.Method, p["Method"]},
			fieldCheck{"ProcessTimeMS (ProcessTime)", f64(ev.ProcessTimeMS, has&senseevent.HasProcessTime != 0), p["ProcessTime"]},
			fieldCheck{"WorkTimeMS (WorkTime)", f64(ev.WorkTimeMS, has&senseevent.HasWorkTime != 0), p["WorkTime"]},
			fieldCheck{"LockTimeMS (LockTime)", f64(ev.LockTimeMS, has&senseevent.HasLockTime != 0), p["LockTime"]},
			fieldCheck{"ValidateMS (ValidateTime)", f64(ev.ValidateMS, has&senseevent.HasValidateTime != 0), p["ValidateTime"]},
			fieldCheck{"TraverseMS (TraverseTime)", f64(ev.TraverseMS, has&senseevent.HasTraverseTime != 0), p["TraverseTime"]},
			fieldCheck{"Handle (Handle)", i64(ev.Handle, has&senseevent.HasHandle != 0), p["Handle"]},
			fieldCheck{"ObjectID (ObjectId)", ev.ObjectID, p["ObjectId"]},
			fieldCheck{"NetRAM (NetRAM)", i64(ev.NetRAM, has&senseevent.HasNetRAM != 0), p["NetRAM"]},
			fieldCheck{"PeakRAM (PeakRAM)", i64(ev.PeakRAM, has&senseevent.HasPeakRAM != 0), p["PeakRAM"]},
			fieldCheck{"ObjectType (ObjectType)", ev.ObjectType, p["ObjectType"]},
		)
	}
	proxyChecks := func(ev *senseevent.Event, in senseLog) []fieldCheck {
		p := in.props
		return append(logHeadChecks(ev, in),
			fieldCheck{"Message (%encodedmessage)", ev.Message, in.message},
			fieldCheck{"Exception (%encodedexception)", ev.Exception, in.exception},
			fieldCheck{"UserDir (UserDirectory)", ev.UserDir, p["UserDirectory"]},
			fieldCheck{"UserID (UserId)", ev.UserID, p["UserId"]},
			fieldCheck{"Command (Command)", ev.Command, p["Command"]},
			fieldCheck{"ResultCode (Result)", i64(ev.ResultCode, ev.HasResultCode), p["Result"]},
			fieldCheck{"Origin (Origin)", ev.Origin, p["Origin"]},
			fieldCheck{"Context (Context)", ev.Context, p["Context"]},
			fieldCheck{"AppID (from Context)", ev.AppID, renderGUIDApp},
		)
	}
	schedChecks := func(ev *senseevent.Event, in senseLog) []fieldCheck {
		p := in.props
		return append(logHeadChecks(ev, in),
			fieldCheck{"Message (%encodedmessage)", ev.Message, in.message},
			fieldCheck{"Exception (%encodedexception)", ev.Exception, in.exception},
			// UserDirectory/UserId are empty, so the user comes from %property{User}.
			fieldCheck{"UserDir (from User)", ev.UserDir, "INTERNAL"},
			fieldCheck{"UserID (from User)", ev.UserID, "sa_scheduler"},
			fieldCheck{"UserFull (User)", ev.UserFull, p["User"]},
			fieldCheck{"TaskName (TaskName)", ev.TaskName, p["TaskName"]},
			fieldCheck{"AppName (AppName)", ev.AppName, p["AppName"]},
			fieldCheck{"TaskID (TaskId)", ev.TaskID, p["TaskId"]},
			fieldCheck{"AppID (AppId)", ev.AppID, p["AppId"]},
			fieldCheck{"ExecutionID (ExecutionId)", ev.ExecutionID, p["ExecutionId"]},
		)
	}
	userChecks := func(action senseevent.Action, ua string) func(*senseevent.Event, senseLog) []fieldCheck {
		return func(ev *senseevent.Event, in senseLog) []fieldCheck {
			p := in.props
			return []fieldCheck{
				{"Host (%hostname)", ev.Host, renderHost},
				{"Command (Command)", ev.Command, p["Command"]},
				{"UserDir (UserDirectory)", ev.UserDir, p["UserDirectory"]},
				{"UserID (UserId)", ev.UserID, p["UserId"]},
				{"Origin (Origin)", ev.Origin, p["Origin"]},
				{"Context (Context)", ev.Context, p["Context"]},
				{"Message (%message)", ev.Message, in.message},
				{"Action (from Command)", ev.Action.String(), action.String()},
				{"ProxySession (from message)", ev.ProxySession, renderGUIDPxy},
				{"AppID (from Context)", ev.AppID, renderGUIDApp},
				{"UserAgent (from message)", ev.UserAgent, ua},
			}
		}
	}

	type delivery struct {
		kind   senseevent.Kind
		checks func(*senseevent.Event, senseLog) []fieldCheck
	}
	tests := []struct {
		name, dir string
		ev        senseLog
		want      []delivery // in appender order; none = the event is not sent
	}{
		{"engine warning", "engine",
			senseLog{"System.Engine.Engine", "WARN", "Document " + renderGUIDApp + " could not be opened", "", engineProps},
			[]delivery{{senseevent.KindEngine, engineChecks}}},
		{"engine session error", "engine",
			senseLog{"Session.Engine.Engine", "ERROR", "Session ended unexpectedly", "", engineProps},
			[]delivery{{senseevent.KindEngine, engineChecks}}},
		{"engine performance fatal", "engine",
			senseLog{"Performance.Engine.Engine", "FATAL", "Out of memory", "", engineProps},
			[]delivery{{senseevent.KindEngine, engineChecks}}},
		{"engine info is below the threshold", "engine",
			senseLog{"System.Engine.Engine", "INFO", "Engine started", "", engineProps}, nil},
		{"qix performance info", "engine",
			senseLog{"QixPerformance.Engine.Engine", "INFO", "", "", qixProps},
			[]delivery{{senseevent.KindQixPerf, qixChecks}}},
		{"qix performance debug is below the threshold", "engine",
			senseLog{"QixPerformance.Engine.Engine", "DEBUG", "", "", qixProps}, nil},
		{"proxy warning with exception", "proxy",
			senseLog{"Audit.Proxy.Proxy.Core.RequestListener", "WARN", "Access denied for user CORP\\jdoe", exc, proxyProps},
			[]delivery{{senseevent.KindProxy, proxyChecks}}},
		{"proxy error", "proxy",
			senseLog{"System.Proxy.Proxy.Core.RequestListener", "ERROR", "Request failed", exc, proxyProps},
			[]delivery{{senseevent.KindProxy, proxyChecks}}},
		{"proxy security warning", "proxy",
			senseLog{"Security.Proxy.Proxy.Core.Authentication", "WARN", "Authentication failed", "", proxyProps},
			[]delivery{{senseevent.KindProxy, proxyChecks}}},
		{"proxy audit security warning", "proxy",
			senseLog{"AuditSecurity.Proxy", "WARN", "Ticket rejected", "", proxyProps},
			[]delivery{{senseevent.KindProxy, proxyChecks}}},
		{"session start", "proxy",
			senseLog{"AuditActivity.Proxy", "INFO", "Start session for user 'CORP\\jdoe' (session '" + renderGUIDPxy + "')", "", userProps("Start session")},
			[]delivery{{senseevent.KindProxySession, userChecks(senseevent.ActionSessionStart, "")}}},
		{"session stop", "proxy",
			senseLog{"AuditActivity.Proxy", "INFO", "Stop session for user 'CORP\\jdoe' (session '" + renderGUIDPxy + "')", "", userProps("Stop session")},
			[]delivery{{senseevent.KindProxySession, userChecks(senseevent.ActionSessionStop, "")}}},
		{"connection open (user agent with ';')", "proxy",
			senseLog{"AuditActivity.Proxy", "INFO", "Websocket connection Opened for session '" + renderGUIDPxy + "'. UserAgent: '" + renderUA + "'", "", userProps("Open connection")},
			[]delivery{{senseevent.KindProxyConnection, userChecks(senseevent.ActionConnectionOpen, renderUA)}}},
		{"connection close", "proxy",
			senseLog{"AuditActivity.Proxy", "INFO", "Websocket connection Closed for session '" + renderGUIDPxy + "'", "", userProps("Close connection")},
			[]delivery{{senseevent.KindProxyConnection, userChecks(senseevent.ActionConnectionClose, "")}}},
		{"other audit activity is not sent", "proxy",
			senseLog{"AuditActivity.Proxy", "INFO", "Ticket issued for user 'CORP\\jdoe'", "", userProps("Issue ticket")}, nil},
		{"repository warning", "repository",
			senseLog{"System.Repository.Repository.Core.Repository.Common.Engine.EngineHealthCheck", "WARN", "Engine health check failed", exc, proxyProps},
			[]delivery{{senseevent.KindRepository, proxyChecks}}},
		{"repository user management error", "repository",
			senseLog{"UserManagement.Repository.Repository.Core.UserDirectory.Connectors.LdapSync", "ERROR", "LDAP sync failed", "", proxyProps},
			[]delivery{{senseevent.KindRepository, proxyChecks}}},
		{"repository service warning", "repository",
			senseLog{"Service.Repository", "WARN", "Service slow to respond", "", proxyProps},
			[]delivery{{senseevent.KindRepository, proxyChecks}}},
		{"scheduler reload error", "scheduler",
			senseLog{"System.Scheduler.Scheduler.Slave.Tasks.ReloadTask", "ERROR", "Reload failed in Engine. Check engine or script logs.", exc, schedProps},
			[]delivery{{senseevent.KindScheduler, schedChecks}}},
		{"scheduler service warning", "scheduler",
			senseLog{"Service.Scheduler.Scheduler.Master.Task.TaskSession", "WARN", "Task finished with state FinishedFail", "", schedProps},
			[]delivery{{senseevent.KindScheduler, schedChecks}}},
		{"scheduler info is below the threshold", "scheduler",
			senseLog{"System.Scheduler.Scheduler.Master.Task.TaskSession", "INFO", "Task started", "", schedProps}, nil},
	}
	configs := map[string]xmlConfig{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, ok := configs[tt.dir]
			if !ok {
				cfg = readAppenderFile(t, tt.dir)
				configs[tt.dir] = cfg
			}
			got := deliver(t, cfg, tt.ev)
			var names []string
			for _, a := range got {
				names = append(names, a.Name)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("sent by appenders %q, want %d datagram(s)", names, len(tt.want))
			}
			for i, a := range got {
				line := renderPattern(a, tt.ev)
				var ev senseevent.Event
				if err := senseevent.Parse(line, &ev); err != nil {
					t.Fatalf("appender %s: %v\nline: %s", a.Name, err, line)
				}
				if ev.Kind != tt.want[i].kind {
					t.Errorf("appender %s: kind %s, want %s", a.Name, ev.Kind, tt.want[i].kind)
					continue
				}
				for _, c := range tt.want[i].checks(&ev, tt.ev) {
					if c.got != c.want {
						t.Errorf("appender %s: %s = %q, want %q\nline: %s", a.Name, c.name, c.got, c.want, line)
					}
				}
				if len(ev.Invalid) > 0 || ev.Ambiguous != senseevent.NotAmbiguous {
					t.Errorf("appender %s: invalid %v, ambiguous %q\nline: %s", a.Name, ev.Invalid, ev.Ambiguous, line)
				}
			}
		})
	}
}
