package senseevent

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// windows1252Char reads the character at the start of s (not empty): a
// valid UTF-8 sequence is kept as it is (keep, taking size bytes), any
// other byte is read as Windows-1252 (r, taking one byte). A line that is
// all Windows-1252 comes out right (its non-ASCII bytes are hardly ever
// valid UTF-8 by chance), and so does one with only a few stray bytes.
func windows1252Char(s string) (size int, r rune, keep bool) {
	if s[0] < utf8.RuneSelf {
		return 1, 0, true
	}
	if r, size := utf8.DecodeRuneInString(s); r != utf8.RuneError || size > 1 {
		return size, 0, true
	}
	return 1, charmap.Windows1252.DecodeByte(s[0]), false
}

// windows1252ToUTF8 converts s character by character (windows1252Char).
func windows1252ToUTF8(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); {
		size, r, keep := windows1252Char(s[i:])
		if keep {
			b.WriteString(s[i : i+size])
		} else {
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// windows1252Offset returns where in s the text that windows1252ToUTF8(s)
// has at offset n comes from (n at a character of the result).
func windows1252Offset(s string, n int) int {
	i, out := 0, 0
	for i < len(s) && out < n {
		size, r, keep := windows1252Char(s[i:])
		if keep {
			out += size
		} else {
			out += utf8.RuneLen(r)
		}
		i += size
	}
	return i
}
