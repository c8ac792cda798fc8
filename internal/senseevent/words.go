package senseevent

// Helpers to test eight bytes of a string at once in a uint64 ("SWAR"), for
// the parser's hot spots: the separator scan, GUIDs and times.

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
	low7s = 0x7f7f7f7f7f7f7f7f
	semis = ';' * ones

	allBytes uint64 = 1<<64 - 1
)

// load64 reads the first eight bytes of s as a little-endian word; the
// compiler merges the byte loads into one, so no unsafe view of the string
// is needed.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// load32 reads the first four bytes of s as a little-endian word.
func load32(s string) uint64 {
	_ = s[3]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
}

// zeroBytes sets the high bit of exactly the zero bytes of w. The shorter
// (w-ones)&^w&highs also marks a 0x01 byte above a zero byte, which would
// report a ';' that is not there.
func zeroBytes(w uint64) uint64 {
	return ^((w&low7s + low7s) | w) & highs
}

// notHex sets the high bit of every byte of w that is not a hex digit.
// Adding 0x80-lo to a byte sets its bit 7 when the byte is at least lo, and
// adding 0x7f-hi when it is above hi, so the difference marks the bytes in
// lo..hi. The sums cannot carry from one ASCII byte into the next; a byte of
// 0x80 or more lies in no range, even with a carry from below, so it is
// marked, and what its own carry does to the byte above no longer matters.
func notHex(w uint64) uint64 {
	digit := (w + (0x80-'0')*ones) &^ (w + (0x7f-'9')*ones)
	// Fold 'A'-'F' to 'a'-'f' only for the letter test: folded, some control
	// bytes would pass as digits.
	l := w | 0x20*ones
	letter := (l + (0x80-'a')*ones) &^ (l + (0x7f-'f')*ones)
	return ^(digit | letter) & highs
}

// notDigit sets the high bit of every byte of w that is not a decimal digit
// (see notHex).
func notDigit(w uint64) uint64 {
	return ^((w + (0x80-'0')*ones) &^ (w + (0x7f-'9')*ones)) & highs
}
