package senseevent

import "testing"

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
