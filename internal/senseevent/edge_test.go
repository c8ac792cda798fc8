package senseevent

import (
	"errors"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func mustTime(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixNano()
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 in UTC; "" = invalid
	}{
		{"20240312T101542.118+0100", "2024-03-12T09:15:42.118Z"},
		{"20240312T101542.118-0500", "2024-03-12T15:15:42.118Z"},
		{"20240312T101542.118-0930", "2024-03-12T19:45:42.118Z"},
		{"20240312T101542+0000", "2024-03-12T10:15:42Z"},
		{"20240312T101542.1180000Z", "2024-03-12T10:15:42.118Z"},
		{"2024-03-12T10:17:02.310+0100", "2024-03-12T09:17:02.31Z"},
		{"2024-03-12T10:17:02.310+01:00", "2024-03-12T09:17:02.31Z"},
		{"2024-03-12T10:17:02.310-05:00", "2024-03-12T15:17:02.31Z"},
		{"2024-03-12T10:17:02Z", "2024-03-12T10:17:02Z"},
		{"2024-03-12T10:17:02,5+05:30", "2024-03-12T04:47:02.5Z"},
		{"20240101T003000.000+0100", "2023-12-31T23:30:00Z"},
		{"20240229T120000.000+0000", "2024-02-29T12:00:00Z"},
		{"20230229T120000.000+0000", ""}, // not a leap year
		{"20240312T101542.118", ""},      // no zone: cannot be placed
		{"2024-03-12 10:15:42,118", ""},  // log4net %date has no zone
		{"20241312T101542.118+0100", ""},
		{"20240312T251542.118+0100", ""},
		{"20240312T101542.+0100", ""},
		{"20240312T101542.118+01", "2024-03-12T09:15:42.118Z"},
		{"20240312T101542.118+2500", ""},
		{"19691231T235959.000+0000", ""}, // before the Unix epoch: a broken clock, not a time to store
		{"19700101T000000.000+0000", "1970-01-01T00:00:00Z"},
		{"not a time", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := ParseTime(tt.in)
		if tt.want == "" {
			if ok {
				t.Errorf("ParseTime(%q) = %v, want invalid", tt.in, time.Unix(0, got).UTC())
			}
			continue
		}
		if !ok || got != mustTime(tt.want) {
			t.Errorf("ParseTime(%q) = %v (%v), want %s", tt.in, time.Unix(0, got).UTC(), ok, tt.want)
		}
	}
}

const (
	guidA = "c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d10"
	guidB = "5b817efe-472d-43ce-8a31-6cce34af7de9"
	guidC = "d9f1e7a2-3c4b-4d5e-8f60-718293a4b5c6"
	head7 = "1;20240312T101542.118-0500;2024-03-12 10:15:42,118;WARN;HOST1;System.Proxy.Proxy;CORP\\svc;"
)

func proxyLine(msgAndException string) string {
	return "/qseow-proxy/;" + head7 + msgAndException + ";CORP;jdoe;Check access;403;AppAccess;/app/" + guidB
}

func TestParseEdgeCases(t *testing.T) {
	tests := []parseCase{
		{"proxy message with ; and no exception", proxyLine("a; b; c;"), func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "a; b; c")
			eq(t, ev.Exception, "")
			eq(t, ev.Ambiguous, NotAmbiguous)
			eq(t, ev.UserID, "jdoe")
			eq(t, ev.AppID, guidB)
		}},
		{"proxy message with ; and a .NET exception", proxyLine("Failed; retrying;System.Net.WebException: Unable to connect"), func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "Failed; retrying")
			eq(t, ev.Exception, "System.Net.WebException: Unable to connect")
			eq(t, ev.Ambiguous, NotAmbiguous)
			eq(t, ev.ExceptionType, "System.Net.WebException")
		}},
		{"repository exception type followed by an HRESULT", strings.Replace(proxyLine("Failed to connect (Host=db;Port=4432); retrying;Npgsql.NpgsqlException (0x80004005): refused"), "/qseow-proxy/", "/qseow-repository/", 1), func(t *testing.T, ev *Event) {
			eq(t, ev.Kind, KindRepository)
			eq(t, ev.Message, "Failed to connect (Host=db;Port=4432); retrying")
			eq(t, ev.Exception, "Npgsql.NpgsqlException (0x80004005): refused")
			eq(t, ev.Ambiguous, NotAmbiguous)
			eq(t, ev.ExceptionType, "Npgsql.NpgsqlException")
		}},
		{"control characters and length kept as sent", proxyLine("Line one\tcol\x01\x7f " + strings.Repeat("x", 3000) + ";System.IO.IOException: a\r\n   at B()"), func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "Line one\tcol\x01\x7f "+strings.Repeat("x", 3000))
			eq(t, ev.Exception, "System.IO.IOException: a\r\n   at B()")
			eq(t, ev.Ambiguous, NotAmbiguous)
		}},
		{"proxy exception with ; after its type", proxyLine("Failed;System.IO.IOException: disk; full"), func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "Failed")
			eq(t, ev.Exception, "System.IO.IOException: disk; full")
			eq(t, ev.Ambiguous, NotAmbiguous)
		}},
		{"proxy message and exception both free text with ;", proxyLine("one; two;three"), func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "one; two")
			eq(t, ev.Exception, "three")
			eq(t, ev.Ambiguous, AmbiguousMessageException)
			eq(t, ev.Command, "Check access")
			eq(t, ev.ResultCode, int64(403))
		}},
		{"west of UTC", proxyLine("m;"), func(t *testing.T, ev *Event) {
			eq(t, ev.TimeStatus, TimeOK)
			eq(t, ev.Time, mustTime("2024-03-12T15:15:42.118Z"))
		}},
		{"invalid time falls back", strings.Replace(proxyLine("m;"), "20240312T101542.118-0500", "20241340T999999", 1), func(t *testing.T, ev *Event) {
			eq(t, ev.TimeStatus, TimeInvalid)
			eq(t, ev.TimeRaw, "20241340T999999")
			eqSlice(t, ev.Invalid, []InvalidField{{AttrTimestamp, "20241340T999999"}})
		}},
		{"CRLF and BOM ignored", "\uFEFF" + proxyLine("m;") + "\r\n", func(t *testing.T, ev *Event) {
			eq(t, ev.Kind, KindProxy)
			eq(t, ev.Context, "/app/"+guidB)
		}},
		{"scheduler exception with ;", "/qseow-scheduler/;" + head7 + "Reload failed;System.Exception: step 1; step 2;;;INTERNAL\\sa_scheduler;Task;App;" + guidA + ";" + guidB + ";" + guidC, func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "Reload failed")
			eq(t, ev.Exception, "System.Exception: step 1; step 2")
			eq(t, ev.UserDir, "INTERNAL")
			eq(t, ev.UserID, "sa_scheduler")
			eq(t, ev.FullUser(), "INTERNAL\\sa_scheduler")
			eq(t, ev.TaskID, guidA)
			eq(t, ev.ExecutionID, guidC)
		}},
		{"engine ; in message with a broken tail is ambiguous", "/qseow-engine/;" + head7 + "x; y;0;CORP;jdoe;ts;notaguid;14.1;st;Server;" + guidC + ";" + guidB, func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "x; y")
			eq(t, ev.Ambiguous, AmbiguousTrailingFields)
			eq(t, ev.NonUser, true)
			eq(t, len(ev.Invalid), 1)
			eq(t, ev.Invalid[0], InvalidField{AttrEngineProcessID, "notaguid"})
		}},
		{"engine invalid app id kept as invalid", "/qseow-engine/;" + head7 + "m;;;;ts;;;;;" + guidC + ";bad-app", func(t *testing.T, ev *Event) {
			eq(t, ev.AppID, "")
			eqSlice(t, ev.Invalid, []InvalidField{{AttrAppID, "bad-app"}})
			eq(t, ev.Ambiguous, NotAmbiguous)
		}},
		{"upper-case GUIDs are GUIDs", "/qseow-engine/;" + head7 + "m;;;;ts;;;;;;" + strings.ToUpper(guidB), func(t *testing.T, ev *Event) {
			eq(t, ev.AppID, strings.ToUpper(guidB))
		}},
		{"qix-perf ; in object id", "/qseow-qix-perf/;" + head7 + guidA + ";CORP;jdoe;ts;" + guidC + ";" + guidB + ";5;GenericObject::GetLayout;1,5;1.25;0;0;0;3;my;obj;100;200;table", func(t *testing.T, ev *Event) {
			eq(t, ev.ObjectID, "my;obj")
			eq(t, ev.ObjectType, "table")
			eq(t, ev.ProcessTimeMS, 1.5)
			eq(t, ev.Ambiguous, NotAmbiguous)
			eq(t, ev.PeakRAM, int64(200))
			eq(t, ev.Present&HasPeakRAM != 0, true)
		}},
		{"qix-perf bad numbers are left out and named", "/qseow-qix-perf/;" + head7 + "0;;;ts;;;x;M;NaN;Inf;;;;;o;-;;t", func(t *testing.T, ev *Event) {
			eq(t, ev.NonUser, true)
			eq(t, ev.HasRequestID, false)
			eq(t, ev.Present, PresentFields(0))
			eqSlice(t, ev.Invalid, []InvalidField{{AttrQixRequestID, "x"}, {AttrQixProcessTime, "NaN"}, {AttrQixWorkTime, "Inf"}, {AttrQixNetRAM, "-"}})
		}},
		{"scheduler ; in the task name shifts the user fields: flagged", "/qseow-scheduler/;" + head7 + "Reload failed;;;;INTERNAL\\sa_scheduler;Reload; daily;Sales;" + guidA + ";" + guidB + ";" + guidC, func(t *testing.T, ev *Event) {
			eq(t, ev.Ambiguous, AmbiguousTrailingFields)
			eq(t, ev.TaskID, guidA)
			eq(t, ev.ExecutionID, guidC)
		}},
		// The task name shifted into User has a backslash, as a user does;
		// the User shifted into the user id shows the shift.
		{"scheduler ; in the app name, a backslash in the task name: flagged", "/qseow-scheduler/;" + head7 + "Reload failed;;;;INTERNAL\\sa_scheduler;Reload task of Finance\\Budget;Budget; 2024;" + guidA + ";" + guidB + ";" + guidC, func(t *testing.T, ev *Event) {
			eq(t, ev.Ambiguous, AmbiguousTrailingFields)
			eq(t, ev.TaskID, guidA)
		}},
		{"scheduler ; in the app name after a .NET exception: flagged", "/qseow-scheduler/;" + head7 + "Reload failed;System.Exception: x;CORP;jdoe;CORP\\jdoe;Reload daily;Sales; EMEA;" + guidA + ";" + guidB + ";" + guidC, func(t *testing.T, ev *Event) {
			eq(t, ev.Ambiguous, AmbiguousTrailingFields)
		}},
		{"scheduler ; in the message only: user fields intact, not flagged", "/qseow-scheduler/;" + head7 + "Reload failed; see log;System.Exception: x;CORP;jdoe;CORP\\jdoe;Reload daily;Sales;" + guidA + ";" + guidB + ";" + guidC, func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "Reload failed; see log")
			eq(t, ev.Ambiguous, NotAmbiguous)
			eq(t, ev.FullUser(), "CORP\\jdoe")
			eq(t, ev.TaskName, "Reload daily")
		}},
		{"scheduler directory and id win over a User naming someone else", "/qseow-scheduler/;" + head7 + "Msg;;CORP;jdoe;INTERNAL\\sa_scheduler;Task;App;" + guidA + ";" + guidB + ";" + guidC, func(t *testing.T, ev *Event) {
			eq(t, ev.UserDir, "CORP")
			eq(t, ev.UserID, "jdoe")
			eq(t, ev.FullUser(), "CORP\\jdoe")
		}},
		{"scheduler User as DIRECTORY\\userid of the same user is kept as sent", "/qseow-scheduler/;" + head7 + "Msg;;CORP;jdoe;CORP\\jdoe;Task;App;" + guidA + ";" + guidB + ";" + guidC, func(t *testing.T, ev *Event) {
			eq(t, ev.UserFull, "CORP\\jdoe")
		}},
		{"user event with ; in user agent and no quotes", "/qseow-proxy-connection/;P1;Close connection;CORP;jdoe;AppAccess;/sense/app/" + guidB + "/sheet/abc;Closed for session '" + guidA + "'. UserAgent: Mozilla/5.0 (X11; Linux x86_64)", func(t *testing.T, ev *Event) {
			eq(t, ev.Action, ActionConnectionClose)
			eq(t, ev.AppID, guidB)
			eq(t, ev.ProxySession, guidA)
			eq(t, ev.UserAgent, "Mozilla/5.0 (X11; Linux x86_64)")
		}},
		{"user event with empty message", "/qseow-proxy-session/;P1;Stop session;CORP;jdoe;;;", func(t *testing.T, ev *Event) {
			eq(t, ev.Action, ActionSessionStop)
			eq(t, ev.Message, "")
			eq(t, ev.UserAgent, "")
		}},
		{"unknown command keeps the command", "/qseow-proxy-session/;P1;Refresh session;CORP;jdoe;;;m", func(t *testing.T, ev *Event) {
			eq(t, ev.Action, ActionNone)
			eq(t, ev.Command, "Refresh session")
		}},
	}
	runParseCases(t, tests)
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Reason
	}{
		{"empty", "", ReasonEmpty},
		{"blank", " \r\n", ReasonEmpty},
		{"invalid UTF-8", "/qseow-proxy/;\xff\xfe;", ReasonInvalidUTF8},
		{"unknown marker", "/qseow-printing/;1;2", ReasonUnknownMarker},
		{"no separator", "hello world", ReasonUnknownMarker},
		{"marker only", "/qseow-engine/", ReasonFieldCount},
		{"short engine", "/qseow-engine/;1;2;3", ReasonFieldCount},
		{"proxy without exception separator", "/qseow-proxy/;" + head7 + "m;CORP;jdoe;c;1;o;ctx", ReasonFieldCount},
		{"short qix-perf", "/qseow-qix-perf/;" + head7 + "0;;;ts;;;1;M;1;1;0;0;0;1;o;1;1", ReasonFieldCount},
		{"short user event", "/qseow-proxy-session/;P1;Start session;CORP;jdoe;AppAccess", ReasonFieldCount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev Event
			err := Parse(tt.line, &ev)
			perr, ok := err.(*Error)
			if !ok {
				t.Fatalf("Parse(%q) = %v, want a %s rejection", tt.line, err, tt.want)
			}
			eq(t, perr.Reason, tt.want)
			if perr.Error() == "" {
				t.Error("empty error text")
			}
		})
	}
}

