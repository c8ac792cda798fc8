//go:build linux

package benchharness

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nice's -n is relative to the caller's niceness, which children inherit:
// with the harness reniced, the collector must be put back to the default
// and sensesim must not be reniced a second time.
func TestCommandNiceness(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		harness, generator     int
		nice, taskset          string
		wantCollector, wantGen string
	}{
		{"not reniced", 0, 0, "", "/t", "/t -c 0 coll", "/t -c 1 sim"},
		{"harness and sensesim at -5", -5, -5, "/n", "/t", "/n -n 5 /t -c 0 coll", "/t -c 1 sim"},
		{"sensesim lower than the harness", -5, -10, "/n", "", "/n -n 5 coll", "/n -n -5 sim"},
		{"unpinned, sensesim only", 0, -5, "/n", "", "coll", "/n -n -5 sim"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Runner{Taskset: tc.taskset, CollectorCPU: "0", GeneratorCPU: "1", Nice: tc.nice,
				HarnessNice: tc.harness, GeneratorNice: tc.generator}
			assert.Equal(t, tc.wantCollector, strings.Join(r.collectorCmd("coll").Args, " "))
			assert.Equal(t, tc.wantGen, strings.Join(r.generator("sim").Args, " "))
		})
	}
}

func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755))
	return p
}

// A Ctrl-C while a step waits for deliveries (or whenever sensesim has
// already finished) ends the step with the context's error: a step cut
// short must not be reported as measured (nor the run end with exit 0).
func TestRunStepInterruptedWhileDraining(t *testing.T) {
	dir := t.TempDir()
	coll := writeScript(t, dir, "collector", `echo "Everything is ready. Begin running and processing data."
trap 'exit 0' INT TERM
while :; do sleep 0.05; done
`)
	marker := filepath.Join(dir, "sent")
	sim := writeScript(t, dir, "sensesim", `echo "sensesim: sent 100 datagrams (1000 bytes) in 1s (100.0/s), 0 errors: engine=100" >&2
touch `+marker+`
`)
	sink, err := NewSink()
	require.NoError(t, err)
	defer sink.Close()
	r := &Runner{Collector: coll, Sensesim: sim, Window: time.Second, Seed: 1,
		QuietFor: 20 * time.Second, MaxDrain: 30 * time.Second, Dir: dir, Sink: sink, CollectorCore: -1, GeneratorCore: -1}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			if _, err := os.Stat(marker); err == nil {
				time.Sleep(300 * time.Millisecond) // sensesim has exited: the step is draining
				cancel()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	begin := time.Now()
	_, _, err = r.RunStep(ctx, StockSystem(), 100)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(begin), 15*time.Second, "the drain stops at once")

	// The overload phase alike.
	_ = os.Remove(marker)
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			if _, err := os.Stat(marker); err == nil {
				time.Sleep(300 * time.Millisecond)
				cancel()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	_, err = r.Overload(ctx, StockSystem(), 200, 100, time.Second, time.Second, 1e9)
	assert.ErrorIs(t, err, context.Canceled)
}
