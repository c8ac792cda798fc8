package senseevent

// The parser's fast paths (the word-at-a-time separator scan and the fields
// taken from its positions, the GUID and time checks, the date arithmetic,
// the number readers, the exception type and session searches) are compared
// here with the plain code they replaced, kept below as references.

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// scanRef finds the separators with strings.IndexByte.
func scanRef(s string) (pos []int, ascii bool) {
	for i := 0; ; {
		j := strings.IndexByte(s[i:], ';')
		if j < 0 {
			break
		}
		pos = append(pos, i+j)
		i += j + 1
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return pos, false
		}
	}
	return pos, true
}

// checkScan compares scan (which uses the assembly scan on amd64) and, on
// every platform, the portable scanWords with scanRef.
func checkScan(t *testing.T, s string) {
	t.Helper()
	var f fields
	for i := range f.pos {
		f.pos[i] = -7 // scan writes nothing after the spare slot
	}
	ascii := f.scan(s)
	want, wantASCII := scanRef(s)
	if ascii != wantASCII {
		t.Fatalf("scan(%q): ascii %v", s, ascii)
	}
	checkSeparators(t, "scan", &f, want)
	for i := maxSeparators + 1; i < len(f.pos); i++ {
		if f.pos[i] != -7 {
			t.Fatalf("scan(%q) wrote pos[%d] = %d, after the spare slot", s, i, f.pos[i])
		}
	}
	if len(s) >= 8 {
		words := fields{line: s}
		if ascii := words.scanWords(); ascii != wantASCII {
			t.Fatalf("scanWords(%q): ascii %v", s, ascii)
		} else if ascii { // (not ASCII, its positions are wrong, and scan reads the line again)
			checkSeparators(t, "scanWords", &words, want)
		}
	}
	checkLayout(t, &f)
}

// checkSeparators compares the separators f recorded with want.
func checkSeparators(t *testing.T, name string, f *fields, want []int) {
	t.Helper()
	if f.n != len(want) {
		t.Fatalf("%s(%q): %d separators; want %d", name, f.line, f.n, len(want))
	}
	for i := 0; i < min(f.n, maxSeparators); i++ {
		if int(f.pos[i]) != want[i] {
			t.Fatalf("%s(%q): separator %d at %d, want %d", name, f.line, i, f.pos[i], want[i])
		}
	}
	if f.n > maxSeparators && int(f.pos[maxSeparators]) != want[len(want)-1] {
		t.Fatalf("%s(%q): spare slot %d, want the last separator's position %d", name, f.line, f.pos[maxSeparators], want[len(want)-1])
	}
}

// checkLayout compares layout, head, tail and mid, which use the recorded
// positions, with cutting fields off both ends of the text after the marker.
func checkLayout(t *testing.T, f *fields) {
	t.Helper()
	marker, rest, hasMarker := strings.Cut(f.line, ";")
	if f.marker() != marker {
		t.Fatalf("marker(%q) = %q", f.line, f.marker())
	}
	if f.n > maxSeparators && containsFold(f.line, qlikUserID) {
		// The trailing fields of such a line pass over the ';' of users in
		// Qlik's form (lastSeparator): TestParseQlikUserFormsLongMessage.
		return
	}
	for nh := range 4 {
		for nt := range 4 {
			h, tl := make([]string, nh), make([]string, nt)
			mid, ok := headRef(rest, h)
			if ok {
				mid, ok = tailRef(mid, tl)
			}
			ok = ok && hasMarker // without a first ';' there are no fields
			if f.layout(nh, nt) != ok {
				t.Fatalf("layout(%q, %d, %d) = %v", f.line, nh, nt, !ok)
			}
			if !ok {
				continue
			}
			for i := range h {
				if f.head(i) != h[i] {
					t.Fatalf("layout(%q, %d, %d): head(%d) = %q, want %q", f.line, nh, nt, i, f.head(i), h[i])
				}
			}
			for i := range tl {
				if f.tail(i) != tl[i] {
					t.Fatalf("layout(%q, %d, %d): tail(%d) = %q, want %q", f.line, nh, nt, i, f.tail(i), tl[i])
				}
			}
			if f.mid() != mid {
				t.Fatalf("layout(%q, %d, %d): mid() = %q, want %q", f.line, nh, nt, f.mid(), mid)
			}
			if f.midHasSeparator() != strings.Contains(mid, ";") {
				t.Fatalf("layout(%q, %d, %d): midHasSeparator() = %v", f.line, nh, nt, f.midHasSeparator())
			}
			first, last := f.midSeparators()
			if first != strings.IndexByte(mid, ';') || last != strings.LastIndexByte(mid, ';') {
				t.Fatalf("layout(%q, %d, %d): midSeparators() = %d, %d", f.line, nh, nt, first, last)
			}
		}
	}
}

