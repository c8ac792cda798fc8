//go:build amd64 && !purego

package senseevent

// scanSemicolons is in scan_amd64.s.
//
//go:noescape
func scanSemicolons(line string, pos *[posLen]int32) (n int, ascii bool)

// scanFast records the separators of a line of at least eight bytes and
// reports whether it is all ASCII, and whether the positions are right
// (exact) even if it is not. Lines of 32 bytes and more, all the events Sense
// sends, are scanned with SSE2, which finds every ';' whatever the other
// bytes are: a line with a name such as "Jörg" is not read again.
func (f *fields) scanFast() (ascii, exact bool) {
	if len(f.line) < 32 {
		ascii := f.scanWords()
		return ascii, ascii
	}
	n, ascii := scanSemicolons(f.line, &f.pos)
	f.n = n
	return ascii, true
}
