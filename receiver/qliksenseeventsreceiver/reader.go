package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/senseops/senseops-collector/internal/senseevent"
)

// Rejection reasons the receiver adds to the parser's.
const (
	reasonOversized        senseevent.Reason = "oversized"
	reasonSourceNotAllowed senseevent.Reason = "source_not_allowed"
	// reasonBufferFull: the kernel dropped the datagram because the socket's
	// receive buffer was full (Linux reports the count; see SO_RXQ_OVFL).
	reasonBufferFull senseevent.Reason = "receive_buffer_full"
)

var rejectReasons = [...]senseevent.Reason{
	senseevent.ReasonEmpty, senseevent.ReasonInvalidUTF8, senseevent.ReasonUnknownMarker,
	senseevent.ReasonFieldCount, reasonOversized, reasonSourceNotAllowed, reasonBufferFull,
}

// Issues counted in records_flagged.
const (
	issueAmbiguous = iota
	issueInvalidField
	issueTimestampInvalid
	numIssues
)

var issueNames = [numIssues]string{"ambiguous", "invalid_field", "timestamp_invalid"}

// datagramSocket is one bound UDP socket, read in batches.
type datagramSocket interface {
	// read waits for datagrams and returns how many it read, at most
	// readBatch, or 0 when only dropped() has news; errDeadline once
	// deadline (zero: none) has passed. After stop it returns what was
	// still queued (for at most drainFor), then net.ErrClosed.
	read(deadline time.Time) (int, error)
	// datagram returns datagram i of the last read and its sender. The
	// bytes are reused by the next read.
	datagram(i int) ([]byte, netip.Addr)
	// dropped returns the kernel's count of datagrams this socket dropped
	// so far (as of the last read, or later), when the platform reports it.
	dropped() (uint32, bool)
	localAddr() net.Addr
	// stop ends reading; release frees the socket once its reader is done.
	stop()
	release() error
}

// errDeadline: the read's deadline passed.
var errDeadline = errors.New("read deadline passed")

// drainFor bounds how long a stopped socket is read for what it still
// holds: long enough for what queued during the longest pause (100 ms on
// Linux), read at least five times as fast as it came, and short enough
// that a sender that keeps sending does not hold up the collector's stop.
const drainFor = 500 * time.Millisecond

// drainWindow is when a stopped socket may still be read: for drainFor from
// the first read after stop, until the socket is found empty.
type drainWindow struct{ until time.Time }

// open reports whether the socket may still be read at now.
func (w *drainWindow) open(now time.Time) bool {
	if w.until.IsZero() {
		w.until = now.Add(drainFor)
	}
	return now.Before(w.until)
}

// close ends the window: nothing more is queued (or the socket failed).
func (w *drainWindow) close(now time.Time) { w.until = now }

// reader owns one socket's read side: one Event and one batch, reused for
// every datagram (the socket reuses its buffers), so reading allocates only
// one string per read and the records.
//
// A read only copies and queues its datagrams; they are parsed and built
// into records when the batch is handed on (batch.max_size datagrams or
// maxQueuedBytes of text queued, batch.timeout, shutdown).
// A queued datagram costs its text and a queue entry, a built record about
// 1.5 KB more (pdata's attribute slice, value wrappers and record): records
// that waited for the batch to fill were most of the receiver's live heap,
// and the garbage collector lets the heap grow to twice the live data.
type reader struct {
	r       *eventsReceiver
	sock    datagramSocket
	sources *sourceFilter
	// dropsSeen is the kernel's drop count last read, when it reports one.
	dropsSeen uint32
	ev        senseevent.Event
	batch     *batchBuilder
	clients   clientAddresses
	// queue holds the datagrams read since the last flush, in order, and
	// queuedBytes their length.
	queue       []queuedDatagram
	queuedBytes int
	// deadline is when the queue, the open batch and the pending counts
	// must be flushed; zero while nothing is pending.
	deadline time.Time
	// lastObserved is the time the last record was observed at: every
	// record is observed after the one before, even when the clock has not
	// moved on (Windows' ticks every 0.5-15.6 ms, where each read takes one
	// datagram) or has stepped back a little.
	lastObserved pcommon.Timestamp

	received int64
	rejected [len(rejectReasons)]int64
	parsed   [len(senseevent.Kinds) + 1]int64
	flagged  [numIssues]int64

	// Every count names its receiver, as the standard receiver metrics do,
	// so that two receivers (log and user ports) can be told apart.
	receivedAttrs metric.AddOption
	rejectedAttrs [len(rejectReasons)]metric.AddOption
	parsedAttrs   [len(senseevent.Kinds) + 1]metric.AddOption
	flaggedAttrs  [numIssues]metric.AddOption
	rejectMsgs    [len(rejectReasons)]string
}