// headRef cuts len(dst) leading fields off s; ok is false when s has too few separators.
func headRef(s string, dst []string) (rest string, ok bool) {
	for i := range dst {
		j := strings.IndexByte(s, ';')
		if j < 0 {
			return "", false
		}
		dst[i], s = s[:j], s[j+1:]
	}
	return s, true
}

// tailRef cuts len(dst) trailing fields off s; ok is false when s has too few separators.
func tailRef(s string, dst []string) (rest string, ok bool) {
	for i := len(dst) - 1; i >= 0; i-- {
		j := strings.LastIndexByte(s, ';')
		if j < 0 {
			return "", false
		}
		dst[i], s = s[j+1:], s[:j]
	}
	return s, true
}

func TestScanMatchesIndexByte(t *testing.T) {
	// Every length up to past three 32-byte rounds, with a ';' (or a
	// non-ASCII byte, or a byte next to ';' in value) at every position.
	for n := 0; n <= 100; n++ {
		checkScan(t, strings.Repeat("a", n))
		checkScan(t, strings.Repeat(";", n))
		for i := 0; i < n; i++ {
			for _, c := range []byte{';', ':', '<', 0x3b | 0x80, 0xff, 0} {
				b := []byte(strings.Repeat("x", n))
				b[i] = c
				checkScan(t, string(b))
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte{';', ';', ':', '<', 'a', '0', 0x80, 0xbb, 0xfb, 0x3a}
	for range 20000 {
		b := make([]byte, r.IntN(400))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		checkScan(t, string(b))
	}
	for _, n := range []int{maxSeparators - 2, maxSeparators - 1, maxSeparators, maxSeparators + 1, 100} {
		checkScan(t, strings.Repeat("ab;", n)) // up to more separators than are recorded
		checkScan(t, strings.Repeat(";", n))
	}
	// A run of separators after every count of them, so that a 32-byte round
	// reaches the spare slot from every separator count before it.
	for k := 0; k <= maxSeparators+2; k++ {
		for _, gap := range []int{0, 1, 5, 31} {
			checkScan(t, strings.Repeat("ab;", k)+strings.Repeat("x", gap)+strings.Repeat(";", 70))
		}
	}
}

func FuzzScan(f *testing.F) {
	f.Add("/qseow-engine/;1;2;;;x")
	f.Add(strings.Repeat(";", 70))
	f.Fuzz(checkScan)
}

// isGUIDRef is IsGUID with a byte table and a dash count.
func isGUIDRef(s string) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		if !(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
			return false
		}
	}
	return strings.Count(s, "-") == 4
}

func TestIsGUIDMatchesReference(t *testing.T) {
	// Every byte value at every position of a few GUIDs.
	for _, g := range []string{guidA, strings.ToUpper(guidB), "00000000-0000-0000-0000-000000000000", "ffffffff-FFFF-aaaa-AAAA-999999999999"} {
		for i := range len(g) {
			for c := range 256 {
				b := []byte(g)
				b[i] = byte(c)
				if s := string(b); IsGUID(s) != isGUIDRef(s) {
					t.Fatalf("IsGUID(%q) = %v", s, IsGUID(s))
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := []byte("0123456789abcdefABCDEF-gG/:@`{\x00\x80\xb0\xc6\xe6")
	for range 100000 {
		b := []byte(guidC)
		for range 1 + r.IntN(3) {
			b[r.IntN(len(b))] = alphabet[r.IntN(len(alphabet))]
		}
		if s := string(b); IsGUID(s) != isGUIDRef(s) {
			t.Fatalf("IsGUID(%q) = %v", s, IsGUID(s))
		}
	}
}

func FuzzIsGUID(f *testing.F) {
	f.Add(guidA)
	f.Add(strings.ToUpper(guidB))
	f.Fuzz(func(t *testing.T, s string) {
		if IsGUID(s) != isGUIDRef(s) {
			t.Fatalf("IsGUID(%q) = %v", s, IsGUID(s))
		}
	})
}

// parseTimeRef is ParseTime as it was: the general parser only, and time.Date.
func parseTimeRef(s string) (int64, bool) {
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
	if second == 60 {
		second, nanos = 59, 999999999
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, nanos, time.UTC)
	return t.UnixNano() - int64(offset)*int64(time.Second), true
}

func checkParseTime(t *testing.T, s string) {
	t.Helper()
	got, ok := ParseTime(s)
	want, wantOK := parseTimeRef(s)
	if got != want || ok != wantOK {
		t.Fatalf("ParseTime(%q) = %d, %v; want %d, %v", s, got, ok, want, wantOK)
	}
}

// TestDaysSinceEpochMatchesTimeDate covers every day from 1970 through 2200,
// the range ParseTime accepts, leap days and century years included.
func TestDaysSinceEpochMatchesTimeDate(t *testing.T) {
	for year := 1970; year <= 2200; year++ {
		for month := 1; month <= 12; month++ {
			for day := 1; day <= daysIn(month, year); day++ {
				want := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC).Unix() / 86400
				if got := daysSinceEpoch(year, month, day); int64(got) != want {
					t.Fatalf("daysSinceEpoch(%d, %d, %d) = %d, want %d", year, month, day, got, want)
				}
			}
		}
	}
}

func TestParseTimeMatchesReference(t *testing.T) {
	var cases []string
	for _, year := range []string{"1969", "1970", "1971", "1999", "2000", "2023", "2024", "2100", "2199", "2200", "2201", "9999", "0000"} {
		for _, md := range []string{"0101", "0131", "0132", "0228", "0229", "0230", "0301", "0431", "1231", "1301", "0001", "0100"} {
			for _, hms := range []string{"000000", "235959", "235960", "235961", "240000", "126000", "120060"} {
				for _, frac := range []string{".000", ".999", ".5", ",118", "", ".1180000"} {
					for _, zone := range []string{"+0000", "-0000", "+0100", "-0500", "-0930", "+1400", "+1800", "+1859", "+1900", "+2500", "+0160", "+01:00", "+01", "Z", "z", ""} {
						cases = append(cases, year+md+"T"+hms+frac+zone)
					}
				}
			}
		}
	}
	// Offsets that cross the 1970 and 2200 limits, leap seconds, the other layouts.
	cases = append(cases, "19700101T000000.000+0100", "19700101T000000.000-0100", "22001231T235959.999-1800", "22001231T235960.000+0000",
		"2024-03-12T10:17:02.310+01:00", "2024-03-12 10:17:02,5+05:30", "20240312t101542.118+0100")
	for _, c := range cases {
		checkParseTime(t, c)
	}
	// Every byte value at every position of the layouts with a fast path.
	for _, base := range []string{"20240312T101542.118+0100", "19700101T000000.000-0000", "22001231T235960.999+1859",
		"2024-03-12T10:15:42.118+0100", "2024-02-29T23:59:60.999-1859", "2024-03-12T10:15:42.118+01:00", "1970-01-01T00:00:00.000-00:01"} {
		for i := range len(base) {
			for c := range 256 {
				b := []byte(base)
				b[i] = byte(c)
				checkParseTime(t, string(b))
			}
		}
	}
	r := rand.New(rand.NewPCG(7, 8))
	for range 50000 {
		ts := time.Unix(r.Int64N(7258118400), r.Int64N(1e9)).UTC()
		zone := []string{"+0100", "-0530", "+1800", "-1800", "+0000"}[r.IntN(5)]
		checkParseTime(t, ts.Format("20060102T150405.000")+zone)
		checkParseTime(t, ts.Format("2006-01-02T15:04:05.000")+zone)
		checkParseTime(t, ts.Format("2006-01-02T15:04:05.000")+zone[:3]+":"+zone[3:])
		checkParseTime(t, ts.Format("2006-01-02T15:04:05.000000")+zone[:3]+":"+zone[3:])
	}
}

func FuzzTime(f *testing.F) {
	f.Add("20240312T101542.118+0100")
	f.Add("2024-03-12T10:17:02.310+01:00")
	f.Add("2024-03-12T10:17:02.310+0100")
	f.Add("22001231T235960.999-1859")
	f.Fuzz(checkParseTime)
}

// exceptionTypeRef is ExceptionType with strings.IndexAny and a second loop.
func exceptionTypeRef(s string) string {
	s = strings.TrimLeft(s, " ")
	end := strings.IndexAny(s, ": (")
	if end < 0 {
		end = len(s)
	}
	name := s[:end]
	if !strings.HasSuffix(name, "Exception") || strings.IndexByte(name, '.') < 0 {
		return ""
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '.' || c == '_' || c == '`' || c == '+' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			return ""
		}
	}
	return name
}

func TestExceptionTypeMatchesReference(t *testing.T) {
	bases := []string{"System.Net.WebException: Unable to connect", "  Npgsql.NpgsqlException (0x80004005): refused",
		"A.B`1+CException", "Failed; retrying", "x.Exception", "Exception", ""}
	for _, base := range bases {
		for i := 0; i <= len(base); i++ {
			for c := range 256 {
				s := base[:i] + string([]byte{byte(c)}) + base[i:] // insert one byte
				b := []byte(base)
				if i < len(b) {
					b[i] = byte(c) // and replace one
				}
				for _, s := range []string{s, string(b)} {
					if got, want := ExceptionType(s), exceptionTypeRef(s); got != want {
						t.Fatalf("ExceptionType(%q) = %q, want %q", s, got, want)
					}
				}
			}
		}
	}
}

func FuzzExceptionType(f *testing.F) {
	f.Add("System.IO.IOException: disk; full")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ExceptionType(s), exceptionTypeRef(s); got != want {
			t.Fatalf("ExceptionType(%q) = %q, want %q", s, got, want)
		}
	})
}

// sessionFromMessageRef is sessionFromMessage with strings.Index.
func sessionFromMessageRef(msg string) string {
	for {
		i := strings.Index(msg, "ession '")
		if i < 0 {
			return ""
		}
		msg = msg[i+len("ession '"):]
		if len(msg) >= 37 && msg[36] == '\'' && IsGUID(msg[:36]) {
			return msg[:36]
		}
	}
}

func TestSessionFromMessageMatchesReference(t *testing.T) {
	msgs := []string{"Start session for user 'CORP\\jdoe' (session '" + guidA + "')",
		"Closed for session '" + guidA + "'. UserAgent: x", "session '" + guidA + "'", "ession '" + guidA + "'",
		"session 'x' then Session '" + guidB + "'", "session ''session '" + guidC + "'", "'", "", "session '" + guidA}
	for _, m := range msgs {
		for i := 0; i <= len(m); i++ {
			for _, c := range []byte{'\'', 'e', ' ', 's', 'x', 0xff} {
				for _, s := range []string{m[:i] + string([]byte{c}) + m[i:], m[:i] + m[min(i+1, len(m)):]} {
					if got, want := sessionFromMessage(s), sessionFromMessageRef(s); got != want {
						t.Fatalf("sessionFromMessage(%q) = %q, want %q", s, got, want)
					}
				}
			}
		}
	}
}

func FuzzSessionFromMessage(f *testing.F) {
	f.Add("Start session for user 'CORP\\jdoe' (session '" + guidA + "')")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := sessionFromMessage(s), sessionFromMessageRef(s); got != want {
			t.Fatalf("sessionFromMessage(%q) = %q, want %q", s, got, want)
		}
	})
}

