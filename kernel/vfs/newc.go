package vfs

import (
	"errors"
	"strconv"
	"strings"
)

// newc ("070701") cpio format: a 110-byte ASCII header of 13 8-digit hex
// fields, the NUL-terminated name, padding to 4 bytes, the data, padding
// to 4 bytes; "TRAILER!!!" ends the archive (cpio(5), "New ASCII Format").
const (
	newcMagic     = "070701"
	newcHeaderLen = 110
	newcTrailer   = "TRAILER!!!"
)

// ErrCorrupt reports a malformed archive.
var ErrCorrupt = errors.New("vfs: corrupt newc cpio archive")

func pad4(n int) int { return (n + 3) &^ 3 }

// readNewc calls fn for each record of a newc archive.
func readNewc(a string, fn func(name string, mode uint32, mtime int64, data string) error) error {
	for off := 0; off < len(a); {
		if len(a)-off < newcHeaderLen || a[off:off+6] != newcMagic {
			return ErrCorrupt
		}
		var f [13]uint64
		for i := range f {
			v, err := strconv.ParseUint(a[off+6+8*i:off+14+8*i], 16, 32)
			if err != nil {
				return ErrCorrupt
			}
			f[i] = v
		}
		mode, mtime, size, namesize := uint32(f[1]), int64(f[5]), int(f[6]), int(f[11])
		nameEnd := off + newcHeaderLen + namesize
		if namesize < 1 || nameEnd > len(a) {
			return ErrCorrupt
		}
		if a[nameEnd-1] != 0 {
			return ErrCorrupt // namesize counts the name's terminating NUL
		}
		name := a[off+newcHeaderLen : nameEnd-1]
		if i := strings.IndexByte(name, 0); i >= 0 {
			name = name[:i] // a C string ends at its first NUL
		}
		dataOff := off + pad4(newcHeaderLen+namesize)
		if name == newcTrailer {
			return nil
		}
		if size < 0 || dataOff+size > len(a) || dataOff > len(a) {
			return ErrCorrupt
		}
		if err := fn(name, mode, mtime, a[dataOff:dataOff+size]); err != nil {
			return err
		}
		off = dataOff + pad4(size)
	}
	return nil
}
