//go:build linux

package benchharness

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// Sink is the counting OTLP/HTTP logs endpoint the collectors under test
// export to. It runs in the harness process on 127.0.0.1, accepts
// POST <session path>/v1/logs with a protobuf (or JSON) ExportLogsServiceRequest,
// optionally gzip-compressed, counts the log records and answers 200 with an
// empty ExportLogsServiceResponse.
//
// To stay cheap it does not decode the request into pdata: CountLogRecords
// walks the protobuf wire format and only looks at the LogRecord messages'
// lengths (and, for sessions with a timeline, their two timestamps).
//
// Each benchmark step gets its own Session, at its own URL path, so a
// collector from an earlier step that is still flushing cannot add to the
// next step's count.
type Sink struct {
	srv  *http.Server
	ln   net.Listener
	addr string

	mu       sync.Mutex
	sessions map[string]*Session
	nextID   int

	// Unrouted counts requests to unknown paths (a harness bug or a
	// stray collector).
	Unrouted atomic.Int64

	bufs sync.Pool
	resp []byte
}

// Session counts what one collector run delivered.
type Session struct {
	id       string
	timeline bool

	records    atomic.Int64
	requests   atomic.Int64
	errors     atomic.Int64
	duplicates atomic.Int64
	lastNano   atomic.Int64 // wall time of the last request that carried records
	maxHandle  atomic.Int64 // longest time to read and count one request, ns

	// seen holds a hash of every request body: an exporter that gave up
	// waiting for the answer (timeout) sends the same batch again, and it
	// must not count twice.
	seenMu sync.Mutex
	seen   map[uint64]struct{}

	mu sync.Mutex
	// With timeline: records by the millisecond (Unix) of their own time
	// (own), and records without one - Timestamp zero or equal to
	// ObservedTimestamp, as the qliksense_events receiver stamps user events -
	// by their observed time (fallback).
	own, fallback map[int64]int64
}

// NewSink starts a sink listening on 127.0.0.1 on an ephemeral port.
func NewSink() (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sink: %w", err)
	}
	resp, err := plogotlp.NewExportResponse().MarshalProto()
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("sink: %w", err)
	}
	s := &Sink{
		ln:       ln,
		addr:     ln.Addr().String(),
		sessions: map[string]*Session{},
		resp:     resp,
	}
	s.bufs.New = func() any { return new(bytes.Buffer) }
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the sink's host:port.
func (s *Sink) Addr() string { return s.addr }

// Close stops the server.
func (s *Sink) Close() error { return s.srv.Close() }

// NewSession registers a new counting session. With timeline, records are
// also counted per millisecond of their time (see Session.CountBetween).
func (s *Sink) NewSession(timeline bool) *Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	ss := &Session{id: fmt.Sprintf("s%d", s.nextID), timeline: timeline, seen: map[uint64]struct{}{}}
	if timeline {
		ss.own, ss.fallback = map[int64]int64{}, map[int64]int64{}
	}
	s.sessions[ss.id] = ss
	return ss
}

// EndSession unregisters a session; later requests to its path get 404.
func (s *Sink) EndSession(ss *Session) {
	s.mu.Lock()
	delete(s.sessions, ss.id)
	s.mu.Unlock()
}

// LogsURL is the URL the otlp_http exporter of this session's collector uses
// as logs_endpoint.
func (s *Sink) LogsURL(ss *Session) string {
	return "http://" + s.addr + "/" + ss.id + "/v1/logs"
}

// Records is the number of log records received so far.
func (ss *Session) Records() int64 { return ss.records.Load() }

// Requests is the number of export requests received so far.
func (ss *Session) Requests() int64 { return ss.requests.Load() }

// Errors is the number of requests the sink could not read.
func (ss *Session) Errors() int64 { return ss.errors.Load() }

// Duplicates is the number of requests whose body the session had already
// counted (exporter retries); they are answered 200 and not counted.
func (ss *Session) Duplicates() int64 { return ss.duplicates.Load() }

// MaxHandle is the longest the sink took to read and count one request
// (from the request's headers to its answer).
func (ss *Session) MaxHandle() time.Duration { return time.Duration(ss.maxHandle.Load()) }

