package senseevent

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// windows1252ToUTF8 converts s, keeping its valid UTF-8 sequences and reading
// every other byte as Windows-1252. A line that is all Windows-1252 comes out
// right (its non-ASCII bytes are hardly ever valid UTF-8 by chance), and so
// does one with only a few stray bytes.
func windows1252ToUTF8(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			b.WriteByte(c)
			i++
			continue
		}
		if r, size := utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError || size > 1 {
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		b.WriteRune(charmap.Windows1252.DecodeByte(c))
		i++
	}
	return b.String()
}

// windows1252Offset returns where in s the text that windows1252ToUTF8(s)
// has at offset n comes from (n at a character of the result).
func windows1252Offset(s string, n int) int {
	i, out := 0, 0
	for i < len(s) && out < n {
		c := s[i]
		if c < utf8.RuneSelf {
			i, out = i+1, out+1
			continue
		}
		if r, size := utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError || size > 1 {
			i, out = i+size, out+size
			continue
		}
		i, out = i+1, out+utf8.RuneLen(charmap.Windows1252.DecodeByte(c))
	}
	return i
}
