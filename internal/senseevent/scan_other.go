//go:build !amd64 || purego

package senseevent

// scanASCII records the separators of a line of at least eight bytes and
// reports whether it is all ASCII; if not, the positions are wrong.
func (f *fields) scanASCII() bool { return f.scanWords() }
