package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/senseops/senseops-collector/internal/configcheck"
)

// Config is the receiver's configuration.
type Config struct {
	// Endpoint is the UDP host:port to listen on. Sense's appenders send to
	// 9996 (log events) and 9997 (user events); one receiver takes both kinds.
	Endpoint string `mapstructure:"endpoint"`

	// ReceiveBufferSize sets the socket receive buffer (SO_RCVBUF) in bytes, so
	// bursts from Sense wait in the kernel instead of being dropped there.
	// 0 keeps the operating system's default. The kernel may cap it
	// (net.core.rmem_max on Linux); the receiver logs the size it got.
	ReceiveBufferSize int `mapstructure:"receive_buffer_size"`

	// Readers is how many sockets share the port, each read by its own
	// goroutine (SO_REUSEPORT; Linux). More than one helps only when the
	// collector has more than one core to spare.
	Readers int `mapstructure:"readers"`

	// MaxMessageSize is the largest datagram accepted, in bytes. Longer ones
	// are rejected as oversized.
	MaxMessageSize int `mapstructure:"max_message_size"`

	// AllowedSources, when set, accepts datagrams only from these IP
	// addresses, CIDR ranges or host names (resolved once at start).
	AllowedSources []string `mapstructure:"allowed_sources"`

	// IncludeUnparsed forwards datagrams that are not valid Sense events as raw
	// records carrying the rejection reason, instead of dropping them.
	IncludeUnparsed bool `mapstructure:"include_unparsed"`

	// Batch controls how records are gathered before they are handed on.
	Batch BatchConfig `mapstructure:"batch"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// BatchConfig controls the receiver's own batching.
type BatchConfig struct {
	// MaxSize is the most records in one batch.
	MaxSize int `mapstructure:"max_size"`
	// Timeout is the longest a record waits for its batch to fill.
	Timeout time.Duration `mapstructure:"timeout"`
}

const (
	maxUDPPayload  = 65535
	maxRecvBuffer  = 1 << 30
	maxBatchRecord = 100000
	maxReaders     = 64
)

// Validate checks the configuration and names every bad field.
func (cfg *Config) Validate() error {
	var errs []error
	if err := validateEndpoint(cfg.Endpoint); err != nil {
		errs = append(errs, fmt.Errorf("endpoint: %w", err))
	}
	if cfg.ReceiveBufferSize < 0 || cfg.ReceiveBufferSize > maxRecvBuffer {
		errs = append(errs, fmt.Errorf("receive_buffer_size: %d is outside 0..%d bytes", cfg.ReceiveBufferSize, maxRecvBuffer))
	}
	if cfg.Readers < 1 || cfg.Readers > maxReaders {
		errs = append(errs, fmt.Errorf("readers: %d is outside 1..%d", cfg.Readers, maxReaders))
	} else if cfg.Readers > 1 && !reusePortSupported {
		errs = append(errs, fmt.Errorf("readers: %d needs SO_REUSEPORT, which this platform lacks; use 1", cfg.Readers))
	}
	if cfg.MaxMessageSize < 1 || cfg.MaxMessageSize > maxUDPPayload {
		errs = append(errs, fmt.Errorf("max_message_size: %d is outside 1..%d bytes", cfg.MaxMessageSize, maxUDPPayload))
	}
	for i, s := range cfg.AllowedSources {
		if err := validateSource(s); err != nil {
			errs = append(errs, fmt.Errorf("allowed_sources[%d]: %w", i, err))
		}
	}
	if cfg.Batch.MaxSize < 1 || cfg.Batch.MaxSize > maxBatchRecord {
		errs = append(errs, fmt.Errorf("batch.max_size: %d is outside 1..%d", cfg.Batch.MaxSize, maxBatchRecord))
	}
	if cfg.Batch.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("batch.timeout: must be positive, got %s", cfg.Batch.Timeout))
	} else if err := configcheck.Duration("batch.timeout", cfg.Batch.Timeout); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func validateEndpoint(endpoint string) error {
	if endpoint == "" {
		return errors.New("must be set, e.g. 0.0.0.0:9996")
	}
	host, port, err := net.SplitHostPort(endpoint)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %w", endpoint, err)
	}
	if host != "" && !isHostName(host) {
		if _, err := netip.ParseAddr(host); err != nil {
			return fmt.Errorf("%q has a host %q that is neither an IP address nor a host name", endpoint, host)
		}
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("%q has an invalid port %q", endpoint, port)
	}
	return nil
}

// validateSource accepts an IP address, a CIDR range or a host name.
func validateSource(s string) error {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return errors.New("is empty")
	case strings.Contains(s, "/"):
		if _, err := netip.ParsePrefix(s); err != nil {
			return fmt.Errorf("%q is not a valid CIDR range: %w", s, err)
		}
		return nil
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return nil
	}
	if !isHostName(s) {
		return fmt.Errorf("%q is neither an IP address, a CIDR range nor a host name", s)
	}
	return nil
}

// isHostName reports whether s is a DNS or NetBIOS host name. Its last label
// may not be all digits (RFC 3696 section 2): that is a mistyped IPv4 address
// such as 10.0.0.256, which would otherwise pass as a name, fail to resolve at
// start and leave its sender shut out.
func isHostName(s string) bool {
	if len(s) > 253 {
		return false
	}
	numeric := false
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		numeric = true
		for _, c := range label {
			if !(c == '-' || c == '_' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
				return false
			}
			numeric = numeric && c >= '0' && c <= '9'
		}
	}
	return !numeric
}