func newReader(r *eventsReceiver, sock datagramSocket, sources *sourceFilter) *reader {
	rd := &reader{
		r:       r,
		sock:    sock,
		sources: sources,
		batch:   newBatchBuilder(r.set.BuildInfo.Version),
		clients: clientAddresses{},
	}
	receiver := attribute.String("receiver", r.set.ID.String())
	rd.receivedAttrs = metric.WithAttributeSet(attribute.NewSet(receiver))
	for i, reason := range rejectReasons {
		rd.rejectedAttrs[i] = metric.WithAttributeSet(attribute.NewSet(receiver, attribute.String("reason", string(reason))))
		rd.rejectMsgs[i] = "Rejected a Qlik Sense datagram (" + string(reason) + "); each reason is logged at most once per " +
			rejectLogInterval.String() + ", all are counted in otelcol_receiver_qliksense_events_datagrams_rejected"
	}
	for _, k := range senseevent.Kinds {
		rd.parsedAttrs[k] = metric.WithAttributeSet(attribute.NewSet(receiver, attribute.String("source", k.Source())))
	}
	for i, name := range issueNames {
		rd.flaggedAttrs[i] = metric.WithAttributeSet(attribute.NewSet(receiver, attribute.String("issue", name)))
	}
	return rd
}

// run reads datagrams in batches (recvmmsg on Linux: one system call for
// up to readBatch datagrams) until the socket is stopped.
func (rd *reader) run() {
	for {
		select {
		case <-rd.r.aborted:
			// Shutdown ran out of time: what is still queued in the
			// socket is no longer read (it could only be dropped).
			rd.countKernelDrops()
			rd.flush()
			return
		default:
		}
		n, err := rd.sock.read(rd.deadline)
		switch {
		case errors.Is(err, errDeadline):
			rd.flush()
			continue
		case errors.Is(err, net.ErrClosed):
			rd.countKernelDrops() // the socket's last word on drops
			rd.flush()
			return
		case err != nil:
			if rd.warningDue(topicReadError) {
				rd.r.set.Logger.Warn("Reading from the UDP socket failed", zap.Error(err))
			}
			continue
		}
		rd.handleRead(n, pcommon.NewTimestampFromTime(time.Now()))
		rd.countKernelDrops()
	}
}

// handleRead queues the n datagrams of the last read. They are copied into
// one new string first, of which every line is a substring: one allocation
// per read instead of one per datagram (a read takes up to readBatch). The
// records of a read are handed on together, so the string lives about as
// long as each line would have; components that keep a value for longer
// (caches, session state) clone it. Only the datagrams that will be parsed
// are copied: not those too long or from a sender that is not allowed.
//
// Datagram i of the read is observed at observed+i nanoseconds, or just
// after the record before it (see lastObserved): records without a time of
// their own (user events) take the observed time, and backends that keep
// one point per series and time (InfluxDB) would keep only the last of a
// read's user events from one server.
func (rd *reader) handleRead(n int, observed pcommon.Timestamp) {
	var allowed [readBatch]bool
	total := 0
	for i := range n {
		datagram, from := rd.sock.datagram(i)
		allowed[i] = rd.sources == nil || rd.sources.allows(from)
		if allowed[i] && len(datagram) <= rd.r.cfg.MaxMessageSize {
			total += len(datagram)
		}
	}
	var lines strings.Builder
	lines.Grow(total)
	for i := range n {
		datagram, from := rd.sock.datagram(i)
		line := ""
		if allowed[i] && len(datagram) <= rd.r.cfg.MaxMessageSize {
			start := lines.Len()
			lines.Write(datagram)
			line = lines.String()[start:]
		}
		rd.handle(datagram, line, allowed[i], from, observed+pcommon.Timestamp(i))
	}
}

