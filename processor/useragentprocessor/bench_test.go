package useragentprocessor

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/senseops/senseops-collector/processor/useragentprocessor/internal/metadata"
)

const (
	benchBatch = 100 // records per ConsumeLogs call
	benchPool  = 128 // input copies made per timer stop
)

// benchUAs are the user agents a Sense site sees most: the three samples and
// the usual desktop browsers.
var benchUAs = []string{
	uaChromeWindows,
	uaSafariMac,
	uaSafariIPhone,
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.92",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
}

func benchProcessor(b *testing.B, cacheSize int) *userAgentProcessor {
	cfg := defaultConfig()
	cfg.CacheSize = cacheSize
	p, err := newUserAgentProcessor(cfg, processortest.NewNopSettings(metadata.Type))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.shutdown(context.Background()) })
	return p
}

// BenchmarkProcessLogs measures one batch of 100 user-event records, each
// with a user agent and ten other attributes, as the receiver makes them.
//
//	cache=hit   the five common strings, cache warm: no parsing
//	cache=miss  every string distinct and the cache too small to keep any:
//	            parse + insert + evict for every record
//	cache=off   cache_size 0: the five common strings parsed every time
func BenchmarkProcessLogs(b *testing.B) {
	missUAs := make([]string, 4*defaultCacheSize)
	for i := range missUAs {
		missUAs[i] = chromeVersion(i)
	}
	tests := []struct {
		name      string
		cacheSize int
		uas       []string
	}{
		{"cache=hit", defaultCacheSize, benchUAs},
		{"cache=miss", defaultCacheSize, missUAs},
		{"cache=off", 0, benchUAs},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			p := benchProcessor(b, tt.cacheSize)
			// The batches together cycle through all strings (each batch
			// starts where the previous one ended), so with 4×cache_size
			// distinct strings in LRU order every lookup misses.
			batches := make([]plog.Logs, max(1, len(tt.uas)/benchBatch))
			for i := range batches {
				batches[i] = userEventBatch(tt.uas, i*benchBatch)
			}
			if tt.name == "cache=hit" {
				_, _ = p.processLogs(context.Background(), copyLogs(batches[0]))
			}
			// The processor mutates its input, so every call needs a fresh
			// copy. Copies are made benchPool at a time with the timer
			// stopped, so the stop/start cost is spread thin.
			pool := make([]plog.Logs, 0, benchPool)
			next := 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if len(pool) == 0 {
					b.StopTimer()
					for range benchPool {
						pool = append(pool, copyLogs(batches[next%len(batches)]))
						next++
					}
					b.StartTimer()
				}
				ld := pool[len(pool)-1]
				pool = pool[:len(pool)-1]
				if _, err := p.processLogs(context.Background(), ld); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchBatch), "ns/record")
		})
	}
}

// BenchmarkLookup measures the cache alone: a hit must not allocate.
func BenchmarkLookup(b *testing.B) {
	b.Run("cache=hit", func(b *testing.B) {
		p := benchProcessor(b, defaultCacheSize)
		p.lookup(uaChromeWindows)
		b.ReportAllocs()
		for b.Loop() {
			p.lookup(uaChromeWindows)
		}
	})
	b.Run("cache=miss", func(b *testing.B) {
		p := benchProcessor(b, defaultCacheSize)
		uas := make([]string, 4*defaultCacheSize)
		for i := range uas {
			uas[i] = chromeVersion(i)
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			p.lookup(uas[i%len(uas)])
		}
	})
	b.Run("cache=hit/parallel", func(b *testing.B) {
		p := benchProcessor(b, defaultCacheSize)
		for _, ua := range benchUAs {
			p.lookup(ua)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				p.lookup(benchUAs[i%len(benchUAs)])
				i++
			}
		})
	})
}

// userEventBatch returns benchBatch connection-event records shaped like the
// receiver's, with user agents taken from uas starting at offset.
func userEventBatch(uas []string, offset int) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.namespace", "qliksense")
	rl.Resource().Attributes().PutStr("service.name", "qliksense-proxy")
	rl.Resource().Attributes().PutStr("host.name", "QS-PROXY-01")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := range benchBatch {
		lr := lrs.AppendEmpty()
		lr.SetEventName("qliksense.connection.open")
		a := lr.Attributes()
		a.PutStr("qliksense.source", "qseow-proxy-connection")
		a.PutStr("client.address", "10.20.0.11")
		a.PutStr("qliksense.timestamp.fallback", "missing")
		a.PutStr("qliksense.command", "Open connection")
		a.PutStr("qliksense.action", "connection.open")
		a.PutStr("qliksense.origin", "AppAccess")
		a.PutStr("qliksense.context", "/app/5b817efe-472d-43ce-8a31-6cce34af7de9")
		a.PutStr(attrOriginal, uas[(offset+i)%len(uas)])
		a.PutStr("user.id", `CORP\jdoe`)
		a.PutStr("user.name", "jdoe")
		a.PutStr("session.id", "c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d10")
	}
	return ld
}

func copyLogs(ld plog.Logs) plog.Logs {
	c := plog.NewLogs()
	ld.CopyTo(c)
	return c
}
