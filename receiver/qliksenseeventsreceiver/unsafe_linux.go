package qliksenseeventsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver"

import "unsafe"

// unsafePointer reads a control-message header in place, as the kernel
// wrote it (the layout golang.org/x/sys/unix describes).
func unsafePointer(b *byte) unsafe.Pointer { return unsafe.Pointer(b) }
