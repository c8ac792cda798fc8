package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"go.uber.org/zap"
)

// sourceFilter holds the networks datagrams may come from.
type sourceFilter struct {
	allowed []netip.Prefix
}

// resolver looks up host names; *net.Resolver satisfies it.
type resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// newSourceFilter resolves allowed_sources. Host names that do not resolve
// are logged and skipped; if nothing at all is left, it fails, so that a
// typo never leaves the port open to everyone.
func newSourceFilter(ctx context.Context, entries []string, r resolver, logger *zap.Logger) (*sourceFilter, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	f := &sourceFilter{}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if p, err := netip.ParsePrefix(e); err == nil {
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				// Senders are compared unmapped, as single addresses are.
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			f.allowed = append(f.allowed, p.Masked())
			continue
		}
		if a, err := netip.ParseAddr(e); err == nil {
			a = a.Unmap()
			f.allowed = append(f.allowed, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		addrs, err := r.LookupNetIP(ctx, "ip", e)
		if err != nil || len(addrs) == 0 {
			logger.Warn("An allowed source did not resolve; datagrams from it will be rejected",
				zap.String("source", e), zap.Error(err))
			continue
		}
		for _, a := range addrs {
			a = a.Unmap()
			f.allowed = append(f.allowed, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	if len(f.allowed) == 0 {
		return nil, fmt.Errorf("allowed_sources: none of the %d entries resolved to an address; refusing to start rather than accept datagrams from anyone", len(entries))
	}
	return f, nil
}

func (f *sourceFilter) allows(a netip.Addr) bool {
	// A prefix holds no zone, and Contains never matches an address with
	// one: Windows (and any platform reading through Go's poller) gives a
	// link-local IPv6 sender its zone, fe80::1%12.
	a = a.Unmap().WithZone("")
	for _, p := range f.allowed {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

var _ resolver = (*net.Resolver)(nil)
