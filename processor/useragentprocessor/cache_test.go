package useragentprocessor

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/senseops/senseops-collector/processor/useragentprocessor/internal/metadata"
)

// countingProcessor returns a processor whose parser counts its calls.
func countingProcessor(t *testing.T, cacheSize int) (*userAgentProcessor, *atomic.Int64) {
	t.Helper()
	cfg := defaultConfig()
	cfg.CacheSize = cacheSize
	p, err := newUserAgentProcessor(cfg, processortest.NewNopSettings(metadata.Type))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.shutdown(context.Background())) })
	var parses atomic.Int64
	p.parse = func(s string) uaInfo {
		parses.Add(1)
		return parseUserAgent(s)
	}
	return p, &parses
}

func TestCacheHitsDoNotReparse(t *testing.T) {
	p, parses := countingProcessor(t, 10)
	for range 100 {
		ld := recordsWith(uaChromeWindows, uaSafariMac, uaSafariIPhone, uaChromeWindows)
		_, err := p.processLogs(context.Background(), ld)
		require.NoError(t, err)
	}
	assert.Equal(t, int64(3), parses.Load(), "each distinct string is parsed once")
	assert.Equal(t, 3, p.cache.len())

	// A hit gives the same attributes as a parse.
	hit, ok := p.cache.get(uaSafariIPhone)
	require.True(t, ok)
	assert.Equal(t, parseUserAgent(uaSafariIPhone), hit)
}

func TestCacheDisabled(t *testing.T) {
	p, parses := countingProcessor(t, 0)
	assert.Nil(t, p.cache)
	for range 5 {
		_, err := p.processLogs(context.Background(), recordsWith(uaChromeWindows))
		require.NoError(t, err)
	}
	assert.Equal(t, int64(5), parses.Load())
}

func TestCacheCapacityIsBounded(t *testing.T) {
	const capacity = 8
	p, parses := countingProcessor(t, capacity)
	for i := range 100 {
		_, err := p.processLogs(context.Background(), recordsWith(chromeVersion(i)))
		require.NoError(t, err)
		assert.LessOrEqual(t, p.cache.len(), capacity)
	}
	assert.Equal(t, capacity, p.cache.len())
	assert.Equal(t, capacity, len(p.cache.entries), "slots are reused, never added beyond capacity")
	assert.Equal(t, int64(100), parses.Load())

	// The most recent eight are cached, the older ones were evicted.
	for i := 92; i < 100; i++ {
		_, ok := p.cache.get(chromeVersion(i))
		assert.True(t, ok, i)
	}
	_, ok := p.cache.get(chromeVersion(91))
	assert.False(t, ok)
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newLRUCache(3)
	c.add("a", uaInfo{name: "A"})
	c.add("b", uaInfo{name: "B"})
	c.add("c", uaInfo{name: "C"})
	_, ok := c.get("a") // a becomes the most recent; b is now the oldest
	require.True(t, ok)
	c.add("d", uaInfo{name: "D"})

	_, ok = c.get("b")
	assert.False(t, ok, "b was least recently used")
	for _, k := range []string{"a", "c", "d"} {
		v, ok := c.get(k)
		assert.True(t, ok, k)
		assert.Equal(t, strings.ToUpper(k), v.name)
	}

	// Adding a key that is already there refreshes it instead of duplicating it.
	c.add("a", uaInfo{name: "A2"})
	assert.Equal(t, 3, c.len())
	v, _ := c.get("a")
	assert.Equal(t, "A2", v.name)

	// A capacity of one keeps only the last key.
	checkList(t, c)

	one := newLRUCache(1)
	one.add("x", uaInfo{})
	one.add("y", uaInfo{})
	_, ok = one.get("x")
	assert.False(t, ok)
	_, ok = one.get("y")
	assert.True(t, ok)
	assert.Equal(t, 1, one.len())
}

func TestOverlongStringsAreSkipped(t *testing.T) {
	p, parses := countingProcessor(t, 10)
	long := uaChromeWindows + " " + strings.Repeat("x", maxUserAgentLen-len(uaChromeWindows))
	justFits := long[:maxUserAgentLen]
	ld := recordsWith(long, justFits)
	_, err := p.processLogs(context.Background(), ld)
	require.NoError(t, err)

	lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	assert.Equal(t, 1, lrs.At(0).Attributes().Len(), "only user_agent.original")
	name, ok := lrs.At(1).Attributes().Get(attrName)
	require.True(t, ok)
	assert.Equal(t, "Chrome", name.Str())
	assert.Equal(t, int64(1), parses.Load())
	assert.Equal(t, 1, p.cache.len())
}

const uaSamsungAndroid = "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36"

// TestCacheKeepsNoSubstrings makes sure the cache keeps its own copies of a
// key and of the parsed parts taken from it, not substrings that would pin
// the (possibly much larger) buffer they came from.
func TestCacheKeepsNoSubstrings(t *testing.T) {
	big := strings.Repeat("x", 1<<16) + uaSamsungAndroid
	key := big[len(big)-len(uaSamsungAndroid):]
	inBig := func(s string) bool {
		p, start := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(big)))
		return len(s) > 0 && p >= start && p < start+uintptr(len(big))
	}
	info := parseUserAgent(key)
	require.True(t, inBig(info.version), "the parser returns a substring for this agent's version: the case to guard")

	c := newLRUCache(2)
	for range 2 { // adding, then refreshing
		c.add(key, info)
		require.Len(t, c.entries, 1)
		stored := c.entries[0]
		assert.Equal(t, uaSamsungAndroid, stored.key)
		assert.Equal(t, info, stored.val)
		for _, s := range []string{stored.key, stored.val.name, stored.val.version, stored.val.osName, stored.val.osVersion} {
			assert.False(t, inBig(s), "%q points into the buffer it was read from", s)
		}
	}
}

// TestConcurrentConsume feeds one processor from many goroutines with more
// distinct strings than the cache holds, so gets, adds and evictions race;
// run with -race. Every record must still get the right attributes.
func TestConcurrentConsume(t *testing.T) {
	const (
		goroutines = 8
		rounds     = 200
		distinct   = 40
		capacity   = 16
	)
	p, _ := countingProcessor(t, capacity)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for r := range rounds {
				i := (g*7 + r) % distinct
				ld := recordsWith(chromeVersion(i), uaSafariIPhone)
				_, err := p.processLogs(context.Background(), ld)
				assert.NoError(t, err)
				lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
				v, _ := lrs.At(0).Attributes().Get(attrVersion)
				assert.Equal(t, fmt.Sprintf("%d.0.0.0", 100+i), v.Str())
				v, _ = lrs.At(1).Attributes().Get(attrOSName)
				assert.Equal(t, "iOS", v.Str())
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, p.cache.len(), capacity)
	checkList(t, p.cache)
}

// checkList verifies the recency list links every cached entry exactly once.
func checkList(t *testing.T, c *lruCache) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := 0
	prev := int32(-1)
	for i := c.head; i >= 0; i = c.entries[i].next {
		require.Equal(t, prev, c.entries[i].prev)
		idx, ok := c.index[c.entries[i].key]
		require.True(t, ok)
		require.Equal(t, i, idx)
		prev = i
		seen++
		require.LessOrEqual(t, seen, len(c.entries))
	}
	assert.Equal(t, prev, c.tail)
	assert.Equal(t, len(c.index), seen)
}

// chromeVersion returns a distinct, real-looking Chrome user agent for i.
func chromeVersion(i int) string {
	return fmt.Sprintf("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.0.0 Safari/537.36", 100+i)
}
