package qliksensemetricsconnector // import "github.com/senseops/senseops-collector/connector/qliksensemetricsconnector"

import (
	"encoding/binary"
	"math"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// attrOverflow marks the series that takes every measurement whose
// attributes would have needed a series beyond max_series, as the
// OpenTelemetry SDKs do for their cardinality limit.
const attrOverflow = "otel.metric.overflow"

// kv is one metric attribute.
type kv struct{ k, v string }

// series is one attribute set of a metric family with its running values.
// Families use the fields they need: counts (events, rejected requests), a
// float sum (rejected process time) or histograms (one per QIX phase).
type series struct {
	attrs    []kv
	overflow bool
	start    pcommon.Timestamp
	updated  time.Time
	count    int64
	sumMs    float64
	hist     []histogram
}

// histogram is an explicit-bucket histogram in milliseconds.
type histogram struct {
	count    uint64
	sumMs    float64
	minMs    float64
	maxMs    float64
	buckets  []uint64
	observed bool
}

// observe adds one value; bounds are the upper bounds (inclusive) in ms.
func (h *histogram) observe(ms float64, bounds []float64) {
	i := 0
	for i < len(bounds) && ms > bounds[i] {
		i++
	}
	h.buckets[i]++
	h.count++
	h.sumMs += ms
	if !h.observed || ms < h.minMs {
		h.minMs = ms
	}
	if !h.observed || ms > h.maxMs {
		h.maxMs = ms
	}
	h.observed = true
}

// validDuration is a duration Sense could mean: finite and not negative.
func validDuration(ms float64) bool {
	return ms >= 0 && !math.IsInf(ms, 0) && !math.IsNaN(ms)
}

// family is the series of one metric (or of metrics sharing attributes),
// keyed by an encoding of their attribute values, capped at max series.
type family struct {
	metric     string // name in the overflow telemetry
	max        int
	nHist      int
	nBuckets   int
	series     map[string]*series
	overflow   *series
	overflowed int64 // records sent to the overflow series, not yet reported
	warned     bool
}

func newFamily(metric string, maxSeries, nHist, nBuckets int) *family {
	return &family{metric: metric, max: maxSeries, nHist: nHist, nBuckets: nBuckets, series: map[string]*series{}}
}

// lookup finds the series of key without allocating.
func (f *family) lookup(key []byte) *series {
	return f.series[string(key)]
}

// full reports whether a new series would go over the cap.
func (f *family) full() bool { return len(f.series) >= f.max }

// add creates the series of key (the caller checked full) with attrs, which
// it takes over.
func (f *family) add(key []byte, attrs []kv, now time.Time) *series {
	s := f.newSeries(attrs, now)
	f.series[string(key)] = s
	return s
}

// overflowSeries returns the overflow series, counting the record.
func (f *family) overflowSeries(now time.Time) *series {
	if f.overflow == nil {
		f.overflow = f.newSeries([]kv{{k: attrOverflow}}, now)
		f.overflow.overflow = true
	}
	f.overflowed++
	return f.overflow
}

func (f *family) newSeries(attrs []kv, now time.Time) *series {
	s := &series{attrs: attrs, start: pcommon.NewTimestampFromTime(now), updated: now}
	if f.nHist > 0 {
		s.hist = make([]histogram, f.nHist)
		buckets := make([]uint64, f.nHist*f.nBuckets)
		for i := range s.hist {
			s.hist[i].buckets = buckets[i*f.nBuckets : (i+1)*f.nBuckets : (i+1)*f.nBuckets]
		}
	}
	return s
}

// expire forgets series not updated since before cutoff.
func (f *family) expire(cutoff time.Time) {
	for k, s := range f.series {
		if s.updated.Before(cutoff) {
			delete(f.series, k)
		}
	}
}

// keyBuilder encodes attribute values into a map key: each value with its
// length in front, so no two value lists share an encoding.
type keyBuilder struct{ b []byte }

func (k *keyBuilder) reset() { k.b = k.b[:0] }

func (k *keyBuilder) add(s string) {
	k.b = binary.AppendUvarint(k.b, uint64(len(s)))
	k.b = append(k.b, s...)
}

// clone copies a string out of the log data: a series outlives the batch
// its first record came in, and must not pin (or share) that batch's memory.
func clone(s string) string { return strings.Clone(s) }
