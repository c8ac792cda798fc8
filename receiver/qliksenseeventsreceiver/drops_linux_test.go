package qliksenseeventsreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/senseops/senseops-collector/internal/citest"
)

// TestKernelDropsAreCounted: while the pipeline is stalled, a small socket
// buffer overflows; every datagram sent is then either delivered or counted
// as receive_buffer_full — none goes unaccounted, including the drops after
// the last datagram the kernel queued, with no later datagram to report them.
func TestKernelDropsAreCounted(t *testing.T) {
	sink := &blockingSink{release: make(chan struct{})}
	tr := startReceiver(t, func(c *Config) {
		c.ReceiveBufferSize = 4096 // the kernel's minimum is about this
		c.Batch.MaxSize = 1
		c.Batch.Timeout = 10 * time.Millisecond
	}, sink)
	if _, ok := socketDrops(tr.sockets[0].(*polledSocket).fd); !ok {
		// Linux 4.12+ has it; some sandboxes (gVisor) do not.
		citest.Unavailable(t, "the kernel does not report SO_MEMINFO")
	}
	line := sampleLines(t, "log-engine")[0]
	const sent = 2000
	for i := 0; i < sent; i++ {
		tr.send(t, line)
	}
	close(sink.release)
	accounted := func() bool {
		dropped := rejectedCount(t, tr, "receive_buffer_full")
		return dropped > 0 && int64(sink.LogRecordCount())+dropped == sent
	}
	if !assert.Eventually(t, accounted, 10*time.Second, 10*time.Millisecond) {
		t.Fatalf("delivered %d + dropped %d != sent %d", sink.LogRecordCount(), rejectedCount(t, tr, "receive_buffer_full"), sent)
	}
}

// rejectedCount reads the receiver's rejected-datagram counter for a reason.
func rejectedCount(t *testing.T, tr *testReceiver, reason string) int64 {
	t.Helper()
	m, err := tr.tel.GetMetric("otelcol_receiver_qliksense_events_datagrams_rejected")
	if err != nil {
		return 0
	}
	want := attribute.NewSet(receiverAttr, attribute.String("reason", reason))
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		if dp.Attributes.Equals(&want) {
			return dp.Value
		}
	}
	return 0
}
