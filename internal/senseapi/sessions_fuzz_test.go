package senseapi

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// bodyTransport answers every request with 200 OK and its body, so that a
// test reads a body through the client's own path (byte-order mark, size
// limit, decoder) without a server or a socket.
type bodyTransport struct{ body []byte }

func (b bodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(b.body)),
		ContentLength: int64(len(b.body)), Request: req}, nil
}

// readSessions reads body as the proxy session API's answer.
func readSessions(t *testing.T, body []byte) ([]Session, error) {
	t.Helper()
	c, err := newClient(&http.Client{Transport: bodyTransport{body}}, "https://qs1:4243")
	if err != nil {
		t.Fatal(err)
	}
	return c.Sessions(context.Background(), "/")
}

// FuzzSessions reads any body as a proxy session list, as the sessions
// receiver and the connector's seeding do: it is either refused as bad JSON
// or yields sessions whose user and ids can be used as they are, as metric
// attributes and map keys: valid UTF-8 (OTLP strings must be), a user that
// is DIRECTORY\userid, a bare user id, or "" when the session has no user
// id (as the events' FullUser), and the same sessions on every read.
func FuzzSessions(f *testing.F) {
	for _, name := range []string{"qps-session-response-default-vp.json", "qps-session-response-hdr-vp.json"} {
		if b, err := os.ReadFile(filepath.Join("../../testdata/http", name)); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`[]`, `null`, `{"UserDirectory":"CORP"}`, ``, `<html></html>`,
		"\ufeff" + `[{"UserDirectory":"CORP","UserId":"jdoe","SessionId":"s1"}]`,
		`[null,{"SessionId":"s2"},{"UserDirectory":"CORP","UserId":"jdoe","SessionId":"s3"}]`,
		`[{"UserDirectory":"CORP","UserId":12345,"SessionId":"s1","Attributes":null},{"UserDirectory":"CORP","UserId":"12345","SessionId":9}]`,
		`[{"userdirectory":"ÅRHUS","USERID":"jörgen.ßmith","sessionid":"s1","Attributes":[{"group":["a","b"]}]}]`,
		`[{"UserDirectory":"CORP","UserId":"j\udc00\u0000doe","SessionId":true}] trailing`,
		"[{\"UserDirectory\":\"C\xffRP\",\"UserId\":[1],\"SessionId\":{}}]",
		`[{"UserDirectory":"CORP","SessionId":"s1"},{"UserDirectory":null,"UserId":null}]`,
		`[1]`, `[[]]`, `[{"UserId":"a","UserId":"b"}]`,
		`[{"userid":"a","USERID":"b","Userid":"c","UserDirectory":"CORP"}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sessions, err := readSessions(t, body)
		if err != nil {
			if KindOf(err) != KindBadJSON {
				t.Fatalf("%q refused as %s: %v", body, KindOf(err), err)
			}
			return
		}
		again, err := readSessions(t, body)
		if err != nil || len(again) != len(sessions) {
			t.Fatalf("%q read twice: %d sessions, then %d and %v", body, len(sessions), len(again), err)
		}
		for i, s := range sessions {
			if again[i] != s {
				t.Fatalf("%q read twice: session %d is %+v, then %+v", body, i, s, again[i])
			}
			user := s.User()
			for _, v := range []string{user, s.UserDirectory, s.UserID, s.SessionID} {
				if !utf8.ValidString(v) {
					t.Fatalf("%q: session %+v has %q, not UTF-8", body, s, v)
				}
			}
			switch {
			case s.UserID == "":
				if user != "" {
					t.Fatalf("%q: session %+v has no user id, but the user %q", body, s, user)
				}
			case s.UserDirectory == "":
				if user != s.UserID {
					t.Fatalf("%q: session %+v: user %q", body, s, user)
				}
			default:
				if user != s.UserDirectory+`\`+s.UserID {
					t.Fatalf("%q: session %+v: user %q", body, s, user)
				}
			}
		}
	})
}

// TestSessionFieldNamesIgnoringCase: an exact name wins; of names that match
// only ignoring case, the same one on every read (the first one a map
// iteration met made the user differ from read to read: FuzzSessions).
func TestSessionFieldNamesIgnoringCase(t *testing.T) {
	for range 50 {
		s, err := readSessions(t, []byte(`[{"userid":"a","USERID":"b","Userid":"c","UserDirectory":"CORP","sessionid":"s1"},`+
			`{"userid":"x","UserId":"y"}]`))
		if err != nil || len(s) != 2 {
			t.Fatalf("%+v, %v", s, err)
		}
		if s[0].User() != `CORP\b` || s[0].SessionID != "s1" || s[1].User() != "y" {
			t.Fatalf("%+v", s)
		}
	}
}