// TestFieldCountDetail checks that a field_count rejection names the
// datagram's real field count.
func TestFieldCountDetail(t *testing.T) {
	tests := []struct {
		line string
		want string
	}{
		{"/qseow-engine/", "has 1 fields, want 19"},
		{"/qseow-engine/;", "has 2 fields, want 19"},
		{"/qseow-engine/;1;2;3", "has 4 fields, want 19"},
		{"/qseow-proxy-session/;P1;Start session;CORP;jdoe;AppAccess", "has 6 fields, want 8"},
	}
	for _, tt := range tests {
		var ev Event
		err := Parse(tt.line, &ev)
		perr, ok := err.(*Error)
		if !ok || perr.Reason != ReasonFieldCount {
			t.Fatalf("Parse(%q) = %v, want a field_count rejection", tt.line, err)
		}
		eq(t, perr.Detail, tt.want)
	}
}

// TestEventReuse checks that a reused Event carries nothing over.
func TestEventReuse(t *testing.T) {
	var ev Event
	if err := Parse("/qseow-engine/;"+head7+"m;;;;ts;;;;;;bad", &ev); err != nil {
		t.Fatal(err)
	}
	if err := Parse("/qseow-proxy-session/;P1;Stop session;CORP;jdoe;;;", &ev); err != nil {
		t.Fatal(err)
	}
	eq(t, len(ev.Invalid), 0)
	eq(t, ev.Level, "")
	eq(t, ev.Host, "P1")
}

