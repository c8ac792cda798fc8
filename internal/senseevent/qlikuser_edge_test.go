package senseevent

import (
	"strings"
	"testing"
)

// Users in Qlik's "UserDirectory=X; UserId=Y" form where the layout has no
// spare separator to show it (user events, whose message keeps every ';'),
// and next to a directory field that is set too.
func TestParseQlikUserForms(t *testing.T) {
	engineLine := func(dir, id string) string {
		return "/qseow-engine/;" + head7 + "Engine message;" + guidA + ";" + dir + ";" + id + ";20240312T101542.118-0500;" +
			guidC + ";14.187.4;20240310T061201.000-0500;Server;" + guidC + ";" + guidB
	}
	userEvent := func(dir, id string) string {
		return "/qseow-proxy-session/;QS-PROXY-01;Start session;" + dir + ";" + id + ";AppAccess;/app/" + guidB +
			";Start session for user 'CORP\\jdoe' (session '" + guidA + "')"
	}
	checkUserEvent := func(t *testing.T, ev *Event) {
		eq(t, ev.UserDir, "CORP")
		eq(t, ev.UserID, "jdoe")
		eq(t, ev.FullUser(), `CORP\jdoe`)
		eq(t, ev.Origin, "AppAccess")
		eq(t, ev.Context, "/app/"+guidB)
		eq(t, ev.AppID, guidB)
		eq(t, ev.Message, "Start session for user 'CORP\\jdoe' (session '"+guidA+"')")
		eq(t, ev.ProxySession, guidA)
		eq(t, ev.Action, ActionSessionStart)
	}
	runParseCases(t, []parseCase{
		{"user event UserId in Qlik's form, no directory", userEvent("", "UserDirectory=CORP; UserId=jdoe"), checkUserEvent},
		{"user event UserId in Qlik's form and the directory", userEvent("CORP", "UserDirectory=CORP; UserId=jdoe"), checkUserEvent},
		{"user event UserDirectory in Qlik's form, no id", userEvent("UserDirectory=CORP; UserId=jdoe", ""), checkUserEvent},
		{"user event Qlik's form without the blank", userEvent("", "UserDirectory=CORP;UserId=jdoe"), checkUserEvent},
		{"user event Qlik's form, user agent with ;", "/qseow-proxy-connection/;QS-PROXY-01;Open connection;;userdirectory=CORP; userid=jdoe;AppAccess;/hub/;Websocket connection Opened for session '" + guidA + "'. UserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)'", func(t *testing.T, ev *Event) {
			eq(t, ev.UserDir, "CORP")
			eq(t, ev.UserID, "jdoe")
			eq(t, ev.Origin, "AppAccess")
			eq(t, ev.Context, "/hub/")
			eq(t, ev.UserAgent, "Mozilla/5.0 (Windows NT 10.0; Win64; x64)")
			eq(t, ev.ProxySession, guidA)
		}},
		{"engine ActiveUserId in Qlik's form and ActiveUserDirectory", engineLine("CORP", "UserDirectory=CORP; UserId=jdoe"), func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "Engine message")
			eq(t, ev.UserDir, "CORP")
			eq(t, ev.UserID, "jdoe")
			eq(t, ev.FullUser(), `CORP\jdoe`)
			eq(t, ev.AppID, guidB)
			eq(t, ev.Ambiguous, NotAmbiguous)
		}},
		{"proxy UserId in Qlik's form and UserDirectory", "/qseow-proxy/;" + head7 + "Access denied;;CORP;UserDirectory=CORP; UserId=jdoe;Check access;403;AppAccess;/hub/", func(t *testing.T, ev *Event) {
			eq(t, ev.Message, "Access denied")
			eq(t, ev.UserDir, "CORP")
			eq(t, ev.UserID, "jdoe")
			eq(t, ev.Command, "Check access")
			eq(t, ev.ResultCode, int64(403))
		}},
		{"proxy plain user ids are kept as sent", "/qseow-proxy/;" + head7 + "Access denied;;CORP;UserId=jdoe;Check access;403;AppAccess;/hub/", func(t *testing.T, ev *Event) {
			eq(t, ev.UserDir, "CORP")
			eq(t, ev.UserID, "UserId=jdoe")
		}},
	})
}

