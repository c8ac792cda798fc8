package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import (
	"errors"
	"fmt"
	"syscall"
)

// Winsock's error numbers the receiver tells apart, defined on every
// platform (no other has errnos of these values) so that tests run
// everywhere. Go's syscall.EADDRINUSE and EACCES on Windows are numbers of
// Go's own that Winsock never returns, so errors.Is(err, syscall.EADDRINUSE)
// is false there for a port in use.
const (
	wsaAddressInUse   = syscall.Errno(10048) // WSAEADDRINUSE: a refused bind
	wsaAccessDenied   = syscall.Errno(10013) // WSAEACCES: a reserved or exclusively held port
	wsaMessageTooLong = syscall.Errno(10040) // WSAEMSGSIZE: a datagram longer than the read buffer, which fills it
)

// listenError is the error of a failed bind of endpoint, with what to do
// about the usual causes, which each platform words differently (Windows:
// "Only one usage of each socket address ... is normally permitted").
func listenError(endpoint string, err error) error {
	switch {
	case errors.Is(err, syscall.EADDRINUSE), errors.Is(err, wsaAddressInUse):
		return fmt.Errorf("listening on %s: %w (the port is in use: another receiver, Butler SOS or another program holds it)", endpoint, err)
	case errors.Is(err, wsaAccessDenied):
		return fmt.Errorf("listening on %s: %w (Windows refuses the port: another program holds it exclusively, or it is in a range Windows reserves, which `netsh interface ipv4 show excludedportrange protocol=udp` lists)", endpoint, err)
	}
	return fmt.Errorf("listening on %s: %w", endpoint, err)
}
