//go:build amd64 && !purego

package senseevent

// scanSemicolons is in scan_amd64.s.
//
//go:noescape
func scanSemicolons(line string, pos *[posLen]int32) (n int, ascii bool)

// scanASCII records the separators of a line of at least eight bytes and
// reports whether it is all ASCII; if not, the positions are wrong. Lines of
// 32 bytes and more, all the events Sense sends, are scanned with SSE2.
func (f *fields) scanASCII() bool {
	if len(f.line) < 32 {
		return f.scanWords()
	}
	n, ascii := scanSemicolons(f.line, &f.pos)
	f.n = n
	return ascii
}