func eq[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func eqSlice[T comparable](t *testing.T, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestIsGUID(t *testing.T) {
	for s, want := range map[string]bool{
		guidA: true, strings.ToUpper(guidB): true, "": false, "0": false,
		"c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d1g": false, "c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d1": false,
		"c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d10x": false, "c8a8b0c4x5ef3-4b4a-b1d3-2f6f9a1e7d10": false,
		"c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e-d10": false, "SessionApp_4f1c2d3e-aaaa-4bbb-8ccc-0": false,
	} {
		eq(t, IsGUID(s), want)
	}
}

// TestParseRealWorldForms covers what real Sense servers send beyond the
// samples: log4net's "(null)" for a property that is not set, Qlik's
// "UserDirectory=X; UserId=Y" user form, DOMAIN\user in a user id field,
// blanks around the last field, and datagrams from an appender without
// encoding="utf-8" (log4net then encodes with the Windows ANSI code page).
func TestParseRealWorldForms(t *testing.T) {
	const null = "(null)"
	nulls := func(n int) string { return strings.TrimSuffix(strings.Repeat(null+";", n), ";") }
	tests := []parseCase{
		{"engine (null) properties are missing values", "/qseow-engine/;" + head7 + "m;" + nulls(10), func(t *testing.T, ev *Event) {
			eq(t, len(ev.Invalid), 0)
			eq(t, ev.UserDir, "")
			eq(t, ev.UserID, "")
			eq(t, ev.FullUser(), "")
			eq(t, ev.EngineTime, "")
			eq(t, ev.EngineVersion, "")
			eq(t, ev.EngineStarted, "")
			eq(t, ev.EntryType, "")
			eq(t, ev.NonUser, false)
			eq(t, ev.Ambiguous, NotAmbiguous)
		}},
		{"engine (null) properties with ; in the message: not ambiguous", "/qseow-engine/;" + head7 + "a; b;" + nulls(10), func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "a; b")
			eq(t, ev.Ambiguous, NotAmbiguous)
			eq(t, len(ev.Invalid), 0)
		}},
		{"proxy (null) properties are missing values", "/qseow-proxy/;" + head7 + "m;" + nulls(7), func(t *testing.T, ev *Event) {
			eq(t, ev.Exception, "")
			eq(t, len(ev.Invalid), 0)
			eq(t, ev.FullUser(), "")
			eq(t, ev.UserDir, "")
			eq(t, ev.Command, "")
			eq(t, ev.HasResultCode, false)
			eq(t, ev.Origin, "")
			eq(t, ev.Context, "")
		}},
		{"proxy (null) exception after a message with ;: no exception, not ambiguous", proxyLine("Retrying; attempt 2;" + null), func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "Retrying; attempt 2")
			eq(t, ev.Exception, "")
			eq(t, ev.Ambiguous, NotAmbiguous)
			eq(t, ev.Command, "Check access")
		}},
		{"scheduler (null) properties are missing values", "/qseow-scheduler/;" + head7 + "m;;" + nulls(8), func(t *testing.T, ev *Event) {
			eq(t, len(ev.Invalid), 0)
			eq(t, ev.FullUser(), "")
			eq(t, ev.UserID, "")
			eq(t, ev.TaskName, "")
			eq(t, ev.AppName, "")
			eq(t, ev.Ambiguous, NotAmbiguous)
		}},
		{"qix-perf (null) properties are missing values", "/qseow-qix-perf/;" + head7 + nulls(7) + ";GenericObject::GetLayout;" + nulls(10), func(t *testing.T, ev *Event) {
			eq(t, len(ev.Invalid), 0)
			eq(t, ev.Present, PresentFields(0))
			eq(t, ev.HasRequestID, false)
			eq(t, ev.FullUser(), "")
			eq(t, ev.EngineTime, "")
			eq(t, ev.ObjectID, "")
			eq(t, ev.ObjectType, "")
			eq(t, ev.Method, "GenericObject::GetLayout")
		}},
		{"user event (null) properties are missing values", "/qseow-proxy-session/;P1;Start session;(null);(null);(null);(null);Start session for user", func(t *testing.T, ev *Event) {
			eq(t, ev.Action, ActionSessionStart)
			eq(t, ev.FullUser(), "")
			eq(t, ev.UserDir, "")
			eq(t, ev.Origin, "")
			eq(t, ev.Context, "")
		}},
		{"(null) time is a missing time", strings.Replace("/qseow-proxy/;"+head7+"m;;CORP;jdoe;c;1;o;x", "20240312T101542.118-0500", null, 1), func(t *testing.T, ev *Event) {
			eq(t, ev.TimeStatus, TimeMissing)
			eq(t, len(ev.Invalid), 0)
		}},
		{"scheduler User in Qlik's UserDirectory=X; UserId=Y form", "/qseow-scheduler/;" + head7 + "Reload failed;;;;UserDirectory=INTERNAL; UserId=sa_scheduler;Reload of Sales;Sales;" + guidA + ";" + guidB + ";" + guidC, func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "Reload failed")
			eq(t, ev.Exception, "")
			eq(t, ev.UserDir, "INTERNAL")
			eq(t, ev.UserID, "sa_scheduler")
			eq(t, ev.FullUser(), `INTERNAL\sa_scheduler`)
			eq(t, ev.TaskName, "Reload of Sales")
			eq(t, ev.Ambiguous, NotAmbiguous)
		}},
		{"scheduler User in Qlik's form and a .NET exception", "/qseow-scheduler/;" + head7 + "Reload failed;System.Exception: x;INTERNAL;sa_scheduler;UserDirectory=INTERNAL;UserId=sa_scheduler;T;A;" + guidA + ";" + guidB + ";" + guidC, func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "Reload failed")
			eq(t, ev.Exception, "System.Exception: x")
			eq(t, ev.FullUser(), `INTERNAL\sa_scheduler`)
			eq(t, ev.Ambiguous, NotAmbiguous)
		}},
		{"scheduler User in Qlik's form and ; in the message: not ambiguous", "/qseow-scheduler/;" + head7 + "Reload failed; see log;;;;UserDirectory=INTERNAL; UserId=sa_scheduler;T;A;" + guidA + ";" + guidB + ";" + guidC, func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "Reload failed; see log")
			eq(t, ev.FullUser(), `INTERNAL\sa_scheduler`)
			eq(t, ev.Ambiguous, NotAmbiguous)
		}},
		{"proxy UserId in Qlik's form", "/qseow-proxy/;" + head7 + "Access denied;;;UserDirectory=CORP; UserId=jdoe;Check access;403;AppAccess;/hub/", func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "Access denied")
			eq(t, ev.Exception, "")
			eq(t, ev.UserDir, "CORP")
			eq(t, ev.UserID, "jdoe")
			eq(t, ev.Command, "Check access")
			eq(t, ev.Ambiguous, NotAmbiguous)
		}},
		{"Qlik's user form in a proxy message keeps the message whole", "/qseow-proxy/;" + head7 + "Access was denied for User: 'UserDirectory=CORP; UserId=jdoe';;CORP;jdoe;Check access;403;AppAccess;/hub/", func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "Access was denied for User: 'UserDirectory=CORP; UserId=jdoe'")
			eq(t, ev.Exception, "")
			eq(t, ev.Ambiguous, NotAmbiguous)
			eq(t, ev.FullUser(), `CORP\jdoe`)
		}},
		{"engine ActiveUserId as DOMAIN\\user without a directory", "/qseow-engine/;" + head7 + `m;;;CORP\jdoe;ts;;;;;;`, func(t *testing.T, ev *Event) {
			eq(t, ev.UserDir, "CORP")
			eq(t, ev.UserID, "jdoe")
			eq(t, ev.FullUser(), `CORP\jdoe`)
		}},
		{"engine SessionId 0 is Sense's no session, not an invalid GUID", "/qseow-engine/;" + head7 + "m;0;INTERNAL;sa_scheduler;ts;;;;Server;0;" + guidB, func(t *testing.T, ev *Event) {
			eq(t, ev.NonUser, true)
			eq(t, ev.EngineSession, "")
			eq(t, len(ev.Invalid), 0)
			eq(t, ev.AppID, guidB)
		}},
		{"blanks after the last field", "/qseow-engine/;" + head7 + "m;;;;ts;;;;;;" + guidB + " \t\r\n", func(t *testing.T, ev *Event) {
			eq(t, ev.AppID, guidB)
			eq(t, len(ev.Invalid), 0)
		}},
		{"blanks around a GUID", "/qseow-scheduler/;" + head7 + `m;;;;INTERNAL\sa_scheduler;T;A; ` + guidA + " ;" + guidB + ";" + guidC, func(t *testing.T, ev *Event) {
			eq(t, ev.TaskID, guidA)
			eq(t, len(ev.Invalid), 0)
		}},
		{"Windows-1252 user name and message", "/qseow-proxy/;" + head7 + "Zugriff f\xfcr J\xf6rg verweigert \x80;;CORP;j\xf6rg;Check access;403;AppAccess;/hub/", func(t *testing.T, ev *Event) {
			eq(t, ev.Kind, KindProxy)
			eq(t, ev.Message, "Zugriff für Jörg verweigert €")
			eq(t, ev.UserID, "jörg")
			eq(t, ev.FullUser(), `CORP\jörg`)
			eq(t, ev.ResultCode, int64(403))
		}},
		{"Windows-1252 in a user event", "/qseow-proxy-session/;P1;Start session;CORP;M\xfcller;AppAccess;/hub/;Start session for user 'CORP\\M\xfcller'", func(t *testing.T, ev *Event) {
			eq(t, ev.UserID, "Müller")
			eq(t, ev.Message, `Start session for user 'CORP\Müller'`)
		}},
		{"UTF-8 and stray Windows-1252 bytes mixed", "/qseow-proxy-session/;P1;Stop session;CORP;j\xc3\xb6rg;AppAccess;/hub/;bye \x96 j\xf6rg", func(t *testing.T, ev *Event) {
			eq(t, ev.UserID, "jörg")
			eq(t, ev.Message, "bye – jörg")
		}},
	}
	runParseCases(t, tests)
}

