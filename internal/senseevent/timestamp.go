package senseevent

// ParseTime reads the times Qlik Sense writes: the compact form of its
// %longIso8601date converter ("20240312T101542.118+0100") and extended ISO 8601
// ("2024-03-12T10:15:42.118+01:00", "...Z"), with any UTC offset, east or
// west. A zone is required: a time without one cannot be placed. It returns
// Unix nanoseconds.
func ParseTime(s string) (int64, bool) {
	// The layouts Sense writes have every part at a fixed place and are read
	// here with a few word operations; the general parser below would read
	// them to the same values one checked byte at a time.
	switch {
	case len(s) == len("20240312T101542.118+0100") && s[8] == 'T' && s[15] == '.' && isSign(s[19]):
		return parseCompactTime(s)
	case (len(s) == len("2024-03-12T10:15:42.118+0100") || len(s) == len("2024-03-12T10:15:42.118+01:00") && s[26] == ':') &&
		s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && isSign(s[23]):
		return parseExtendedTime(s)
	}
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
	return unixNano(year, month, day, hour, minute, second, nanos, offset)
}

func isSign(c byte) bool { return c == '+' || c == '-' }

// parseCompactTime reads "20240312T101542.118+0100"; the caller has checked
// the length and the separators.
func parseCompactTime(s string) (int64, bool) {
	_ = s[23] // the length is known: no bounds checks below
	// The bytes that are digits, eight at a time.
	const (
		digits0  = allBytes                         // "20240312"
		digits8  = allBytes &^ 0xff &^ (0xff << 56) // "T101542."
		digits16 = allBytes &^ (0xff << 24)         // "118+0100"
	)
	a, b, c := load64(s), load64(s[8:]), load64(s[16:])
	if notDigit(a)&digits0|notDigit(b)&digits8|notDigit(c)&digits16 != 0 {
		return 0, false
	}
	pa, pb, pc := pairs(a, digits0), pairs(b, digits8), pairs(c, digits16)
	offset, ok := zoneOffset(s[19], byteAt(pc, 4), byteAt(pc, 6))
	if !ok {
		return 0, false
	}
	return unixNano(byteAt(pa, 0)*100+byteAt(pa, 2), byteAt(pa, 4), byteAt(pa, 6),
		byteAt(pb, 1), byteAt(pb, 3), byteAt(pb, 5), millis(pc, c, 0), offset)
}

// parseExtendedTime reads "2024-03-12T10:15:42.118+0100" and
// "2024-03-12T10:15:42.118+01:00"; the caller has checked the length and
// the separators.
func parseExtendedTime(s string) (int64, bool) {
	_ = s[27] // the length is at least this: no bounds checks below
	// The bytes that are digits, eight at a time.
	const (
		digits0  = allBytes &^ (0xff << 32) &^ (0xff << 56)         // "2024-03-"
		digits8  = allBytes &^ (0xff << 16) &^ (0xff << 40)         // "12T10:17"
		digits16 = allBytes &^ 0xff &^ (0xff << 24) &^ (0xff << 56) // ":02.310+"
		zone28   = allBytes &^ (0xff << 24)                         // "310+0100", the last eight bytes
		zone29   = allBytes &^ (0xff << 16) &^ (0xff << 40)         // "10+01:00"
	)
	zone, hours := uint64(zone28), 4 // where the zone's hours are in the last eight bytes
	if len(s) == 29 {
		zone, hours = zone29, 3
	}
	a, b, c, d := load64(s), load64(s[8:]), load64(s[16:]), load64(s[len(s)-8:])
	if notDigit(a)&digits0|notDigit(b)&digits8|notDigit(c)&digits16|notDigit(d)&zone != 0 {
		return 0, false
	}
	pa, pb, pc, pd := pairs(a, digits0), pairs(b, digits8), pairs(c, digits16), pairs(d, zone)
	offset, ok := zoneOffset(s[23], byteAt(pd, hours), byteAt(pd, 6))
	if !ok {
		return 0, false
	}
	return unixNano(byteAt(pa, 0)*100+byteAt(pa, 2), byteAt(pa, 5), byteAt(pb, 0),
		byteAt(pb, 3), byteAt(pb, 6), byteAt(pc, 1), millis(pc, c, 4), offset)
}

// pairs reads two-digit numbers eight bytes at a time: byte k of the result
// is the number in bytes k and k+1 of w, where digits has 0xff for each byte
// that is a (checked) digit and the others count as 0. Only digits have '0'
// taken away, so no byte borrows from the next.
func pairs(w, digits uint64) uint64 {
	d := (w - '0'*ones&digits) & digits
	return d*10 + d>>8 // at most 99 a byte: nothing carries
}

// byteAt is byte k of w.
func byteAt(w uint64, k int) int { return int(w >> (8 * k) & 0xff) }

// zoneOffset gives a zone's hours and minutes as seconds east of UTC, with
// the general parser's limits.
func zoneOffset(sign byte, h, m int) (int, bool) {
	if h > 18 || m > 59 {
		return 0, false
	}
	if sign == '-' {
		return -(h*3600 + m*60), true
	}
	return h*3600 + m*60, true
}

// millis reads the three fractional digits at byte k of w as nanoseconds,
// given p = pairs(w, ...).
func millis(p, w uint64, k int) int { return (byteAt(p, k)*10 + byteAt(w, k+2) - '0') * 1000000 }

// unixNano checks the parts of a time read from text and converts them,
// offset in seconds east of UTC.
func unixNano(year, month, day, hour, minute, second, nanos, offset int) (int64, bool) {
	if year < 1970 || year > 2200 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || second > 60 {
		return 0, false
	}
	if second == 60 { // a leap second: hold at the last representable instant
		second, nanos = 59, 999999999
	}
	secs := int64(daysSinceEpoch(year, month, day))*86400 + int64(hour*3600+minute*60+second-offset)
	return secs*1e9 + int64(nanos), true
}

// daysSinceEpoch counts days from 1970-01-01 to a date from 1970 on, with
// Howard Hinnant's days_from_civil (its 400-year eras folded back into the
// leap-day count): time.Date gives the same answer but, being general, costs
// more than the rest of ParseTime together.
func daysSinceEpoch(year, month, day int) int {
	// Unsigned, the divisions by constants need no rounding fixes.
	y, m := uint(year), uint(month)-3
	if month <= 2 { // count from March, so the leap day ends the year
		y, m = y-1, m+12
	}
	return int(y*365+y/4-y/100+y/400+(153*m+2)/5+uint(day)) - 719469
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
