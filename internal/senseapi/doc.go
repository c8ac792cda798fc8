// Package senseapi talks to Qlik Sense's HTTPS APIs with the certificates
// exported from the QMC: the engine healthcheck (port 4747), the proxy
// session API (4243) and the repository's app list (4242). It is shared by
// every component that polls Sense, so connection settings, request headers,
// response types and error classes are the same everywhere.
package senseapi