// LastDelivery is when the last request with records arrived (zero if none).
func (ss *Session) LastDelivery() time.Time {
	n := ss.lastNano.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// CountBetween sums the timeline over times in [from, to): with own, the
// records that carry their own time (Timestamp set and not equal to
// ObservedTimestamp: for Sense log events, the time Sense wrote, which
// sensesim derives from the send schedule), by that time; otherwise the
// records without one (user events), by their ObservedTimestamp.
func (ss *Session) CountBetween(from, to time.Time, own bool) int64 {
	lo, hi := from.UnixMilli(), to.UnixMilli()
	m := ss.fallback
	if own {
		m = ss.own
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var n int64
	for k, v := range m {
		if k >= lo && k < hi {
			n += v
		}
	}
	return n
}

func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/v1/logs")
	s.mu.Lock()
	ss := s.sessions[id]
	s.mu.Unlock()
	if !ok || ss == nil {
		s.Unrouted.Add(1)
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	begin := time.Now()
	buf := s.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer s.bufs.Put(buf)
	n, err := s.readBody(r, buf, ss)
	if err != nil {
		ss.errors.Add(1)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ss.requests.Add(1)
	if n > 0 {
		ss.records.Add(n)
		ss.lastNano.Store(time.Now().UnixNano())
	}
	if d := int64(time.Since(begin)); d > ss.maxHandle.Load() {
		ss.maxHandle.Store(d) // racy max: good enough for a diagnostic
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(s.resp)
}

func (s *Sink) readBody(r *http.Request, buf *bytes.Buffer, ss *Session) (int64, error) {
	var body io.Reader = r.Body
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return 0, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		body = zr
	default:
		return 0, fmt.Errorf("unsupported Content-Encoding %q (configure the exporter with compression: none or gzip)", enc)
	}
	if _, err := buf.ReadFrom(body); err != nil {
		return 0, err
	}
	// Check and record the body in one step, so a copy that arrives while
	// this one is still being counted is a duplicate too. Counting depends
	// on the bytes alone: a body that fails to count is forgotten again.
	h := maphash.Bytes(hashSeed, buf.Bytes())
	ss.seenMu.Lock()
	_, dup := ss.seen[h]
	if !dup {
		ss.seen[h] = struct{}{}
	}
	ss.seenMu.Unlock()
	if dup {
		ss.duplicates.Add(1)
		return 0, nil
	}
	n, err := ss.count(r, buf.Bytes())
	if err != nil {
		ss.seenMu.Lock()
		delete(ss.seen, h)
		ss.seenMu.Unlock()
	}
	return n, err
}

// count counts the records of one request body (and fills the timeline).
func (ss *Session) count(r *http.Request, body []byte) (int64, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return countJSON(body, ss)
	}
	if !ss.timeline {
		return CountLogRecords(body, nil)
	}
	own, fallback := map[int64]int64{}, map[int64]int64{}
	n, err := CountLogRecords(body, func(ts, observed uint64) {
		if ts == 0 || ts == observed {
			fallback[int64(observed/1e6)]++
		} else {
			own[int64(ts/1e6)]++
		}
	})
	if err != nil {
		return 0, err
	}
	ss.add(own, fallback)
	return n, nil
}

func (ss *Session) add(own, fallback map[int64]int64) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for k, v := range own {
		ss.own[k] += v
	}
	for k, v := range fallback {
		ss.fallback[k] += v
	}
}

func countJSON(data []byte, ss *Session) (int64, error) {
	req := plogotlp.NewExportRequest()
	if err := req.UnmarshalJSON(data); err != nil {
		return 0, err
	}
	ld := req.Logs()
	if ss.timeline {
		own, fallback := map[int64]int64{}, map[int64]int64{}
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					ts, obs := uint64(lr.Timestamp()), uint64(lr.ObservedTimestamp())
					if ts == 0 || ts == obs {
						fallback[int64(obs/1e6)]++
					} else {
						own[int64(ts/1e6)]++
					}
				}
			}
		}
		ss.add(own, fallback)
	}
	return int64(ld.LogRecordCount()), nil
}

// ---------------------------------------------------------------------------
// protobuf wire walking

var errTruncated = errors.New("protobuf: truncated message")

var hashSeed = maphash.MakeSeed()