// TestUTF16SaysSo: an appender with encoding="unicode" sends UTF-16; every
// event is rejected, and the reason's detail (which the receiver logs) says
// what to change, with or without a byte-order mark, in either byte order.
func TestUTF16SaysSo(t *testing.T) {
	line := "/qseow-engine/;1;20240312T101542.118+0100;2024-03-12 10:15:42,118;WARN;QS-CENTRAL-01;System.Engine;CORP\\svc;m"
	le, be := make([]byte, 0, 2*len(line)), make([]byte, 0, 2*len(line))
	for _, c := range []byte(line) {
		le, be = append(le, c, 0), append(be, 0, c)
	}
	for _, tt := range []struct {
		name, datagram string
		reason         Reason
	}{
		{"little-endian", string(le), ReasonUnknownMarker},
		{"little-endian with BOM", "\xff\xfe" + string(le), ReasonInvalidUTF8},
		{"big-endian", string(be), ReasonUnknownMarker},
		{"big-endian with BOM", "\xfe\xff" + string(be), ReasonInvalidUTF8},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ev Event
			err := Parse(tt.datagram, &ev)
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("Parse = %v, want a rejection", err)
			}
			eq(t, perr.Reason, tt.reason)
			eq(t, perr.Detail, utf16Hint)
		})
	}
	// A UTF-8 datagram with an unknown marker keeps its own detail, and so
	// does binary junk with zero bytes (a DNS query sent to the port).
	var ev Event
	err := Parse("/qseow-printing/;1;2", &ev)
	eq(t, err.(*Error).Detail, `unknown marker "/qseow-printing/"`)
	err = Parse("\xab\x00\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00", &ev)
	if err.(*Error).Detail == utf16Hint {
		t.Errorf("binary junk taken for UTF-16: %v", err)
	}
}

