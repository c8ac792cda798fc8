package senseevent

import (
	"strings"
)

// fields knows where every ';' of a datagram is. The marker is field 0;
// layout then divides the fields after it into leading and trailing ones and
// the text between, which head, tail and mid return as substrings.
//
// Fields are short, so finding each ';' with its own strings.IndexByte call
// costs more in call overhead than in scanning: scan reads the line once, 32
// bytes at a time with SSE2 on amd64 (scan_amd64.s), else (and for lines
// under 32 bytes) a word of eight bytes at a time (scanWords), after which a
// line that is not ASCII is read again (scanAny). And the kind parsers take
// each field straight from the positions, rather than from arrays filled
// first.
type fields struct {
	line string
	// pos holds the offsets in line of its first separators, then room:
	// record writes the separators past maxSeparators to pos[maxSeparators],
	// and layout puts len(line) after the last separator and copies
	// maxTrailing+1 positions from the first trailing field's on.
	pos [posLen]int32
	n   int // separators in line; more than maxSeparators means some were not recorded
	// taken is how many of the recorded separators joinQlikUsers took back
	// on a line with more than were recorded (where n stays as it was).
	taken int

	nh, nt int                    // set by layout: the leading and trailing fields
	tpos   [maxTrailing + 1]int32 // set by layout: the separator before each trailing field, then len(line)
}

// maxSeparators covers every fixed layout with room for ';' in free text
// (64 after the marker); a line with more falls back to scanning from both
// ends.
const maxSeparators = 65

// posLen is the length of fields.pos.
const posLen = maxSeparators + 1 + maxTrailing

// maxTrailing is the most trailing fields a layout has (engine events).
const maxTrailing = 10

// maxLeading is the most leading fields a layout has (qix-perf events).
const maxLeading = logHeadFields + 14

// scan records the separators of line and reports whether line is all
// ASCII, which spares the caller a UTF-8 check of the usual datagram.
func (f *fields) scan(line string) (ascii bool) {
	f.line, f.taken = line, 0
	if ascii, done := f.scanSIMD(); done {
		return ascii
	}
	if len(line) >= 8 && f.scanWords() {
		return true
	}
	return f.scanAny()
}

// scanWords is the scan a word at a time, for the platforms and the short
// lines scanSIMD does not take: it records the separators of a line
// of at least eight bytes and reports whether it is all ASCII; if not, the
// positions are wrong. In ASCII bytes, x+0x7f sets bit 7 unless x is 0 and
// never carries into the next byte, which finds ';' with fewer operations
// than zeroBytes.
func (f *fields) scanWords() bool {
	line := f.line
	var high uint64 // the high bits of the bytes seen
	n, i := 0, 0
	// Thirty-two bytes a round, with one branch for whether any is a ';'.
	for ; i <= len(line)-32; i += 32 {
		w1, w2, w3, w4 := load64(line[i:]), load64(line[i+8:]), load64(line[i+16:]), load64(line[i+24:])
		high |= w1 | w2 | w3 | w4
		a1, a2, a3, a4 := (w1^semis)+low7s, (w2^semis)+low7s, (w3^semis)+low7s, (w4^semis)+low7s
		if ^(a1&a2&a3&a4)&highs != 0 {
			n = f.record(n, i, ^a1&highs)
			n = f.record(n, i+8, ^a2&highs)
			n = f.record(n, i+16, ^a3&highs)
			n = f.record(n, i+24, ^a4&highs)
		}
	}
	for ; i <= len(line)-8; i += 8 {
		w := load64(line[i:])
		high |= w
		n = f.record(n, i, ^((w^semis)+low7s)&highs)
	}
	if i < len(line) {
		// Read the last eight bytes again and drop the ones already seen,
		// rather than loop over up to seven bytes.
		j := len(line) - 8
		w := load64(line[j:])
		high |= w
		n = f.record(n, j, ^((w^semis)+low7s)&highs&^(1<<(8*(i-j))-1))
	}
	f.n = n
	return high&highs == 0
}

