package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver/internal/metadata"
)

const (
	// queuedBatches is how many full batches may wait for the next consumer
	// while the socket keeps being read. A longer backlog is better kept in
	// the socket buffer, as datagrams (about 1.2 KB each there, against
	// about 3 KB of live heap per record in flight, which the garbage
	// collector's headroom doubles): 16 batches measured 50-60 MB more peak
	// RSS at 80,000 events/s than 4, and no fewer drops.
	queuedBatches = 4
	// rejectLogInterval bounds how often one kind of rejection is logged.
	rejectLogInterval = 10 * time.Second
)

// eventsReceiver reads Sense datagrams from its UDP socket(s), parses them
// and hands batches of records to the next consumer on a separate
// goroutine, so the sockets are read while the pipeline is busy. With
// readers > 1, several sockets share the port (SO_REUSEPORT) and the kernel
// spreads senders across them, one reader goroutine each.
type eventsReceiver struct {
	cfg       *Config
	set       receiver.Settings
	next      consumer.Logs
	obsrecv   *receiverhelper.ObsReport
	telemetry *metadata.TelemetryBuilder
	// warnings gates the warnings a flood of bad datagrams or a failing
	// pipeline would repeat: each is logged at most once per
	// rejectLogInterval.
	warnings *logGate

	// openSocket reads a bound socket: newDatagramSocket, the platform's
	// way (tests also run the poller's, which Windows and macOS use).
	openSocket func(conn *net.UDPConn, bufSize int, dropCounter bool) (datagramSocket, error)
	// exclusive binds a single socket so that no other socket shares its
	// port: exclusiveAddress, SO_EXCLUSIVEADDRUSE on Windows, nothing
	// elsewhere (tests record the call).
	exclusive func(network, address string, c syscall.RawConn) error
	sockets   []datagramSocket
	addr      net.Addr // where the sockets listen
	batches   chan plog.Logs
	readDone  sync.WaitGroup
	sendDone  sync.WaitGroup
	closeOnce sync.Once

	// Shutdown's way out when it runs out of time.
	sendCtx        context.Context
	cancelSend     context.CancelFunc
	aborted        chan struct{}
	abortOnce      sync.Once
	readersDone    chan struct{}
	drained        chan struct{}
	droppedOnAbort atomic.Int64
	// shutDown is set once a started receiver was shut down: its channels
	// are closed for good, so it cannot start again.
	shutDown atomic.Bool
}

func newEventsReceiver(cfg *Config, set receiver.Settings, next consumer.Logs) (*eventsReceiver, error) {
	obsrecv, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              "udp",
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	sendCtx, cancelSend := context.WithCancel(context.Background())
	return &eventsReceiver{cfg: cfg, set: set, next: next, obsrecv: obsrecv, telemetry: tb, warnings: newLogGate(rejectLogInterval, time.Now()),
		openSocket: newDatagramSocket, exclusive: exclusiveAddress,
		sendCtx: sendCtx, cancelSend: cancelSend, aborted: make(chan struct{}), readersDone: make(chan struct{}), drained: make(chan struct{})}, nil
}

// Start resolves the allowed sources, opens the socket and starts reading.
func (r *eventsReceiver) Start(ctx context.Context, _ component.Host) error {
	if r.shutDown.Load() {
		// The collector builds a new receiver to restart one.
		return errors.New("this receiver was shut down and cannot be started again; create a new one")
	}
	sources, err := newSourceFilter(ctx, r.cfg.AllowedSources, net.DefaultResolver, r.set.Logger)
	if err != nil {
		return err
	}
	if err := r.listen(ctx); err != nil {
		return err
	}
	r.set.Logger.Info("Receiving Qlik Sense events", zap.String("endpoint", r.addr.String()),
		zap.Int("readers", len(r.sockets)))

	r.batches = make(chan plog.Logs, queuedBatches)
	for _, sock := range r.sockets {
		rd := newReader(r, sock, sources)
		r.readDone.Add(1)
		go func() {
			defer r.readDone.Done()
			rd.run()
		}()
	}
	r.sendDone.Add(1)
	go func() {
		defer r.sendDone.Done()
		r.send()
	}()
	return nil
}