// warningDue reports whether topic's warning may be logged now (at most
// once per rejectLogInterval); the caller builds the message only then.
func (rd *reader) warningDue(topic int) bool { return rd.r.warnings.allow(topic, time.Now()) }

// countKernelDrops counts the datagrams the kernel dropped since it last
// looked: the counter is cumulative, so the newest reading suffices.
func (rd *reader) countKernelDrops() {
	total, ok := rd.sock.dropped()
	if !ok || total == rd.dropsSeen {
		return
	}
	dropped := total - rd.dropsSeen // uint32 arithmetic survives wrap-around
	rd.dropsSeen = total
	i := reasonIndex(reasonBufferFull)
	rd.rejected[i] += int64(dropped)
	rd.pending()
	if rd.warningDue(i) {
		rd.r.set.Logger.Warn(rd.rejectMsgs[i], zap.Uint32("dropped", dropped),
			zap.String("detail", "the socket receive buffer was full; raise receive_buffer_size (and net.core.rmem_max) or add capacity downstream"))
	}
}

// pending arms the flush deadline: something (records or counts) waits to
// be handed on.
func (rd *reader) pending() {
	if rd.deadline.IsZero() {
		rd.deadline = time.Now().Add(rd.r.cfg.Batch.Timeout)
	}
}

// queuedDatagram is a datagram read and not yet parsed: its copy, its
// sender's address text and when it was observed. An oversized datagram
// is queued only with include_unparsed, already counted, to be kept as a raw
// record of its first max_message_size bytes in the order read.
type queuedDatagram struct {
	line      string
	client    string
	observed  pcommon.Timestamp
	oversized bool
}

// handle queues one datagram, or rejects it at once when its sender is not
// allowed or it is too long; allowed says whether its sender is, and line
// is its copy when it is and the datagram fits max_message_size.
func (rd *reader) handle(datagram []byte, line string, allowed bool, from netip.Addr, observed pcommon.Timestamp) {
	rd.pending()
	rd.received++
	if !allowed {
		if rd.count(reasonSourceNotAllowed) {
			rd.warnRejected(reasonSourceNotAllowed, from.String(), "sender is not in allowed_sources")
		}
		return
	}
	q := queuedDatagram{line: line, client: rd.clients.text(from), observed: observed}
	if len(datagram) > rd.r.cfg.MaxMessageSize {
		if rd.count(reasonOversized) {
			rd.warnRejected(reasonOversized, q.client, "datagram is longer than max_message_size")
		}
		if !rd.r.cfg.IncludeUnparsed {
			return
		}
		q.line, q.oversized = string(datagram[:rd.r.cfg.MaxMessageSize]), true
	}
	rd.queue = append(rd.queue, q)
	rd.queuedBytes += len(q.line)
	if len(rd.queue) >= rd.r.cfg.Batch.MaxSize || rd.queuedBytes >= maxQueuedBytes {
		rd.flush()
	}
}

// observe returns the time a record observed at t is observed at: just
// after the record before it when t is not later (unless the clock stepped
// back by more than maxObservedLag, which is followed).
func (rd *reader) observe(t pcommon.Timestamp) pcommon.Timestamp {
	if t <= rd.lastObserved && rd.lastObserved-t < maxObservedLag {
		t = rd.lastObserved + 1
	}
	rd.lastObserved = t
	return t
}

// build parses a queued datagram into records (one per event: a relay may
// join lines) or rejections.
func (rd *reader) build(q *queuedDatagram) {
	if q.oversized {
		rd.appendRaw(q.line, reasonOversized, senseevent.KindUnknown, q.client, rd.observe(q.observed))
		return
	}
	line := q.line
	for {
		observed := rd.observe(q.observed)
		err := senseevent.Parse(line, &rd.ev)
		next := rd.ev.Next
		if err != nil {
			var perr *senseevent.Error
			errors.As(err, &perr)
			raw := line
			if next != "" {
				raw = strings.TrimRight(line[:len(line)-len(next)], "\r\n")
			}
			if rd.count(perr.Reason) {
				rd.warnRejected(perr.Reason, q.client, perr.Error())
			}
			if rd.r.cfg.IncludeUnparsed {
				rd.appendRaw(raw, perr.Reason, perr.Kind, q.client, observed)
			}
		} else {
			rd.parsed[rd.ev.Kind]++
			if rd.ev.Ambiguous != senseevent.NotAmbiguous {
				rd.flagged[issueAmbiguous]++
			}
			if len(rd.ev.Invalid) > 0 {
				rd.flagged[issueInvalidField]++
			}
			if rd.ev.TimeStatus == senseevent.TimeInvalid {
				rd.flagged[issueTimestampInvalid]++
			}
			rd.batch.appendEvent(&rd.ev, q.client, observed)
			rd.handOnFull()
		}
		if next == "" {
			return
		}
		line = next
	}
}

