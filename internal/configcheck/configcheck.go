// Package configcheck holds checks that the components' configs share.
package configcheck

import (
	"fmt"
	"time"
)

// minDuration is the shortest positive duration any setting of this
// distribution takes. A shorter one is, in practice, a number written
// without a unit, which the collector reads as nanoseconds: Butler SOS's
// settings are numbers of milliseconds (pollingInterval: 15000), and pasted
// here such a number would poll every 15 µs.
const minDuration = time.Millisecond

// Duration returns an error naming field when d is positive but shorter
// than a millisecond; nil otherwise (zero and negative values are the
// caller's to judge, as their meaning differs by setting).
func Duration(field string, d time.Duration) error {
	if d > 0 && d < minDuration {
		return fmt.Errorf("%s: %s is under a millisecond: a number without a unit is read as nanoseconds (Butler SOS's settings are in milliseconds); write a unit, e.g. 30s or 500ms", field, d)
	}
	return nil
}

// Field is a duration setting and its name, for Durations.
type Field struct {
	Name  string
	Value time.Duration
}

// Durations checks each field with Duration and returns the errors.
func Durations(fields ...Field) []error {
	var errs []error
	for _, f := range fields {
		if err := Duration(f.Name, f.Value); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
