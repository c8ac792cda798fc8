package useragentprocessor // import "github.com/senseops/senseops-collector/processor/useragentprocessor"

import (
	"strings"
	"sync"
)

// lruCache is a fixed-capacity least-recently-used map from User-Agent string
// to its parsed uaInfo, safe for concurrent use. Keys are at most
// maxUserAgentLen bytes, so its memory is bounded by about capacity × 1.2 KiB.
//
// Entries live in one slice and are chained into a recency list by index, so
// neither a hit nor an eviction allocates; a miss allocates the copy of the
// key (and, until the cache is full, occasionally grows the slice and map). A hit takes the mutex for a map lookup
// and, unless the entry is already the most recent, four index writes.
type lruCache struct {
	mu       sync.Mutex
	index    map[string]int32
	entries  []lruEntry
	head     int32 // most recently used, -1 when empty
	tail     int32 // least recently used, -1 when empty
	capacity int
}

type lruEntry struct {
	key        string
	val        uaInfo
	prev, next int32 // -1 at the ends
}

func newLRUCache(capacity int) *lruCache {
	// Start small and grow to capacity: a large cache_size costs memory only
	// once that many distinct strings have been seen.
	initial := min(capacity, 1024)
	return &lruCache{
		index:    make(map[string]int32, initial),
		entries:  make([]lruEntry, 0, initial),
		head:     -1,
		tail:     -1,
		capacity: capacity,
	}
}

// get returns the cached value for key and marks it most recently used.
func (c *lruCache) get(key string) (uaInfo, bool) {
	c.mu.Lock()
	i, ok := c.index[key]
	if !ok {
		c.mu.Unlock()
		return uaInfo{}, false
	}
	c.moveToFront(i)
	v := c.entries[i].val
	c.mu.Unlock()
	return v, true
}

// add stores val under key, evicting the least recently used entry when the
// cache is full. Two goroutines that missed the same key may both add it;
// the second add just refreshes the entry.
func (c *lruCache) add(key string, val uaInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Copy the key and the parsed parts (some, such as a version, are
	// substrings of the key): they may point into a much larger buffer, such
	// as all the datagrams of one read, that the cache must not keep alive.
	val = val.detached()
	if i, ok := c.index[key]; ok {
		c.entries[i].val = val
		c.moveToFront(i)
		return
	}
	key = strings.Clone(key)
	var i int32
	if len(c.entries) < c.capacity {
		i = int32(len(c.entries))
		c.entries = append(c.entries, lruEntry{key: key, val: val, prev: -1, next: -1})
	} else {
		i = c.tail
		c.unlink(i)
		delete(c.index, c.entries[i].key)
		c.entries[i] = lruEntry{key: key, val: val, prev: -1, next: -1}
	}
	c.index[key] = i
	c.pushFront(i)
}

// len returns the number of cached strings.
func (c *lruCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.index)
}

func (c *lruCache) moveToFront(i int32) {
	if c.head == i {
		return
	}
	c.unlink(i)
	c.pushFront(i)
}

func (c *lruCache) unlink(i int32) {
	e := &c.entries[i]
	if e.prev >= 0 {
		c.entries[e.prev].next = e.next
	} else {
		c.head = e.next
	}
	if e.next >= 0 {
		c.entries[e.next].prev = e.prev
	} else {
		c.tail = e.prev
	}
	e.prev, e.next = -1, -1
}

func (c *lruCache) pushFront(i int32) {
	e := &c.entries[i]
	e.prev = -1
	e.next = c.head
	if c.head >= 0 {
		c.entries[c.head].prev = i
	}
	c.head = i
	if c.tail < 0 {
		c.tail = i
	}
}

// detached returns u with its own copies of its strings.
func (u uaInfo) detached() uaInfo {
	u.name, u.version = strings.Clone(u.name), strings.Clone(u.version)
	u.osName, u.osVersion = strings.Clone(u.osName), strings.Clone(u.osVersion)
	return u
}