// TestKindAndActionOf checks that the exact-spelling switches in kindOf and
// actionOf agree with the case-insensitive matches after them.
func TestKindAndActionOf(t *testing.T) {
	for _, k := range Kinds {
		for _, m := range []string{k.Marker(), strings.ToUpper(k.Marker()), " " + k.Marker() + "\t"} {
			if got := kindOf(m); got != k {
				t.Errorf("kindOf(%q) = %v, want %v", m, got, k)
			}
		}
	}
	for a, c := range map[Action]string{ActionSessionStart: "Start session", ActionSessionStop: "Stop session",
		ActionConnectionOpen: "Open connection", ActionConnectionClose: "Close connection"} {
		for _, s := range []string{c, strings.ToUpper(c), strings.ToLower(c), " " + c + " "} {
			if got := actionOf(s); got != a {
				t.Errorf("actionOf(%q) = %v, want %v", s, got, a)
			}
		}
	}
}

// atoiRef is atoi as it was, before it was made small enough to be inlined.
func atoiRef(s string) (int64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

func checkAtoi(t *testing.T, s string) {
	t.Helper()
	got, ok := atoi(s)
	want, wantOK := atoiRef(s)
	if got != want || ok != wantOK {
		t.Fatalf("atoi(%q) = %d, %v; want %d, %v", s, got, ok, want, wantOK)
	}
}

func TestAtoiMatchesReference(t *testing.T) {
	for _, base := range []string{"", "0", "7", "-1", "+42", "3310", "15728640", "1073741824", "999999999999999999", "-999999999999999999", "1234567890123456789"} {
		checkAtoi(t, base)
		for i := 0; i <= len(base); i++ {
			for c := range 256 {
				checkAtoi(t, base[:i]+string([]byte{byte(c)})+base[i:])
				if i < len(base) {
					b := []byte(base)
					b[i] = byte(c)
					checkAtoi(t, string(b))
				}
			}
		}
	}
}

func FuzzAtoi(f *testing.F) {
	f.Add("3310")
	f.Add("-1")
	f.Fuzz(checkAtoi)
}

// checkShortFloats compares shortFloat, given each field of line as the
// kind parsers give it (see setTimes), with atof and with strconv.
func checkShortFloats(t *testing.T, line string) {
	t.Helper()
	var fl fields
	fl.scan(line)
	if !fl.layout(0, 0) || fl.n > maxSeparators {
		return
	}
	for i := range fl.count() + 1 { // layout put len(line) after the last separator
		start, end := fl.headAt(i)
		s := line[start:end]
		got, ok := shortFloat(fl.wordBefore(end), end-start)
		if !ok {
			continue // atof reads it
		}
		want, wantOK := atof(s)
		if !wantOK || got != want {
			t.Fatalf("shortFloat(%q) = %v; atof says %v, %v", s, got, want, wantOK)
		}
		if v, err := strconv.ParseFloat(s, 64); err != nil || v != got {
			t.Fatalf("shortFloat(%q) = %v; strconv says %v, %v", s, got, v, err)
		}
	}
}

func TestShortFloatMatchesAtof(t *testing.T) {
	// The usual numbers take the fast path.
	for _, s := range []string{"812.4", "0", "91234.0", ".5", "1.", "12345678", "1234567.", ".1234567"} {
		line := "xxxxxxxx" + s
		if _, ok := shortFloat(load64(line[len(line)-8:]), len(s)); !ok {
			t.Errorf("shortFloat(%q) left to atof", s)
		}
	}
	// Every short number of a few digits, '.'s and other bytes, after
	// fields of every length (so that the line's bytes before the number
	// are all kinds of things, or missing).
	alphabet := []byte("0123456789.-+e ;x\x80")
	var nums []string
	var gen func(prefix string)
	gen = func(prefix string) {
		nums = append(nums, prefix)
		if len(prefix) < 3 {
			for _, c := range alphabet {
				gen(prefix + string([]byte{c}))
			}
		}
	}
	gen("")
	for _, n := range nums {
		for pad := range 10 {
			checkShortFloats(t, "m;"+strings.Repeat("9.", pad)+";"+n+";"+n+"5.25")
		}
	}
	r := rand.New(rand.NewPCG(9, 10))
	for range 100000 {
		n := strconv.FormatFloat(r.Float64()*math.Pow(10, float64(r.IntN(9))), 'f', r.IntN(8), 64)
		checkShortFloats(t, "/qseow-qix-perf/;"+n+";"+n[:r.IntN(len(n)+1)]+";"+strings.TrimLeft(n, "0"))
	}
}

func FuzzShortFloat(f *testing.F) {
	f.Add("m;812.4;0;.5;1.;12345678;1234567.8")
	f.Fuzz(checkShortFloats)
}