// count counts a rejected datagram and reports whether the reason's
// warning is due: a flood of bad datagrams costs a count each, not a log
// message.
func (rd *reader) count(reason senseevent.Reason) (warn bool) {
	i := reasonIndex(reason)
	rd.rejected[i]++
	return rd.warningDue(i)
}

// appendRaw keeps a rejected datagram as a raw record (include_unparsed).
func (rd *reader) appendRaw(line string, reason senseevent.Reason, kind senseevent.Kind, client string, observed pcommon.Timestamp) {
	rd.batch.appendRaw(line, string(reason), kind, client, observed)
	rd.handOnFull()
}

// handOnFull hands the batch on once it holds batch.max_size records.
func (rd *reader) handOnFull() {
	if rd.batch.count >= rd.r.cfg.Batch.MaxSize {
		rd.r.handOn(rd.batch.take())
		rd.publishCounts()
	}
}

// warnRejected logs the warning of a rejection reason.
func (rd *reader) warnRejected(reason senseevent.Reason, client, detail string) {
	rd.r.set.Logger.Warn(rd.rejectMsgs[reasonIndex(reason)], zap.String("client", client), zap.String("detail", detail))
}

func reasonIndex(reason senseevent.Reason) int {
	for i, r := range rejectReasons {
		if r == reason {
			return i
		}
	}
	panic("unknown rejection reason " + string(reason))
}

// flush builds the queued datagrams' records, hands them on and publishes
// the pending counts.
func (rd *reader) flush() {
	for i := range rd.queue {
		rd.build(&rd.queue[i])
	}
	// The queue and the event refer to the reads' strings: an idle reader
	// keeps none alive.
	clear(rd.queue)
	rd.queue = rd.queue[:0]
	rd.queuedBytes = 0
	rd.ev = senseevent.Event{}
	if rd.batch.count > 0 {
		rd.r.handOn(rd.batch.take())
	}
	rd.publishCounts()
	rd.deadline = time.Time{}
}

// publishCounts adds the counts gathered since the last flush to the
// receiver's telemetry: one Add per attribute set per batch, not per datagram.
func (rd *reader) publishCounts() {
	ctx := context.Background()
	tb := rd.r.telemetry
	if rd.received > 0 {
		tb.ReceiverQliksenseEventsDatagramsReceived.Add(ctx, rd.received, rd.receivedAttrs)
		rd.received = 0
	}
	for i, n := range rd.rejected {
		if n > 0 {
			tb.ReceiverQliksenseEventsDatagramsRejected.Add(ctx, n, rd.rejectedAttrs[i])
			rd.rejected[i] = 0
		}
	}
	for i, n := range rd.parsed {
		if n > 0 {
			tb.ReceiverQliksenseEventsRecordsParsed.Add(ctx, n, rd.parsedAttrs[i])
			rd.parsed[i] = 0
		}
	}
	for i, n := range rd.flagged {
		if n > 0 {
			tb.ReceiverQliksenseEventsRecordsFlagged.Add(ctx, n, rd.flaggedAttrs[i])
			rd.flagged[i] = 0
		}
	}
}

// readBatch is how many datagrams one read takes at most.
const readBatch = 32

// maxQueuedBytes bounds the text of the datagrams waiting to be parsed:
// large datagrams that turn out not to be events (the queue is parsed only
// when it is flushed) would otherwise hold up to batch.max_size times
// max_message_size, 65 MB by default. Typical traffic (about 350 bytes a
// datagram) fills a batch long before this.
const maxQueuedBytes = 4 << 20

// maxObservedLag is how far behind the last record's time the clock may be
// for a record to be observed after it; a larger step back of the clock
// restarts from it rather than hold every time at the old one.
const maxObservedLag = pcommon.Timestamp(time.Second)
