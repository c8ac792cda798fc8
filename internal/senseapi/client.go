package senseapi

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"go.opentelemetry.io/collector/component"
)

// maxBody bounds how much of a response is read: a healthcheck is about
// 1 KiB, a session list or app list of a large site a few MiB.
const maxBody = 64 << 20

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Client calls one Sense server's APIs.
type Client struct {
	http   *http.Client
	base   *url.URL
	xrfkey string
}

// NewClient builds a client for the server at endpoint (scheme, host and
// port, e.g. https://qs-central-01:4747).
func NewClient(ctx context.Context, endpoint string, conn ConnectionConfig, host component.Host, set component.TelemetrySettings) (*Client, error) {
	hc, err := conn.httpClient(ctx, host, set)
	if err != nil {
		return nil, err
	}
	return newClient(hc, endpoint)
}

func newClient(hc *http.Client, endpoint string) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(endpoint, "/"))
	if err != nil {
		return nil, err
	}
	return &Client{http: hc, base: base, xrfkey: newXrfkey()}, nil
}

// newXrfkey makes the 16-character anti-forgery key Sense's APIs require in
// both the Xrfkey query parameter and the X-Qlik-Xrfkey header.
func newXrfkey() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Endpoint is the server's base URL.
func (c *Client) Endpoint() string { return c.base.String() }

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Healthcheck reads GET /engine/healthcheck.
func (c *Client) Healthcheck(ctx context.Context) (*Health, error) {
	var h Health
	if err := c.get(ctx, HealthcheckPath, false, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// NormalizeVirtualProxy writes a virtual proxy prefix as Sense's QMC shows
// it: "/" for the default proxy, "/hdr" otherwise (slashes and blanks around
// it are optional in a config).
func NormalizeVirtualProxy(vp string) string {
	return "/" + strings.Trim(strings.TrimSpace(vp), "/")
}

// IsVirtualProxyPrefix reports whether vp is one path segment between
// optional slashes. "." and ".." are refused too: the server resolves
// /qps/./session to the default proxy's list (and /qps/../session to no
// proxy's), which would be reported under the wrong prefix.
func IsVirtualProxyPrefix(vp string) bool {
	seg := strings.Trim(strings.TrimSpace(vp), "/") // blanks around it, as NormalizeVirtualProxy drops them
	return !strings.ContainsAny(seg, "/?# ") && seg != "." && seg != ".."
}

// Sessions reads the proxy sessions of one virtual proxy: GET
// /qps/session for "/" or "", /qps/<prefix>/session otherwise.
func (c *Client) Sessions(ctx context.Context, virtualProxy string) ([]Session, error) {
	prefix := strings.Trim(NormalizeVirtualProxy(virtualProxy), "/")
	path := "/qps/session"
	if prefix != "" {
		path = "/qps/" + prefix + "/session" // escaped once, when the URL is written
	}
	var s []Session
	if err := c.get(ctx, path, true, &s); err != nil {
		return nil, err
	}
	return s, nil
}

// Apps reads the repository's app list: GET /qrs/app.
func (c *Client) Apps(ctx context.Context) ([]App, error) {
	var a []App
	if err := c.get(ctx, AppListPath, true, &a); err != nil {
		return nil, err
	}
	return a, nil
}

func (c *Client) get(ctx context.Context, path string, xrf bool, into any) error {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	if xrf {
		u.RawQuery = "Xrfkey=" + c.xrfkey
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), http.NoBody)
	if err != nil {
		return &Error{Kind: KindConnection, URL: u.String(), Err: err}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Cache-Control", "no-cache")
	if xrf {
		req.Header.Set(xrfkeyHeader, c.xrfkey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return classify(u.String(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		err := fmt.Errorf("HTTP %s", resp.Status)
		if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode/100 == 3 {
			err = fmt.Errorf("HTTP %s, a redirect to %s, which is not followed: Sense's APIs do not redirect, so the endpoint is not the service's", resp.Status, loc)
		}
		return &Error{Kind: KindHTTPStatus, URL: u.String(), Status: resp.StatusCode, Err: err}
	}
	read := &readErr{r: resp.Body}
	body := &io.LimitedReader{R: read, N: maxBody}
	br := bufio.NewReader(body)
	if bom, _ := br.Peek(3); bytes.Equal(bom, utf8BOM) {
		_, _ = br.Discard(3) // .NET services may start UTF-8 with a byte order mark
	}
	dec := json.NewDecoder(br)
	err = dec.Decode(into)
	if err == nil {
		// More than one JSON value ("[]garbage", "null{...}") is not the
		// document asked for, whatever its first value says.
		switch _, next := dec.Token(); {
		case next == nil:
			err = errors.New("text follows the JSON value")
		case next != io.EOF:
			err = fmt.Errorf("after the JSON value: %w", next)
		}
	}
	if err != nil {
		if read.err != nil {
			// The body was cut off (a connection reset, a server restart):
			// not a document that is no JSON.
			return classify(u.String(), read.err)
		}
		if k := classify(u.String(), err); k.Kind == KindTimeout {
			return k
		}
		if body.N == 0 {
			err = fmt.Errorf("response is larger than %d MiB, the most read: %w", maxBody>>20, err)
		}
		return &Error{Kind: KindBadJSON, URL: u.String(), Err: err}
	}
	return nil
}

// readErr keeps the error of a read that failed other than at the end of
// the body, which the JSON decoder would report as it reports a document
// that stops short.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}
