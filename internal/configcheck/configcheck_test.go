package configcheck

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string // "" when accepted
	}{
		{0, ""},
		{-time.Second, ""},
		{time.Millisecond, ""},
		{30 * time.Second, ""},
		{15000, "interval: 15µs is under a millisecond: a number without a unit is read as nanoseconds"},
		{30, "interval: 30ns is under a millisecond"},
		{time.Millisecond - 1, "interval: 999.999µs is under a millisecond"},
	} {
		err := Duration("interval", tt.d)
		if tt.want == "" {
			assert.NoError(t, err, tt.d)
			continue
		}
		assert.ErrorContains(t, err, tt.want)
	}
}
