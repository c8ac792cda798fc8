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
	// deadline (zero: none) has passed, and net.ErrClosed after stop.
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

// reader owns one socket's read side: one Event and one batch, reused for
// every datagram (the socket reuses its buffers), so reading allocates only
// one string per read and the records.
type reader struct {
	r       *eventsReceiver
	sock    datagramSocket
	sources *sourceFilter
	// dropsSeen is the kernel's drop count last read, when it reports one.
	dropsSeen uint32
	ev        senseevent.Event
	batch     *batchBuilder
	clients   clientAddresses
	// deadline is when the open batch and the pending counts must be
	// flushed; zero while nothing is pending.
	deadline time.Time
	// nextObserved is the earliest time the next record may be observed
	// at: a read's records are observed after the last read's even when
	// the clock has not moved on (Windows' ticks every 0.5-15.6 ms, where
	// each read takes one datagram) or has stepped back a little.
	nextObserved pcommon.Timestamp

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

// handleRead handles the n datagrams of the last read. They are copied into
// one new string first, of which every line is a substring: one allocation
// per read instead of one per datagram (a read takes up to readBatch). The
// records of a read are handed on together, so the string lives about as
// long as each line would have; components that keep a value for longer
// (caches, session state) clone it. Only the datagrams that will be parsed
// are copied: not those too long or from a sender that is not allowed.
//
// Datagram i of the read is observed at observed+i nanoseconds: records
// without a time of their own (user events) take the observed time, and
// backends that keep one point per series and time (InfluxDB) would keep
// only the last of a read's user events from one server.
func (rd *reader) handleRead(n int, observed pcommon.Timestamp) {
	if observed < rd.nextObserved && rd.nextObserved-observed < maxObservedLag {
		observed = rd.nextObserved
	}
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
	// The event refers to the last line; an idle reader keeps no read alive.
	rd.ev = senseevent.Event{}
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

// handle turns one datagram into a record or a rejection; allowed says
// whether its sender is, and line is its copy when it is and the datagram
// fits max_message_size.
func (rd *reader) handle(datagram []byte, line string, allowed bool, from netip.Addr, observed pcommon.Timestamp) {
	rd.pending()
	rd.received++
	if !allowed {
		if rd.reject(reasonSourceNotAllowed, "", "", senseevent.KindUnknown, observed) {
			rd.warnRejected(reasonSourceNotAllowed, from.String(), "sender is not in allowed_sources")
		}
		return
	}
	client := rd.clients.text(from)
	if len(datagram) > rd.r.cfg.MaxMessageSize {
		rd.nextObserved = max(rd.nextObserved, observed+1)
		raw := ""
		if rd.r.cfg.IncludeUnparsed {
			raw = string(datagram[:rd.r.cfg.MaxMessageSize])
		}
		if rd.reject(reasonOversized, client, raw, senseevent.KindUnknown, observed) {
			rd.warnRejected(reasonOversized, client, "datagram is longer than max_message_size")
		}
		return
	}
	// A datagram holds one event, or, from a relay that joins lines, one per
	// line: the k-th after the first is observed readBatch*k ns later, which
	// keeps the times of a read's records apart.
	for ; ; observed += readBatch {
		rd.nextObserved = max(rd.nextObserved, observed+1)
		err := senseevent.Parse(line, &rd.ev)
		next := rd.ev.Next
		if err != nil {
			var perr *senseevent.Error
			errors.As(err, &perr)
			raw := line
			if next != "" {
				raw = strings.TrimRight(line[:len(line)-len(next)], "\r\n")
			}
			if rd.reject(perr.Reason, client, raw, perr.Kind, observed) {
				rd.warnRejected(perr.Reason, client, perr.Error())
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
			rd.batch.appendEvent(&rd.ev, client, observed)
			if rd.batch.count >= rd.r.cfg.Batch.MaxSize {
				rd.flush()
			}
		}
		if next == "" {
			return
		}
		line = next
		// A full batch handed on for the line before disarmed the deadline:
		// re-arm it, or this line's record and counts wait for the next datagram.
		rd.pending()
	}
}

// reject counts a datagram that is not an event, keeps it as a raw record
// when include_unparsed is on (never for a disallowed sender), and reports
// whether the reason's warning is due: a flood of bad datagrams costs a
// count each, not a log message.
func (rd *reader) reject(reason senseevent.Reason, client, line string, kind senseevent.Kind, observed pcommon.Timestamp) (warn bool) {
	i := reasonIndex(reason)
	rd.rejected[i]++
	if rd.r.cfg.IncludeUnparsed && reason != reasonSourceNotAllowed {
		rd.batch.appendRaw(line, string(reason), kind, client, observed)
		if rd.batch.count >= rd.r.cfg.Batch.MaxSize {
			rd.flush()
		}
	}
	return rd.warningDue(i)
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

// flush hands the open batch on and publishes the pending counts.
func (rd *reader) flush() {
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

// maxObservedLag is how far behind the last read's times the clock may be
// for a read's records to be observed after them; a larger step back of the
// clock restarts from it rather than hold every time at the old one.
const maxObservedLag = pcommon.Timestamp(time.Second)