// listen opens the socket, or readers sockets sharing the port.
func (r *eventsReceiver) listen(ctx context.Context) error {
	// One socket is bound exclusively: Windows would otherwise let another
	// program's socket share the port (see exclusiveAddress).
	lc := net.ListenConfig{Control: r.exclusive}
	endpoint := r.cfg.Endpoint
	if r.cfg.Readers > 1 {
		// SO_REUSEPORT would just as well let the sockets join a port that
		// another receiver or process holds with it, silently taking a
		// share of its senders. Binding once without it first fails on a
		// port in use, as with one reader, and fixes an ephemeral port.
		addr, err := claimPort(ctx, endpoint)
		if err != nil {
			return listenError(endpoint, err)
		}
		lc.Control = reusePort
		endpoint = addr
	}
	for i := 0; i < r.cfg.Readers; i++ {
		sock, err := r.open(ctx, lc, endpoint)
		if err != nil {
			r.releaseSockets()
			return listenError(endpoint, err)
		}
		r.sockets = append(r.sockets, sock)
		endpoint = sock.localAddr().String() // the next sockets join the same port, even an ephemeral one
	}
	r.addr = r.sockets[0].localAddr()
	return nil
}

// claimPort checks that endpoint is free by binding it without SO_REUSEPORT,
// and returns the address bound.
func claimPort(ctx context.Context, endpoint string) (string, error) {
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, "udp", endpoint)
	if err != nil {
		return "", err
	}
	addr := pc.LocalAddr().String()
	return addr, pc.Close()
}

func (r *eventsReceiver) open(ctx context.Context, lc net.ListenConfig, endpoint string) (datagramSocket, error) {
	pc, err := lc.ListenPacket(ctx, "udp", endpoint)
	if err != nil {
		return nil, err
	}
	conn := pc.(*net.UDPConn)
	r.setReceiveBuffer(conn)
	dropCounter := enableDropCounter(conn)
	// One byte more than allowed shows an oversized datagram.
	sock, err := r.openSocket(conn, r.cfg.MaxMessageSize+1, dropCounter)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return sock, nil
}

func (r *eventsReceiver) releaseSockets() error {
	var errs error
	for _, s := range r.sockets {
		s.stop()
		errs = errors.Join(errs, s.release())
	}
	r.sockets = nil
	return errs
}

// minHalvedBuffer is as far as largestTaken halves a refused size.
const minHalvedBuffer = 256 << 10

// largestTaken asks set for want bytes and, while it refuses, for half as
// much, down to minHalvedBuffer; it returns the size taken. Linux caps a
// receive buffer past its limit; macOS and the BSDs refuse it (ENOBUFS past
// kern.ipc.maxsockbuf, 8 MiB by default on macOS), which would leave the
// far smaller default.
func largestTaken(want int, set func(int) error) (int, error) {
	size := want
	err := set(size)
	for err != nil && size/2 >= minHalvedBuffer {
		size /= 2
		err = set(size)
	}
	return size, err
}

func (r *eventsReceiver) setReceiveBuffer(conn *net.UDPConn) {
	want := r.cfg.ReceiveBufferSize
	if want <= 0 {
		return
	}
	size, err := largestTaken(want, conn.SetReadBuffer)
	if err != nil {
		r.set.Logger.Warn("Could not set the socket receive buffer", zap.Int("receive_buffer_size", want), zap.Error(err))
		return
	}
	got, ok := receiveBufferSize(conn)
	if !ok && size < want {
		got, ok = size, true // not read back here: what was taken
	}
	if ok && got < want && forceReceiveBuffer(conn, want) {
		// Past net.core.rmem_max: allowed with CAP_NET_ADMIN (as root).
		got, ok = receiveBufferSize(conn)
	}
	if ok && got < want {
		r.set.Logger.Warn("The kernel capped the socket receive buffer; bursts may be dropped by the kernel. Raise net.core.rmem_max (Linux), or run with CAP_NET_ADMIN, to allow more.",
			zap.Int("requested_bytes", want), zap.Int("granted_bytes", got))
	}
}

