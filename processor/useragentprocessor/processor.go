package useragentprocessor // import "github.com/senseops/senseops-collector/processor/useragentprocessor"

import (
	"context"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"

	"github.com/senseops/senseops-collector/processor/useragentprocessor/internal/metadata"
)

// maxUserAgentLen is the longest User-Agent string the processor parses.
// Browser strings are 100-300 bytes (Butler SOS cut the whole message at
// 1000 characters); a longer value is not a real user agent, and parsing
// one of 64 KiB can take milliseconds, so it is skipped and counted as
// unrecognised.
const maxUserAgentLen = 1024

// userAgentProcessor adds parsed user-agent attributes to log records. It is
// safe for concurrent use: its only shared state is the cache (locked) and
// the telemetry counters.
type userAgentProcessor struct {
	source    string
	overwrite bool
	cache     *lruCache // nil when cache_size is 0
	parse     func(string) uaInfo
	telemetry *metadata.TelemetryBuilder
}

func newUserAgentProcessor(cfg *Config, set processor.Settings) (*userAgentProcessor, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	p := &userAgentProcessor{
		source:    cfg.SourceAttribute,
		overwrite: cfg.Overwrite,
		parse:     parseUserAgent,
		telemetry: tb,
	}
	if cfg.CacheSize > 0 {
		p.cache = newLRUCache(cfg.CacheSize)
	}
	return p, nil
}

func (p *userAgentProcessor) shutdown(context.Context) error {
	p.telemetry.Shutdown()
	return nil
}

// counts are gathered per batch and added to the telemetry once per call.
type counts struct {
	hits, misses, enriched, unrecognized int64
}

func (p *userAgentProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	var c counts
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				p.processAttributes(lrs.At(k).Attributes(), &c)
			}
		}
	}
	p.report(ctx, &c)
	return ld, nil
}

// processAttributes parses the source attribute of one record, if it has a
// non-empty string one, and writes the result next to it.
func (p *userAgentProcessor) processAttributes(attrs pcommon.Map, c *counts) {
	v, ok := attrs.Get(p.source)
	if !ok || v.Type() != pcommon.ValueTypeStr {
		return
	}
	s := trimUserAgent(v.Str())
	if s == "" {
		return
	}
	if len(s) > maxUserAgentLen {
		c.unrecognized++
		return
	}
	info, hit := p.lookup(s)
	if hit {
		c.hits++
	} else {
		c.misses++
	}
	if !info.recognized {
		c.unrecognized++
		return
	}
	if p.write(attrs, &info) > 0 {
		c.enriched++
	}
}

// lookup returns the parsed form of s, from the cache when it is there, and
// whether it was.
func (p *userAgentProcessor) lookup(s string) (uaInfo, bool) {
	if p.cache == nil {
		return p.parse(s), false
	}
	if info, ok := p.cache.get(s); ok {
		return info, true
	}
	info := p.parse(s)
	p.cache.add(s, info)
	return info, false
}

// write puts info's attributes on attrs and returns how many it wrote.
// Without overwrite, attributes the record already has are left alone.
func (p *userAgentProcessor) write(attrs pcommon.Map, info *uaInfo) int {
	put := [numTargets]bool{
		idxName:          info.name != "",
		idxVersion:       info.version != "",
		idxVersionMajor:  info.hasMajor,
		idxOSName:        info.osName != "",
		idxOSVersion:     info.osVersion != "",
		idxMobile:        true,
		idxSyntheticType: info.bot,
	}
	var present uint8
	if !p.overwrite {
		present = presentTargets(attrs)
	}
	n := 0
	for i := range put {
		put[i] = put[i] && present&(1<<i) == 0
		if put[i] {
			n++
		}
	}
	if n == 0 {
		return 0
	}
	attrs.EnsureCapacity(attrs.Len() + n)
	if put[idxName] {
		attrs.PutStr(attrName, info.name)
	}
	if put[idxVersion] {
		attrs.PutStr(attrVersion, info.version)
	}
	if put[idxVersionMajor] {
		attrs.PutInt(attrVersionMajor, info.major)
	}
	if put[idxOSName] {
		attrs.PutStr(attrOSName, info.osName)
	}
	if put[idxOSVersion] {
		attrs.PutStr(attrOSVersion, info.osVersion)
	}
	if put[idxMobile] {
		attrs.PutBool(attrMobile, info.mobile)
	}
	if put[idxSyntheticType] {
		attrs.PutStr(attrSyntheticType, syntheticTypeBot)
	}
	return n
}

// presentTargets scans the record's attributes once and returns the bits of
// the target attributes it already has.
func presentTargets(attrs pcommon.Map) uint8 {
	var present uint8
	attrs.Range(func(k string, _ pcommon.Value) bool {
		switch k {
		case attrName:
			present |= 1 << idxName
		case attrVersion:
			present |= 1 << idxVersion
		case attrVersionMajor:
			present |= 1 << idxVersionMajor
		case attrOSName:
			present |= 1 << idxOSName
		case attrOSVersion:
			present |= 1 << idxOSVersion
		case attrMobile:
			present |= 1 << idxMobile
		case attrSyntheticType:
			present |= 1 << idxSyntheticType
		}
		return true
	})
	return present
}

func (p *userAgentProcessor) report(ctx context.Context, c *counts) {
	if c.hits > 0 {
		p.telemetry.ProcessorUserAgentCacheHits.Add(ctx, c.hits)
	}
	if c.misses > 0 {
		p.telemetry.ProcessorUserAgentCacheMisses.Add(ctx, c.misses)
	}
	if c.enriched > 0 {
		p.telemetry.ProcessorUserAgentRecordsEnriched.Add(ctx, c.enriched)
	}
	if c.unrecognized > 0 {
		p.telemetry.ProcessorUserAgentRecordsUnrecognized.Add(ctx, c.unrecognized)
	}
}

// trimUserAgent drops the spaces and the quotes around a User-Agent string:
// Sense writes it as UserAgent: '...', and Butler SOS removed every quote.
// No browser's string starts or ends with a quote.
func trimUserAgent(s string) string {
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(s), `'"`))
}