// TestInvalidUTF8Garbage: bytes that are neither UTF-8 nor, read as
// Windows-1252, an event are still rejected as invalid_utf8.
func TestInvalidUTF8Garbage(t *testing.T) {
	for _, line := range []string{"\xff\xfe", "/qseow-proxy/;\xff\xfe;x", "\x80\x81\x82;1;2"} {
		var ev Event
		err := Parse(line, &ev)
		perr, ok := err.(*Error)
		if !ok || perr.Reason != ReasonInvalidUTF8 {
			t.Errorf("Parse(%q) = %v, want invalid_utf8", line, err)
		}
	}
}

// TestSeveralEventsInOneDatagram: log4net's UdpAppender sends one event per
// datagram, but a relay that joins lines sends several, one per line. Each is
// its own event (Next holds the rest), never one event spliced from two; a
// line break inside a message that no marker follows stays in the message.
func TestSeveralEventsInOneDatagram(t *testing.T) {
	proxy1 := proxyLine("first;")
	proxy2 := strings.Replace(proxyLine("second;"), "jdoe", "asmith", 1)
	user1 := "/qseow-proxy-session/;P1;Start session;CORP;jdoe;AppAccess;/hub/;Start session for user 'CORP\\jdoe'"
	user2 := "/qseow-proxy-connection/;P1;Open connection;CORP;jdoe;AppAccess;/hub/;Websocket connection Opened. UserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)'"
	unknown := "/qseow-printing/;1;20240312T101900.000+0100;2024-03-12 10:19:00,000;WARN;QS-CENTRAL-01;System.Printing;CORP\\qlikservice;Unknown source"
	tests := []struct {
		name     string
		datagram string
		messages []string
		errs     []Reason // per event; "" for none
	}{
		{"two proxy events, CRLF", proxy1 + "\r\n" + proxy2 + "\r\n", []string{"first", "second"}, []Reason{"", ""}},
		{"two user events, LF", user1 + "\n" + user2, []string{"Start session for user 'CORP\\jdoe'", "Websocket connection Opened. UserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)'"}, []Reason{"", ""}},
		{"three kinds", proxy1 + "\n" + user1 + "\n" + proxy2, []string{"first", "Start session for user 'CORP\\jdoe'", "second"}, []Reason{"", "", ""}},
		{"a broken event then a good one", "/qseow-engine/;1;2;3\n" + user1, []string{"", "Start session for user 'CORP\\jdoe'"}, []Reason{ReasonFieldCount, ""}},
		{"a line break in a user message stays", "/qseow-proxy-session/;P1;Start session;CORP;jdoe;AppAccess;/hub/;line one\r\nline two; /qseow-x/;y", []string{"line one\r\nline two; /qseow-x/;y"}, []Reason{""}},
		{"a line break in a proxy message stays", proxyLine("line one\r\n/not a marker; at all;"), []string{"line one\r\n/not a marker; at all"}, []Reason{""}},
		// A relay that joins lines read from files keeps each file's byte-order mark.
		{"a byte-order mark before a later event", "\uFEFF" + proxy1 + "\r\n\uFEFF" + proxy2 + "\r\n", []string{"first", "second"}, []Reason{"", ""}},
		{"a byte-order mark before a later user event", user1 + "\n\uFEFF" + user2, []string{"Start session for user 'CORP\\jdoe'", "Websocket connection Opened. UserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)'"}, []Reason{"", ""}},
		// A line break before the first event is no empty event.
		{"a line break before the first of two", "\r\n" + proxy1 + "\r\n" + proxy2, []string{"first", "second"}, []Reason{"", ""}},
		{"blank lines before and between", "\n\r\n" + user1 + "\r\n\r\n" + proxy2, []string{"Start session for user 'CORP\\jdoe'", "second"}, []Reason{"", ""}},
		// A user event's message may hold ';' (user agents do), so it alone
		// did not start the search for a next event: one with few separators
		// after it was swallowed into the message, neither read nor counted.
		{"a user event then a short broken one", user1 + "\n/qseow-engine/;1;2", []string{"Start session for user 'CORP\\jdoe'", ""}, []Reason{"", ReasonFieldCount}},
		{"a user event with a user agent then a short broken one", user2 + "\r\n/qseow-proxy/;1", []string{"Websocket connection Opened. UserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)'", ""}, []Reason{"", ReasonFieldCount}},
		// A line with an unknown marker (another appender's, as Butler SOS's
		// edge-case sample has) after an event was spliced into it: the
		// proxy event's context became the unknown line's message.
		{"an event then an unknown marker", proxy1 + "\r\n" + unknown + "\r\n" + user1, []string{"first", "", "Start session for user 'CORP\\jdoe'"}, []Reason{"", ReasonUnknownMarker, ""}},
		{"a user event then an unknown marker", user2 + "\n" + unknown, []string{"Websocket connection Opened. UserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)'", ""}, []Reason{"", ReasonUnknownMarker}},
		{"an unknown marker then another", unknown + "\n" + unknown + "\n" + proxy2, []string{"", "", "second"}, []Reason{ReasonUnknownMarker, ReasonUnknownMarker, ""}},
		{"a broken event then an unknown marker", "/qseow-engine/;1;2;3\n" + unknown, []string{"", ""}, []Reason{ReasonFieldCount, ReasonUnknownMarker}},
		// A broken user event and the lines after it that have between them
		// just a user event's separators were read as one user event.
		{"a broken user event then short lines", "/qseow-proxy-connection/;P1;Open connection;CORP;jdoe;AppAccess\r\n" + unknown[:18] + "\n/qseow-engine/;1", []string{"", "", ""}, []Reason{ReasonFieldCount, ReasonUnknownMarker, ReasonFieldCount}},
		// A datagram over longDatagram bytes is cut at its next event before
		// it is read: a broken line followed by an event is told apart even
		// when the two have just the first kind's separators (11 and 7 of an
		// engine event's 18).
		{"a long broken event then one that makes up its separators", "/qseow-engine/;1;2;3;4;5;6;7;8;9;10;" + strings.Repeat("x", longDatagram) + "\n" + user1, []string{"", "Start session for user 'CORP\\jdoe'"}, []Reason{ReasonFieldCount, ""}},
		// The marker's ';' is looked for within maxMarker bytes only.
		{"a line break before a long marker-like text stays", user1 + "\n/" + strings.Repeat("a", maxMarker) + "/;x", []string{"Start session for user 'CORP\\jdoe'\n/" + strings.Repeat("a", maxMarker) + "/;x"}, []Reason{""}},
		{"a marker of maxMarker bytes starts an event", user1 + "\n/" + strings.Repeat("a", maxMarker-2) + "/;x", []string{"Start session for user 'CORP\\jdoe'", ""}, []Reason{"", ReasonUnknownMarker}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var msgs []string
			var errs []Reason
			for line := tt.datagram; line != ""; {
				var ev Event
				err := Parse(line, &ev)
				if err != nil {
					errs = append(errs, err.(*Error).Reason)
				} else {
					errs = append(errs, "")
					if ev.Ambiguous != NotAmbiguous {
						t.Errorf("%q: ambiguous %v", ev.Message, ev.Ambiguous)
					}
				}
				msgs = append(msgs, ev.Message)
				if len(msgs) > 5 {
					t.Fatal("no end")
				}
				line = ev.Next
			}
			eqSlice(t, msgs, tt.messages)
			eqSlice(t, errs, tt.errs)
		})
	}
}

