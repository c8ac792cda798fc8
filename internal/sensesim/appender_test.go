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
	"strings"
	"testing"
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
			path := filepath.Join(appenderDir, tt.dir, "LocalLogConfig.xml")
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read %s: %v", path, err)
			}
			var cfg xmlConfig
			if err := xml.Unmarshal(raw, &cfg); err != nil {
				t.Fatalf("parse %s: %v", path, err)
			}
			checkElementOrder(t, raw)
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
