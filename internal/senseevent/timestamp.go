package senseevent

import "time"

// ParseTime reads the times Qlik Sense writes: the compact form of its
// %longIso8601date converter ("20240312T101542.118+0100") and extended ISO 8601
// ("2024-03-12T10:15:42.118+01:00", "...Z"), with any UTC offset, east or
// west. A zone is required: a time without one cannot be placed. It returns
// Unix nanoseconds.
func ParseTime(s string) (int64, bool) {
	p := timeParser{s: s}
	year := p.digits(4)
	extended := p.optional('-')
	month := p.digits(2)
	if extended && !p.expect('-') {
		return 0, false
	}
	day := p.digits(2)
	if !p.expect('T') && !p.expect('t') && !p.expect(' ') {
		return 0, false
	}
	hour := p.digits(2)
	if extended && !p.expect(':') {
		return 0, false
	}
	minute := p.digits(2)
	if extended && !p.expect(':') {
		return 0, false
	}
	second := p.digits(2)
	nanos := 0
	if p.optional('.') || p.optional(',') {
		nanos = p.fraction()
	}
	offset, ok := p.zone()
	if !ok || p.failed || p.i != len(s) {
		return 0, false
	}
	if year < 1970 || year > 2200 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || second > 60 {
		return 0, false
	}
	if second == 60 { // a leap second: hold at the last representable instant
		second, nanos = 59, 999999999
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, nanos, time.UTC)
	return t.UnixNano() - int64(offset)*int64(time.Second), true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

type timeParser struct {
	s      string
	i      int
	failed bool
}

func (p *timeParser) digits(n int) int {
	if p.failed || p.i+n > len(p.s) {
		p.failed = true
		return 0
	}
	v := 0
	for _, c := range []byte(p.s[p.i : p.i+n]) {
		if c < '0' || c > '9' {
			p.failed = true
			return 0
		}
		v = v*10 + int(c-'0')
	}
	p.i += n
	return v
}

func (p *timeParser) optional(c byte) bool {
	if !p.failed && p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *timeParser) expect(c byte) bool { return p.optional(c) }

// fraction reads at least one fractional digit; digits past nanoseconds are ignored.
func (p *timeParser) fraction() int {
	start, v, scale := p.i, 0, 100000000
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		v += int(p.s[p.i]-'0') * scale
		scale /= 10
		p.i++
	}
	if p.i == start {
		p.failed = true
	}
	return v
}

// zone reads "Z", "+hhmm", "+hh:mm" or "+hh" and returns the offset in seconds.
func (p *timeParser) zone() (int, bool) {
	if p.failed || p.i >= len(p.s) {
		return 0, false
	}
	switch p.s[p.i] {
	case 'Z', 'z':
		p.i++
		return 0, true
	case '+', '-':
	default:
		return 0, false
	}
	sign := 1
	if p.s[p.i] == '-' {
		sign = -1
	}
	p.i++
	hours := p.digits(2)
	minutes := 0
	if p.i < len(p.s) {
		p.optional(':')
		minutes = p.digits(2)
	}
	if p.failed || hours > 18 || minutes > 59 {
		return 0, false
	}
	return sign * (hours*3600 + minutes*60), true
}