// Users in Qlik's form on lines with more separators than are recorded (a
// long message full of ';'): the layout then finds the trailing fields from
// the end, and the user's ';' shifted them (the proxy's user directory read
// "UserDirectory=CORP", the exception took the real directory).
func TestParseQlikUserFormsLongMessage(t *testing.T) {
	long := strings.Repeat("step; ", maxSeparators+5) + "done"
	runParseCases(t, []parseCase{
		{"proxy UserId in Qlik's form", "/qseow-proxy/;" + head7 + long + ";;CORP;UserDirectory=CORP; UserId=jdoe;Check access;403;AppAccess;/app/" + guidB, func(t *testing.T, ev *Event) {
			eq(t, ev.Message, long)
			eq(t, ev.Exception, "")
			eq(t, ev.UserDir, "CORP")
			eq(t, ev.UserID, "jdoe")
			eq(t, ev.Command, "Check access")
			eq(t, ev.ResultCode, int64(403))
			eq(t, ev.AppID, guidB)
			eq(t, ev.Ambiguous, NotAmbiguous)
		}},
		{"scheduler User in Qlik's form", "/qseow-scheduler/;" + head7 + long + ";;;;UserDirectory=INTERNAL; UserId=sa_scheduler;Reload of Sales;Sales;" + guidA + ";" + guidB + ";" + guidC, func(t *testing.T, ev *Event) {
			eq(t, ev.Message, long)
			eq(t, ev.Exception, "")
			eq(t, ev.FullUser(), `INTERNAL\sa_scheduler`)
			eq(t, ev.TaskName, "Reload of Sales")
			eq(t, ev.TaskID, guidA)
			eq(t, ev.Ambiguous, NotAmbiguous)
		}},
		{"engine ActiveUserId in Qlik's form", "/qseow-engine/;" + head7 + long + ";" + guidA + ";;UserDirectory=CORP; UserId=jdoe;ts;" + guidC + ";14.187.4;st;Server;" + guidC + ";" + guidB, func(t *testing.T, ev *Event) {
			eq(t, ev.Message, long)
			eq(t, ev.ProxySession, guidA)
			eq(t, ev.FullUser(), `CORP\jdoe`)
			eq(t, ev.EngineVersion, "14.187.4")
			eq(t, ev.AppID, guidB)
			eq(t, ev.Ambiguous, NotAmbiguous)
			eq(t, len(ev.Invalid), 0)
		}},
		{"qix-perf ActiveUserId in Qlik's form, long object id", "/qseow-qix-perf/;" + head7 + guidA + ";;UserDirectory=CORP; UserId=jdoe;ts;" + guidC + ";" + guidB + ";5;GenericObject::GetLayout;1.5;1.25;0;0;0;3;" + long + ";100;200;table", func(t *testing.T, ev *Event) {
			eq(t, ev.FullUser(), `CORP\jdoe`)
			eq(t, ev.EngineSession, guidC)
			eq(t, ev.AppID, guidB)
			eq(t, ev.Method, "GenericObject::GetLayout")
			eq(t, ev.ObjectID, long)
			eq(t, ev.PeakRAM, int64(200))
			eq(t, ev.ObjectType, "table")
		}},
		{"user event UserId in Qlik's form", "/qseow-proxy-connection/;P1;Open connection;;UserDirectory=CORP; UserId=jdoe;AppAccess;/app/" + guidB + ";" + long, func(t *testing.T, ev *Event) {
			eq(t, ev.UserDir, "CORP")
			eq(t, ev.UserID, "jdoe")
			eq(t, ev.Origin, "AppAccess")
			eq(t, ev.Context, "/app/"+guidB)
			eq(t, ev.AppID, guidB)
			eq(t, ev.Message, long)
		}},
	})
}

// TestQlikUserLookalikesOnLongLines: text that looks like users in Qlik's
// form all over a line with more separators than are recorded leaves the
// leading and trailing fields where they are (or too few of them), never
// out of the line.
func TestQlikUserLookalikesOnLongLines(t *testing.T) {
	bodies := []string{
		"UserDirectory=x;" + strings.Repeat("UserId=UserDirectory=y;", 80) + "UserId=z",
		strings.Repeat("UserDirectory=y;UserId=q;", 80),
		strings.Repeat(";UserDirectory=y; UserId=q", 30) + strings.Repeat(";", 40),
		strings.Repeat(";", 40) + strings.Repeat(";UserDirectory=y; UserId=q", 30),
	}
	for _, k := range Kinds {
		for _, body := range bodies {
			for n := 0; n <= len(body); n += 7 {
				var ev Event
				if err := Parse(k.Marker()+";"+body[:n], &ev); err != nil {
					if _, ok := err.(*Error); !ok {
						t.Fatalf("error of type %T", err)
					}
				}
			}
		}
	}
}