// scanAny records the separators of any line, a word at a time, and reports
// whether it is all ASCII.
func (f *fields) scanAny() (ascii bool) {
	line := f.line
	var high uint64
	n, i := 0, 0
	for ; i <= len(line)-8; i += 8 {
		w := load64(line[i:])
		high |= w
		n = f.record(n, i, zeroBytes(w^semis))
	}
	for ; i < len(line); i++ {
		high |= uint64(line[i])
		if line[i] == ';' {
			n = f.record(n, i, 0x80)
		}
	}
	f.n = n
	return high&highs == 0
}

// record adds the separators marked in m (the high bit of byte k for a ';'
// at i+k) to the n found so far and returns the new count. Those past
// maxSeparators all go to the spare slot after them, which costs less than
// a bounds branch per separator. (The loop's own branch stays: writing a
// word's eight possible positions unconditionally measured slower.) And k
// comes from a multiply: (m&-m)>>7 is 1<<8k, which puts byte 7-k of the
// constant, k, in the top byte. Below GOAMD64=v3, TrailingZeros64 compiles
// to BSF, which is slow on AMD CPUs.
func (f *fields) record(n, i int, m uint64) int {
	for ; m != 0; m &= m - 1 {
		f.pos[min(uint(n), maxSeparators)] = int32(i + int((m&-m)>>7*0x0001020304050607>>56))
		n++
	}
	return n
}

// marker is the text before the first separator: all of the line without one.
func (f *fields) marker() string {
	if f.n == 0 {
		return f.line
	}
	return f.line[:f.pos[0]]
}

// count is the number of separators after the marker (-1 without a marker).
func (f *fields) count() int { return f.n - 1 }

// layout divides the fields after the marker into nh leading ones, nt
// trailing ones and the text between them, which may hold more separators;
// it reports false when there are too few.
func (f *fields) layout(nh, nt int) bool {
	if f.count() < nh+nt {
		return false
	}
	f.nh, f.nt = nh, nt
	if f.n <= maxSeparators {
		// A copy of fixed size, without a call to memmove.
		f.pos[f.n] = int32(len(f.line))
		f.tpos = [maxTrailing + 1]int32(f.pos[f.n-nt:])
		return true
	}
	return f.layoutFromEnd(nh, nt)
}

// layoutFromEnd is layout for a line with more separators than were
// recorded: it finds the trailing ones from the end, passing over the ';'
// inside a user in Qlik's form, which joinQlikUsers could not take back
// there. (If what looks like such users leaves too few, as they come; and if
// the leading fields took so many that too few come after them, there are
// too few.)
func (f *fields) layoutFromEnd(nh, nt int) bool {
	f.tpos[nt] = int32(len(f.line))
	for _, qlik := range [...]bool{true, false} {
		end := len(f.line)
		for i := nt - 1; i >= 0 && end >= 0; i-- {
			end = lastSeparator(f.line[:end], int(f.pos[nh]), qlik)
			f.tpos[i] = int32(end)
		}
		if end >= 0 {
			return true
		}
	}
	return false
}

// lastSeparator returns where the last ';' of s after from is, or -1; with
// qlik, it passes over one inside a user in Qlik's form, as joinQlikUsers
// takes them back.
func lastSeparator(s string, from int, qlik bool) int {
	for {
		i := strings.LastIndexByte(s, ';')
		if i <= from {
			return -1
		}
		if !qlik || !splitsQlikUser(s, strings.LastIndexByte(s[:i], ';'), i) {
			return i
		}
		s = s[:i]
	}
}

// head is leading field i after the marker.
func (f *fields) head(i int) string { return f.line[f.pos[i]+1 : f.pos[i+1]] }

// headAt is where head(i) is in the line.
func (f *fields) headAt(i int) (start, end int) { return int(f.pos[i]) + 1, int(f.pos[i+1]) }

// tail is trailing field i.
func (f *fields) tail(i int) string { return f.line[f.tpos[i]+1 : f.tpos[i+1]] }

