//go:build !amd64 || purego

package senseevent

// scanFast records the separators of a line of at least eight bytes and
// reports whether it is all ASCII, and whether the positions are right
// (exact): here only if it is.
func (f *fields) scanFast() (ascii, exact bool) {
	ascii = f.scanWords()
	return ascii, ascii
}
