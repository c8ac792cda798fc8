package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import (
	"sync/atomic"
	"time"
)

// Warnings the receiver rate-limits, besides one per rejection reason
// (whose topic is the reason's index in rejectReasons).
const (
	topicReadError = len(rejectReasons) + iota
	topicRefused
	numLogTopics
)

// logGate lets each topic's warning through at most once per interval, so
// a flood of bad datagrams cannot flood the log; the counters count them all.
// Times are taken from epoch on, with its monotonic clock reading, so a step
// of the wall clock does not silence a topic.
type logGate struct {
	interval time.Duration
	epoch    time.Time
	// quietUntil is, per topic, the time since epoch in ns before which that
	// topic stays quiet.
	quietUntil [numLogTopics]atomic.Int64
}

func newLogGate(interval time.Duration, epoch time.Time) *logGate {
	return &logGate{interval: interval, epoch: epoch}
}

// allow reports whether topic's warning may be logged at now; readers call it
// concurrently, and exactly one of them is let through per interval.
func (g *logGate) allow(topic int, now time.Time) bool {
	t := now.Sub(g.epoch).Nanoseconds()
	until := g.quietUntil[topic].Load()
	return t >= until && g.quietUntil[topic].CompareAndSwap(until, t+g.interval.Nanoseconds())
}