// TestNextIsTheRestOfTheInput: Next is a suffix of the line given to Parse,
// so a caller can tell which bytes the event came from (the receiver keeps a
// rejected line as it came): also after a trailing line break, which Parse
// ignores, and in a datagram read as Windows-1252, whose text is longer than
// its bytes. And a line with an unknown marker does not hide the events
// after it.
func TestNextIsTheRestOfTheInput(t *testing.T) {
	user1 := "/qseow-proxy-session/;P1;Start session;CORP;jdoe;AppAccess;/hub/;Start session for user 'CORP\\jdoe'"
	tests := []struct {
		name  string
		line  string
		first string // the first line, as it came
		err   Reason
	}{
		{"CRLF at the end", "/qseow-engine/;1;2\n" + user1 + "\r\n", "/qseow-engine/;1;2", ReasonFieldCount},
		{"BOM and CRLF", "\uFEFF/qseow-engine/;1;2\r\n" + user1 + "\r\n", "\uFEFF/qseow-engine/;1;2", ReasonFieldCount},
		{"Windows-1252, first line rejected", "/qseow-engine/;\xff\n" + user1 + " " + strings.Repeat("\xe9", 64), "/qseow-engine/;\xff", ReasonInvalidUTF8},
		{"Windows-1252, first line read", proxyLine("J\xf6rg;") + "\n" + user1 + " \xe9\xe9", proxyLine("J\xf6rg;"), ""},
		{"unknown marker first", "/qseow-printing/;1;2\r\n" + user1, "/qseow-printing/;1;2", ReasonUnknownMarker},
		// Only the events after it are Windows-1252: a rejected first line
		// keeps its own reason (it was rejected as invalid_utf8).
		{"UTF-8 unknown marker, then Windows-1252", "/qseow-printing/;1;2\n" + user1 + " J\xf6rg", "/qseow-printing/;1;2", ReasonUnknownMarker},
		{"UTF-8 broken event, then Windows-1252", "/qseow-engine/;1;2;3\r\n" + user1 + " J\xf6rg", "/qseow-engine/;1;2;3", ReasonFieldCount},
		{"long first line", "/qseow-engine/;1;" + strings.Repeat("x", longDatagram) + "\r\n" + user1, "/qseow-engine/;1;" + strings.Repeat("x", longDatagram), ReasonFieldCount},
		{"long first line, Windows-1252", "\uFEFF/qseow-engine/;1;" + strings.Repeat("\xe9", longDatagram) + "\r\n" + user1, "\uFEFF/qseow-engine/;1;" + strings.Repeat("\xe9", longDatagram), ReasonInvalidUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev Event
			err := Parse(tt.line, &ev)
			var reason Reason
			if err != nil {
				reason = err.(*Error).Reason
			}
			eq(t, reason, tt.err)
			if !strings.HasSuffix(tt.line, ev.Next) || ev.Next == "" {
				t.Fatalf("Next %q is not the rest of %q", ev.Next, tt.line)
			}
			eq(t, strings.TrimRight(tt.line[:len(tt.line)-len(ev.Next)], "\r\n"), tt.first)
			if err := Parse(ev.Next, &ev); err != nil {
				t.Fatalf("second event: %v", err)
			}
			eq(t, ev.Action, ActionSessionStart)
			eq(t, ev.Next, "")
		})
	}
}

