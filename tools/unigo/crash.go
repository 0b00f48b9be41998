package main

import (
	"bytes"
	"debug/elf"
	"debug/gosym"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// crashReport turns a kernel crash record ("F rip addr codehex ret...")
// into the faulting instruction, decoded, and a symbolised stack.
func crashReport(img []byte, fields []string) string {
	if len(fields) < 3 {
		return "unigo: malformed crash record\n"
	}
	rip, _ := strconv.ParseUint(strings.TrimPrefix(fields[0], "0x"), 16, 64)
	var b strings.Builder
	tab := symtab(img)
	where := func(pc uint64) string {
		if tab == nil {
			return fmt.Sprintf("%#x", pc)
		}
		file, line, fn := tab.PCToLine(pc)
		if fn == nil {
			return fmt.Sprintf("%#x ?", pc)
		}
		return fmt.Sprintf("%s\n\t%s:%d (%#x)", fn.Name, file, line, pc)
	}
	inst := "(instruction bytes unreadable)"
	if code, err := hex.DecodeString(fields[2]); err == nil && len(code) > 0 {
		if in, err := x86asm.Decode(code, 64); err == nil {
			inst = x86asm.GoSyntax(in, rip, nil) + "   // " + x86asm.IntelSyntax(in, rip, nil)
		} else {
			inst = "(undecodable: " + fields[2] + ")"
		}
	}
	fmt.Fprintf(&b, "unigo: faulting instruction: %s\nunigo: stack:\n%s\n", inst, where(rip))
	var rets []uint64
	for _, f := range fields[3:] {
		pc, _ := strconv.ParseUint(strings.TrimPrefix(f, "0x"), 16, 64)
		rets = append(rets, pc)
	}
	// rets[0] is the word at RSP: the return address when the faulting
	// function is a leaf without a frame; keep it only if it looks like one.
	if len(rets) > 0 && tab != nil {
		sp0 := rets[0]
		_, _, fn0 := tab.PCToLine(sp0 - 1)
		_, _, fnRIP := tab.PCToLine(rip)
		if fn0 == nil || fn0 == fnRIP || len(rets) > 1 && rets[1] == sp0 {
			rets[0] = 0
		}
	}
	for _, pc := range rets {
		if pc == 0 {
			continue
		}
		b.WriteString(where(pc - 1)) // a return address: the call is the byte before
		b.WriteByte('\n')
	}
	return b.String()
}

func symtab(img []byte) *gosym.Table {
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		return nil
	}
	pcln, text := f.Section(".gopclntab"), f.Section(".text")
	if pcln == nil || text == nil {
		return nil
	}
	data, err := pcln.Data()
	if err != nil {
		return nil
	}
	t, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		return nil
	}
	return t
}
