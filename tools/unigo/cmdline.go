package main

import (
	"strings"
)

// encodeCmdline writes the kernel command line that kernel/cmdline.go
// parses: "a=" arguments, "e=" environment entries, percent-encoded, and
// "-v" for verbose.
func encodeCmdline(args, env []string, verbose bool) string {
	var b strings.Builder
	if verbose {
		b.WriteString("-v")
	}
	for _, a := range args {
		b.WriteString(" a=")
		b.WriteString(pctEncode(a))
	}
	for _, e := range env {
		b.WriteString(" e=")
		b.WriteString(pctEncode(e))
	}
	return strings.TrimPrefix(b.String(), " ")
}

func pctEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		// QEMU's -append also splits on commas in some paths; encode them too.
		if c <= ' ' || c > '~' || c == '%' || c == ',' || c == '"' {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