// parseCase is a line that must parse, and what must hold of the event.
type parseCase struct {
	name  string
	line  string
	check func(t *testing.T, ev *Event)
}

// runParseCases parses each case's line, runs its check, and checks that
// the text fields came out valid UTF-8 (whatever the line's encoding).
func runParseCases(t *testing.T, tests []parseCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev Event
			if err := Parse(tt.line, &ev); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.check(t, &ev)
			for _, s := range []string{ev.Message, ev.UserID, ev.UserDir, ev.Host} {
				if !utf8.ValidString(s) {
					t.Errorf("%q is not valid UTF-8", s)
				}
			}
		})
	}
}

// windows1252Datagram joins every sample line (every kind, the edge cases,
// an unknown marker) into one datagram, with each 'o' after a line's marker
// written as Windows-1252's 0xF6 (ö), as a server with the ANSI code page
// sends "Jörg".
func windows1252Datagram(t *testing.T) string {
	t.Helper()
	var lines []string
	for _, file := range []string{"log-engine", "log-proxy", "log-repository", "log-scheduler", "log-qix-perf", "user-events", "edge-cases"} {
		for _, l := range readLines(t, filepath.Join(samplesDir, file+".txt")) {
			marker, rest, _ := strings.Cut(l, ";")
			lines = append(lines, marker+";"+strings.ReplaceAll(rest, "o", "\xf6"))
		}
	}
	lines = append(lines, "/qseow-printing/;1;J\xf6rg")
	return strings.Join(lines, "\r\n")
}

