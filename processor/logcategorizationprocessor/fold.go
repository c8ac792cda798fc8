package logcategorizationprocessor // import "github.com/senseops/senseops-collector/processor/logcategorizationprocessor"

import (
	"unicode"
	"unicode/utf8"
)

// Case-insensitive matching uses Unicode simple case folding, the same
// equivalence as strings.EqualFold and regexp's (?i): two runes are equal when
// they are in the same unicode.SimpleFold orbit. foldRune maps every rune to
// one representative of its orbit, so "a equals b ignoring case" becomes
// "fold(a) == fold(b)" rune by rune, and substring, prefix and suffix tests on
// folded text are byte tests.
//
// The representative of an orbit that contains an ASCII letter is that letter
// in lower case. Folded ASCII text is therefore just lower-cased ASCII text,
// which lets the automata fold ASCII on the fly through their byte-class table
// (A-Z read as a-z) and fold nothing for ASCII input. Only two non-ASCII runes
// fold to ASCII (KELVIN SIGN to k, LATIN SMALL LETTER LONG S to s); text with
// non-ASCII bytes is folded into a buffer when it could matter (see
// group.match).

// foldRune returns the representative of r's simple case-folding orbit.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	lowest := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			return foldRune(f)
		}
		lowest = min(lowest, f)
	}
	return lowest
}

// appendFold appends s folded to dst. Bytes that are not valid UTF-8 are
// copied unchanged, so they only ever match themselves.
func appendFold(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, c)
		} else {
			dst = utf8.AppendRune(dst, foldRune(r))
		}
		i += n
	}
	return dst
}

// foldString returns s folded.
func foldString(s string) string { return string(appendFold(nil, s)) }

// asciiFoldsOutside[c] is true for the ASCII letters whose orbit has a
// non-ASCII member (k and s): a folded pattern with one of them can match
// non-ASCII text that ASCII folding would not.
var asciiFoldsOutside = func() (t [utf8.RuneSelf]bool) {
	for c := rune('a'); c <= 'z'; c++ {
		for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
			if f >= utf8.RuneSelf {
				t[c] = true
			}
		}
	}
	return t
}()

// needsUnicodeFold reports whether folded pattern p can match some text only
// after that text is folded as Unicode: p has non-ASCII bytes, or an ASCII
// letter that a non-ASCII rune folds to.
func needsUnicodeFold(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= utf8.RuneSelf || asciiFoldsOutside[c] {
			return true
		}
	}
	return false
}
