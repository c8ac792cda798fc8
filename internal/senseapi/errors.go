package senseapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
)

// ErrorKind classifies why a call failed; the values are stable and used as
// the error.type attribute of scrape-error metrics.
type ErrorKind string

const (
	KindTimeout    ErrorKind = "timeout"
	KindTLS        ErrorKind = "tls"
	KindConnection ErrorKind = "connection"
	KindHTTPStatus ErrorKind = "http_status"
	KindBadJSON    ErrorKind = "bad_json"
)

// ErrorKinds lists every kind, in a stable order.
var ErrorKinds = [...]ErrorKind{KindTimeout, KindTLS, KindConnection, KindHTTPStatus, KindBadJSON}

// Error is a failed call to a Sense API.
type Error struct {
	Kind   ErrorKind
	URL    string
	Status int // for KindHTTPStatus
	Err    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("GET %s: %s: %v", e.URL, e.Kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of a call's error, KindConnection when unknown.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindConnection
}

func classify(u string, err error) *Error {
	kind := KindConnection
	var netErr net.Error
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var alert tls.AlertError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		kind = KindTimeout
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid),
		errors.As(err, &verify), errors.As(err, &alert), errors.As(err, &recordErr),
		strings.Contains(err.Error(), "tls: "):
		kind = KindTLS
	}
	return &Error{Kind: kind, URL: u, Err: err}
}