// send hands batches to the next consumer until the readers have finished.
// The pipeline gets the receiver's own context, not a caller's: a batch
// already read is delivered even while the receiver shuts down, unless the
// shutdown runs out of time and aborts.
func (r *eventsReceiver) send() {
	for ld := range r.batches {
		n := ld.LogRecordCount()
		if r.sendCtx.Err() != nil {
			r.dropAborted(ld)
			continue
		}
		ctx := r.obsrecv.StartLogsOp(r.sendCtx)
		err := r.next.ConsumeLogs(ctx, ld)
		r.obsrecv.EndLogsOp(ctx, metadata.Type.String(), n, err)
		if err != nil && r.warnings.allow(topicRefused, time.Now()) {
			r.set.Logger.Warn("The next consumer refused a batch of Qlik Sense events; they are dropped (UDP cannot be replayed)",
				zap.Int("records", n), zap.Error(err))
		}
	}
}

// handOn queues a full batch for the sender; it gives up only when a
// shutdown has run out of time.
func (r *eventsReceiver) handOn(ld plog.Logs) {
	select {
	case r.batches <- ld:
	case <-r.aborted:
		r.dropAborted(ld)
	}
}

// errShutdownTimeout is why records still in the receiver were dropped.
var errShutdownTimeout = errors.New("the receiver's shutdown ran out of time before they were delivered")

// dropAborted drops records that a shutdown which ran out of time left
// undelivered, and counts them as the pipeline's refusals are counted
// (otelcol_receiver_refused_log_records), besides the shutdown's warning.
func (r *eventsReceiver) dropAborted(ld plog.Logs) {
	n := ld.LogRecordCount()
	r.droppedOnAbort.Add(int64(n))
	ctx := r.obsrecv.StartLogsOp(context.Background())
	r.obsrecv.EndLogsOp(ctx, metadata.Type.String(), n, errShutdownTimeout)
}

// Shutdown stops reading, then delivers every batch already read. If ctx
// ends first, it aborts: batches not yet delivered are dropped, counted and
// logged, and it returns promptly.
func (r *eventsReceiver) Shutdown(ctx context.Context) error {
	if r.sockets == nil {
		return nil
	}
	r.closeOnce.Do(func() {
		r.shutDown.Store(true)
		for _, s := range r.sockets {
			s.stop()
		}
		go func() {
			r.readDone.Wait() // readers flush their last batch before they return
			for _, s := range r.sockets {
				if err := s.release(); err != nil {
					r.set.Logger.Warn("Closing the UDP socket failed", zap.Error(err))
				}
			}
			close(r.readersDone)
			close(r.batches)
			r.sendDone.Wait()
			close(r.drained)
		}()
	})
	select {
	case <-r.drained:
		return nil
	case <-ctx.Done():
	}
	r.abortOnce.Do(func() {
		close(r.aborted)
		r.cancelSend()
	})
	// Readers stop promptly now (their hand-offs give up). The sender ends
	// when the pipeline returns from a cancelled context; a consumer that
	// ignores it cannot hold up the collector's stop, and the batches queued
	// behind it are dropped here, so the count below has them.
	<-r.readersDone
	for queued := true; queued; {
		select {
		case ld, ok := <-r.batches:
			if queued = ok; ok {
				r.dropAborted(ld)
			}
		default:
			queued = false
		}
	}
	if n := r.droppedOnAbort.Load(); n > 0 {
		// At least n: the sender may still be dropping a batch it took.
		r.set.Logger.Warn("Shutdown ran out of time; Qlik Sense events already read were dropped (at least this many records; otelcol_receiver_refused_log_records counts them all)", zap.Int64("records", n))
	}
	return fmt.Errorf("shutdown ran out of time before every batch was delivered: %w", ctx.Err())
}
