package main

import "encoding/binary"

// nativeEndian: netlink speaks the host's byte order (x86-64: little).
var nativeEndian = binary.LittleEndian
