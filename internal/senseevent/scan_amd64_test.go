//go:build amd64 && !purego && linux

package senseevent

import (
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// TestScanStaysInLine puts lines of every length from 32 bytes up right
// before and right after an inaccessible page: the assembly scan faults if
// it reads a byte outside the line, which other tests see only when the
// bytes next to a string happen to be ';'.
func TestScanStaysInLine(t *testing.T) {
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 4*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	defer syscall.Munmap(mem)
	for _, guard := range [][]byte{mem[:page], mem[3*page:]} {
		if err := syscall.Mprotect(guard, syscall.PROT_NONE); err != nil {
			t.Skipf("mprotect: %v", err)
		}
	}
	usable := mem[page : 3*page]
	text := strings.Repeat("ab;c;", len(usable)/5+1)
	for n := 32; n <= len(usable); n++ {
		// At the end of the usable pages, then at their start.
		for _, at := range []int{len(usable) - n, 0} {
			b := usable[at : at+n]
			copy(b, text)
			line := unsafe.String(&b[0], n)
			var f fields
			f.line = line
			if ascii, done := f.scanSIMD(); !ascii || !done {
				t.Fatalf("length %d: ascii %v, done %v", n, ascii, done)
			}
			if want := strings.Count(line, ";"); f.n != want {
				t.Fatalf("length %d at %d: %d separators, want %d", n, at, f.n, want)
			}
		}
	}
}
