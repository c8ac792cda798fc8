package sensesim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Time layouts of the values Qlik Sense writes into the datagrams.
const (
	// LayoutLongISO8601 is %longIso8601date (Qlik's
	// Iso8601TimeOffsetPatternConverter): compact local time with offset,
	// e.g. 20240312T101542.118+0100.
	LayoutLongISO8601 = "20060102T150405.000-0700"
	// LayoutLog4netDate is stock log4net %date: local time without offset,
	// e.g. 2024-03-12 10:15:42,118.
	LayoutLog4netDate = "2006-01-02 15:04:05,000"
	// LayoutEngineTimestamp is the engine's EngineTimestamp / Server Started
	// property form used in the reference samples, e.g.
	// 2024-03-12T10:15:42.118+01:00.
	LayoutEngineTimestamp = "2006-01-02T15:04:05.000-07:00"
)

// DefaultTZOffset is the UTC offset of the simulated site unless configured.
const DefaultTZOffset = time.Hour

// ParseTZOffset parses a UTC offset such as "+0100", "-0500", "+01:00",
// "-05", "0", "Z" or "UTC" and returns a fixed time zone for it.
func ParseTZOffset(s string) (*time.Location, error) {
	t := strings.TrimSpace(s)
	switch strings.ToUpper(t) {
	case "Z", "UTC", "0", "+0", "-0":
		return time.FixedZone("+0000", 0), nil
	case "":
		return nil, fmt.Errorf("empty UTC offset")
	}
	sign := 1
	switch t[0] {
	case '+':
		t = t[1:]
	case '-':
		sign = -1
		t = t[1:]
	}
	t = strings.ReplaceAll(t, ":", "")
	var hh, mm int
	var err error
	switch len(t) {
	case 1, 2:
		hh, err = strconv.Atoi(t)
	case 4:
		hh, err = strconv.Atoi(t[:2])
		if err == nil {
			mm, err = strconv.Atoi(t[2:])
		}
	default:
		err = fmt.Errorf("bad length")
	}
	if err != nil || hh > 14 || mm > 59 || hh < 0 || mm < 0 {
		return nil, fmt.Errorf("invalid UTC offset %q (want e.g. +0100, -0500, +05:30)", s)
	}
	secs := sign * (hh*3600 + mm*60)
	return time.FixedZone(FormatTZOffset(secs), secs), nil
}

// FormatTZOffset formats an offset in seconds east of UTC as +hhmm.
func FormatTZOffset(secs int) string {
	sign := '+'
	if secs < 0 {
		sign = '-'
		secs = -secs
	}
	return fmt.Sprintf("%c%02d%02d", sign, secs/3600, (secs%3600)/60)
}

// stampLayout names one of the time layouts events carry.
type stampLayout int

const (
	layoutLongISO8601 stampLayout = iota
	layoutLog4netDate
	layoutEngineTimestamp
	numStampLayouts
)

// stampParts are the layouts above split around their milliseconds: head
// + "000" + tail is the layout (the tests hold them to the constants).
var stampParts = [numStampLayouts]struct{ head, tail string }{
	layoutLongISO8601:     {"20060102T150405.", "-0700"},
	layoutLog4netDate:     {"2006-01-02 15:04:05,", ""},
	layoutEngineTimestamp: {"2006-01-02T15:04:05.", "-07:00"},
}

// stamps formats event times in the layouts Sense writes, as time.Format
// would. Events come in time order, so most share their second with the
// event before: what comes before and after the milliseconds is kept for
// the last second seen, and formatting, a fifth of the generator's time,
// is done once a second instead of for every event.
type stamps struct {
	valid      bool
	sec        int64
	loc        *time.Location
	head, tail [numStampLayouts]string
}

func (s *stamps) format(t time.Time, l stampLayout) string {
	if sec := t.Unix(); !s.valid || sec != s.sec || t.Location() != s.loc {
		s.valid, s.sec, s.loc = true, sec, t.Location()
		for i, p := range stampParts {
			s.head[i], s.tail[i] = t.Format(p.head), t.Format(p.tail)
		}
	}
	msec := t.Nanosecond() / int(time.Millisecond)
	millis := [3]byte{byte('0' + msec/100), byte('0' + msec/10%10), byte('0' + msec%10)}
	return s.head[l] + string(millis[:]) + s.tail[l]
}
