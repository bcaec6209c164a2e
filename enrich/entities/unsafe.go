package entities

import "unsafe"

// unsafeString views b as a string; b must not change while the string is
// used (the scratch buffers are reused only after Find returns).
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
