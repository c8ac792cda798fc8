package qliksenseeventsreceiver

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestLogGate(t *testing.T) {
	t0 := time.Now()
	g := newLogGate(10*time.Second, t0)
	steps := []struct {
		name  string
		topic int
		at    time.Duration
		want  bool
	}{
		{"first of a topic", 0, 0, true},
		{"same topic within the interval", 0, 9 * time.Second, false},
		{"another topic is independent", topicRefused, 9 * time.Second, true},
		{"same topic after the interval", 0, 10 * time.Second, true},
		{"the interval restarts from the last logged", 0, 19 * time.Second, false},
		{"read errors have their own topic", topicReadError, 19 * time.Second, true},
	}
	for _, s := range steps {
		assert.Equal(t, s.want, g.allow(s.topic, t0.Add(s.at)), s.name)
	}
}

func TestLogGateConcurrentReadersLogOnce(t *testing.T) {
	now := time.Now()
	g := newLogGate(time.Minute, now)
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if g.allow(1, now) {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), allowed.Load())
}
