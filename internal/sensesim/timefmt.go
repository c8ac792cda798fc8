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