// Field numbers of the OTLP logs messages
// (opentelemetry/proto/collector/logs/v1 and logs/v1).
const (
	fieldRequestResourceLogs = 1 // ExportLogsServiceRequest.resource_logs
	fieldResourceScopeLogs   = 2 // ResourceLogs.scope_logs
	fieldScopeLogRecords     = 2 // ScopeLogs.log_records
	fieldRecordTime          = 1 // LogRecord.time_unix_nano (fixed64)
	fieldRecordObservedTime  = 11
)

// CountLogRecords counts the LogRecords in a protobuf-encoded
// ExportLogsServiceRequest without decoding them. If each is not nil it is
// called for every record with its time_unix_nano and
// observed_time_unix_nano (0 when absent).
func CountLogRecords(data []byte, each func(ts, observed uint64)) (int64, error) {
	var n int64
	err := forEachLen(data, fieldRequestResourceLogs, func(rl []byte) error {
		return forEachLen(rl, fieldResourceScopeLogs, func(sl []byte) error {
			return forEachLen(sl, fieldScopeLogRecords, func(rec []byte) error {
				n++
				if each != nil {
					ts, obs, err := recordTimes(rec)
					if err != nil {
						return err
					}
					each(ts, obs)
				}
				return nil
			})
		})
	})
	return n, err
}

// forEachLen calls fn with the payload of every length-delimited field
// number want in msg, skipping all other fields.
func forEachLen(msg []byte, want uint64, fn func([]byte) error) error {
	for len(msg) > 0 {
		key, k := uvarint(msg)
		if k <= 0 {
			return errTruncated
		}
		msg = msg[k:]
		num, typ := key>>3, key&7
		if typ == 2 {
			l, k := uvarint(msg)
			if k <= 0 || l > uint64(len(msg)-k) {
				return errTruncated
			}
			payload := msg[k : k+int(l)]
			msg = msg[k+int(l):]
			if num == want {
				if err := fn(payload); err != nil {
					return err
				}
			}
			continue
		}
		var err error
		if msg, err = skipScalar(msg, typ); err != nil {
			return err
		}
	}
	return nil
}

// recordTimes reads time_unix_nano and observed_time_unix_nano of a LogRecord.
func recordTimes(rec []byte) (ts, observed uint64, err error) {
	for len(rec) > 0 {
		key, k := uvarint(rec)
		if k <= 0 {
			return 0, 0, errTruncated
		}
		rec = rec[k:]
		num, typ := key>>3, key&7
		if typ == 1 && (num == fieldRecordTime || num == fieldRecordObservedTime) {
			if len(rec) < 8 {
				return 0, 0, errTruncated
			}
			v := uint64(rec[0]) | uint64(rec[1])<<8 | uint64(rec[2])<<16 | uint64(rec[3])<<24 |
				uint64(rec[4])<<32 | uint64(rec[5])<<40 | uint64(rec[6])<<48 | uint64(rec[7])<<56
			if num == fieldRecordTime {
				ts = v
			} else {
				observed = v
			}
			rec = rec[8:]
			continue
		}
		if typ == 2 {
			l, k := uvarint(rec)
			if k <= 0 || l > uint64(len(rec)-k) {
				return 0, 0, errTruncated
			}
			rec = rec[k+int(l):]
			continue
		}
		if rec, err = skipScalar(rec, typ); err != nil {
			return 0, 0, err
		}
	}
	return ts, observed, nil
}

func skipScalar(msg []byte, typ uint64) ([]byte, error) {
	switch typ {
	case 0:
		_, k := uvarint(msg)
		if k <= 0 {
			return nil, errTruncated
		}
		return msg[k:], nil
	case 1:
		if len(msg) < 8 {
			return nil, errTruncated
		}
		return msg[8:], nil
	case 5:
		if len(msg) < 4 {
			return nil, errTruncated
		}
		return msg[4:], nil
	}
	return nil, fmt.Errorf("protobuf: unsupported wire type %d", typ)
}

// uvarint decodes a base-128 varint; k <= 0 on error (as binary.Uvarint).
func uvarint(b []byte) (uint64, int) {
	var x uint64
	var s uint
	for i, c := range b {
		if i == 10 {
			return 0, -(i + 1)
		}
		if c < 0x80 {
			return x | uint64(c)<<s, i + 1
		}
		x |= uint64(c&0x7f) << s
		s += 7
	}
	return 0, 0
}