// wordBefore returns the eight bytes of the line that end at end, or 0 when
// fewer than eight precede it (shortFloat then declines, and atof reads the
// number). A number that ends there is in their top bytes, where shortFloat
// reads it.
func (f *fields) wordBefore(end int) uint64 {
	if end < 8 {
		return 0
	}
	return load64(f.line[end-8:])
}

// mid is the text between the leading and the trailing fields.
func (f *fields) mid() string { return f.line[f.pos[f.nh]+1 : f.tpos[0]] }

// midHasSeparator reports whether mid contains a ';': whether the line has
// more separators than the layout divides it by.
func (f *fields) midHasSeparator() bool { return f.count() > f.nh+f.nt }

// midSeparators returns where the first and the last ';' of mid are in it
// (-1 if it has none). They are known from the scan; strings.LastIndexByte
// would go through the exception byte by byte.
func (f *fields) midSeparators() (first, last int) {
	i, j := f.nh+1, f.n-f.nt-1 // mid's separators are f.pos[i:j+1]
	if f.n > maxSeparators || i > j {
		mid := f.mid()
		return strings.IndexByte(mid, ';'), strings.LastIndexByte(mid, ';')
	}
	start := int(f.pos[f.nh]) + 1
	return int(f.pos[i]) - start, int(f.pos[j]) - start
}

// startsQlikUserID reports whether the text after separator k starts, after
// blanks, with "UserId=", as the second half of a user in Qlik's form does.
func (f *fields) startsQlikUserID(k int) bool {
	if k >= min(f.n, maxSeparators) {
		return false
	}
	return followedByQlikUserID(f.line, int(f.pos[k]))
}

// followedByQlikUserID reports whether the text after the ';' at i of s
// starts, after blanks, with "UserId=".
func followedByQlikUserID(s string, i int) bool {
	return hasPrefixFold(strings.TrimLeft(s[i+1:], " "), qlikUserID)
}

// joinQlikUsers takes back the separators that are inside a user written in
// Qlik's form, "UserDirectory=CORP; UserId=jdoe": a ';' followed by
// "UserId=" in a field that holds "UserDirectory=" separates no fields,
// wherever it is (in a message, or in %property{User}). On a line with more
// separators than were recorded, it takes back those among the recorded
// ones (the leading fields are read from them) and leaves the count as it
// is, so that layout still finds the trailing fields from the end, where it
// passes over such users itself.
func (f *fields) joinQlikUsers() {
	if f.n > maxSeparators {
		f.joinRecordedQlikUsers()
		return
	}
	for k := 1; k < f.n; k++ {
		if f.insideQlikUser(k) {
			copy(f.pos[k:f.n], f.pos[k+1:f.n])
			f.n--
			k--
		}
	}
}

// joinRecordedQlikUsers is joinQlikUsers for a line with more separators
// than were recorded: f.pos[:known] are the recorded ones still taken to
// separate fields, and it stops before the leading fields would be short
// of them (on a line of little else).
func (f *fields) joinRecordedQlikUsers() {
	known := maxSeparators - f.taken
	for k := 1; k < known && known > maxLeading+1; k++ {
		if f.insideQlikUser(k) {
			copy(f.pos[k:known], f.pos[k+1:known])
			f.taken++
			known--
			k--
		}
	}
}

// insideQlikUser reports whether recorded separator k is the one inside a
// user in Qlik's form.
func (f *fields) insideQlikUser(k int) bool {
	return splitsQlikUser(f.line, int(f.pos[k-1]), int(f.pos[k]))
}

// splitsQlikUser reports whether the ';' at i of s, whose field starts after
// prev (-1: at the start), is the one inside a user in Qlik's form: followed
// by "UserId=" in a field that holds "UserDirectory=".
func splitsQlikUser(s string, prev, i int) bool {
	return followedByQlikUserID(s, i) && containsFold(s[prev+1:i], qlikUserDirectory)
}
