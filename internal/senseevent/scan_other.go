//go:build !amd64 || purego

package senseevent

// scanSIMD has no vector scan to offer on this platform (or with -tags
// purego): done is false, and scan reads the line a word at a time.
func (f *fields) scanSIMD() (ascii, done bool) { return false, false }
