//go:build amd64 && !purego

package senseevent

// scanSemicolons is in scan_amd64.s.
//
//go:noescape
func scanSemicolons(line string, pos *[posLen]int32) (n int, ascii bool)

// scanSIMD records the separators of a line of 32 bytes or more with SSE2
// and reports whether it is all ASCII; done is false, and nothing recorded,
// for a shorter line. Every event Sense sends is that long. The positions
// are right whatever the bytes are, so a line with a name such as "Jörg" is
// not read again.
func (f *fields) scanSIMD() (ascii, done bool) {
	if len(f.line) < 32 {
		return false, false
	}
	n, ascii := scanSemicolons(f.line, &f.pos)
	f.n = n
	return ascii, true
}