// TestWindows1252DatagramReadsAsItsUTF8: a datagram of many events in
// Windows-1252 gives the events its UTF-8 conversion gives, although each
// event is converted on its own.
func TestWindows1252DatagramReadsAsItsUTF8(t *testing.T) {
	raw := windows1252Datagram(t)
	parseAll := func(s string) (evs []Event, errs []string) {
		for s != "" {
			var ev Event
			err := Parse(s, &ev)
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			s, ev.Next = ev.Next, ""
			evs, errs = append(evs, ev), append(errs, msg)
		}
		return evs, errs
	}
	gotEvents, gotErrs := parseAll(raw)
	wantEvents, wantErrs := parseAll(windows1252ToUTF8(raw))
	if len(gotEvents) < 20 {
		t.Fatalf("%d events, want every sample line", len(gotEvents))
	}
	// A line that is rejected when read as Windows-1252 is rejected as
	// invalid_utf8, whatever the reason its conversion gives (the unknown
	// markers here).
	invalid := (&Error{Reason: ReasonInvalidUTF8, Detail: "datagram is not valid UTF-8"}).Error()
	for i := range min(len(gotErrs), len(wantErrs)) {
		if wantErrs[i] != "" && gotErrs[i] == invalid {
			gotErrs[i] = wantErrs[i]
		}
	}
	eqSlice(t, gotErrs, wantErrs)
	for i := range min(len(gotEvents), len(wantEvents)) {
		if !reflect.DeepEqual(gotEvents[i], wantEvents[i]) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, gotEvents[i], wantEvents[i])
		}
	}
}

// TestWindows1252DatagramIsReadInLinearTime: each event of a datagram in
// Windows-1252 is converted on its own. Converting the whole rest for every
// event took time (and allocated bytes) in the square of the datagram's
// length: 4,000 short events took seconds, which lets one sender stall the
// receiver.
func TestWindows1252DatagramIsReadInLinearTime(t *testing.T) {
	raw := strings.Repeat(windows1252Datagram(t)+"\n", 20)
	var ev Event
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	events := 0
	for s := raw; s != ""; s = ev.Next {
		_ = Parse(s, &ev)
		events++
	}
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d events, %d bytes, %d bytes allocated", events, len(raw), allocated)
	if allocated > 8*uint64(len(raw)) {
		t.Fatalf("parsing a %d-byte datagram of %d events allocated %d bytes: more than its conversion", len(raw), events, allocated)
	}
}

// TestAppIDFromContext: the app GUID of a proxy context, from an /app/ path
// or from a single-object URL's appid parameter (the single configurator's
// "/single/?appid=<guid>&sheet=..."); anything else names no app.
func TestAppIDFromContext(t *testing.T) {
	for _, tt := range []struct{ ctx, want string }{
		{"/app/" + guidB, guidB},
		{"/app/" + guidB + "?reloaduri=https://sense/sense/app/" + guidA, guidB},
		{"/hdr/sense/app/" + guidB + "/sheet/abc/state/analysis", guidB},
		{"/single/?appid=" + guidB + "&sheet=abc&opt=ctxmenu", guidB},
		{"/hdr/single/?sheet=abc&AppId=" + guidB + "#x", guidB},
		{"/single/?appid=" + guidB + "x&sheet=abc", ""},
		{"/single/?xappid=" + guidB, ""},
		{"/app/not-a-guid?appid=" + guidB, guidB},
		{"/hub/my/work", ""},
		{"/app/" + guidB + "x", ""},
		{"", ""},
	} {
		eq(t, appIDFromContext(tt.ctx), tt.want)
	}
}
