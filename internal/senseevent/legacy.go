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
