package boot

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// stubInst is one decoded stub instruction and its offset in Stub's output.
type stubInst struct {
	off  int
	inst x86asm.Inst
}

// mnemonic is the instruction's opcode with its REP prefix, if any.
func mnemonic(in x86asm.Inst) string {
	s := in.Op.String()
	for _, p := range in.Prefix {
		if p == 0 {
			break
		}
		if p&0xFF == x86asm.PrefixREP {
			s = "REP " + s
		}
	}
	return s
}

// decodeStub decodes b from StubEntryOffset up to and including the far jump.
func decodeStub(t *testing.T, b []byte) []stubInst {
	t.Helper()
	var out []stubInst
	for off := StubEntryOffset; off < len(b); {
		in, err := x86asm.Decode(b[off:], 32)
		if err != nil {
			t.Fatalf("x86asm.Decode(stub[%#x:], 32) = %v, want an instruction", off, err)
		}
		out = append(out, stubInst{off, in})
		off += in.Len
		if in.Op == x86asm.LJMP {
			if off != len(b) {
				t.Errorf("far jump ends at %#x, want the end of the stub %#x", off, len(b))
			}
			return out
		}
	}
	t.Fatalf("Stub: no LJMP found in %d bytes", len(b))
	return nil
}

// wantStub is the stub's listing (see the comments in Stub).
var wantStub = []string{
	"MOV", "MOV", // keep EAX, EBX
	"CLD", "MOV", "XOR", "MOV", "REP STOSD", // zero the tables
	"MOV", "MOV", // PML4[0], PDPT[0]
	"MOV", "MOV", "MOV", // loop setup
	"MOV", "ADD", "ADD", "DEC", "JNE", // loop
	"MOV", "OR", "MOV", // CR4.PAE
	"MOV", "MOV", // CR3
	"MOV", "RDMSR", "OR", "WRMSR", // EFER.LME
	"MOV", "OR", "MOV", // CR0.PG|PE
	"LGDT",
	"MOV", "MOV", "MOV", // EDI, EDX, ECX
	"LJMP",
}

var stubConfigs = []StubConfig{
	{Base: 0x400100, PageTables: 0x5a3000, Entry64: 0x4a1b20, AppEntry: 0x46e040, ImageEnd: 0x5c0000},
	{Base: 0x1000, PageTables: 0x2000, Entry64: 0x3000, AppEntry: 0x4000, ImageEnd: 0x5000},
	{Base: 0xfff00000, PageTables: 0xffff0000, Entry64: 0xfffffff0, AppEntry: 0x80000000, ImageEnd: 0xffffffff},
}

func TestStubListing(t *testing.T) {
	for _, c := range stubConfigs {
		insts := decodeStub(t, Stub(c))
		var got []string
		for _, in := range insts {
			got = append(got, mnemonic(in.inst))
		}
		if strings.Join(got, "; ") != strings.Join(wantStub, "; ") {
			t.Errorf("Stub(%+v) listing =\n%s\nwant\n%s", c, strings.Join(got, "; "), strings.Join(wantStub, "; "))
		}
	}
}

// immOf returns the immediate loaded into reg by the last "MOV reg, imm" in insts.
func immOf(insts []stubInst, reg x86asm.Reg) (uint32, bool) {
	var v uint32
	found := false
	for _, in := range insts {
		if in.inst.Op != x86asm.MOV {
			continue
		}
		if r, ok := in.inst.Args[0].(x86asm.Reg); ok && r == reg {
			if imm, ok := in.inst.Args[1].(x86asm.Imm); ok {
				v, found = uint32(imm), true
			}
		}
	}
	return v, found
}

func TestStubOperands(t *testing.T) {
	for _, c := range stubConfigs {
		b := Stub(c)
		insts := decodeStub(t, b)
		last := insts[len(insts)-1].inst
		if len(last.Args) < 2 || last.Args[0] == nil || last.Args[1] == nil {
			t.Fatalf("Stub(%+v): far jump args = %v, want selector and offset", c, last.Args)
		}
		if sel, off := last.Args[0], last.Args[1]; sel != x86asm.Imm(0x08) || off != x86asm.Imm(c.Entry64) {
			t.Errorf("Stub(%+v) far jump = %v:%v, want 0x8:%#x", c, sel, off, c.Entry64)
		}
		// The last three MOVs before the jump set EDI, EDX and ECX; EDX and
		// ECX are the last writes to those registers.
		if v, ok := immOf(insts, x86asm.EDX); !ok || v != c.AppEntry {
			t.Errorf("Stub(%+v) EDX = %#x (found %v), want AppEntry %#x", c, v, ok, c.AppEntry)
		}
		if v, ok := immOf(insts, x86asm.ECX); !ok || v != c.ImageEnd {
			t.Errorf("Stub(%+v) ECX = %#x (found %v), want ImageEnd %#x", c, v, ok, c.ImageEnd)
		}
		// EAX and EBX are kept in EBP and ESI, and EBP goes to EDI at the end.
		n := len(insts)
		for _, want := range []struct {
			i        int
			dst, src x86asm.Reg
		}{{0, x86asm.EBP, x86asm.EAX}, {1, x86asm.ESI, x86asm.EBX}, {n - 4, x86asm.EDI, x86asm.EBP}} {
			in := insts[want.i].inst
			if in.Op != x86asm.MOV || in.Args[0] != want.dst || in.Args[1] != want.src {
				t.Errorf("Stub(%+v) instruction %d = %v, want MOV %v, %v", c, want.i, in, want.dst, want.src)
			}
		}
		// LGDT reads the pseudo-descriptor at Base+24.
		for _, in := range insts {
			if in.inst.Op != x86asm.LGDT {
				continue
			}
			m, ok := in.inst.Args[0].(x86asm.Mem)
			if !ok || m.Base != 0 || m.Index != 0 || uint32(m.Disp) != c.Base+24 {
				t.Errorf("Stub(%+v) LGDT operand = %v, want [%#x]", c, in.inst.Args[0], c.Base+24)
			}
		}
		// The table pages are zeroed from PageTables; PML4[0] and PDPT[0] link the next pages.
		if v, ok := immOf(insts[:6], x86asm.EDI); !ok || v != c.PageTables {
			t.Errorf("Stub(%+v) rep stosd from %#x, want %#x", c, v, c.PageTables)
		}
		if v, ok := immOf(insts[:6], x86asm.ECX); !ok || v != 3*1024 {
			t.Errorf("Stub(%+v) rep stosd count = %d, want %d", c, v, 3*1024)
		}
		for i, want := range []struct{ addr, val uint32 }{
			{c.PageTables, c.PageTables + 0x1000 | 3},
			{c.PageTables + 0x1000, c.PageTables + 0x2000 | 3},
		} {
			in := insts[7+i].inst
			m, ok := in.Args[0].(x86asm.Mem)
			imm, isImm := in.Args[1].(x86asm.Imm)
			if in.Op != x86asm.MOV || !ok || !isImm || uint32(m.Disp) != want.addr || uint32(imm) != want.val {
				t.Errorf("Stub(%+v) instruction %d = %v, want MOV [%#x], %#x", c, 7+i, in, want.addr, want.val)
			}
		}
	}
}

func TestStubLoopTarget(t *testing.T) {
	for _, c := range stubConfigs {
		b := Stub(c)
		insts := decodeStub(t, b)
		starts := map[int]int{}
		for i, in := range insts {
			starts[in.off] = i
		}
		jumps := 0
		for _, in := range insts {
			if in.inst.Op != x86asm.JNE {
				continue
			}
			jumps++
			rel, ok := in.inst.Args[0].(x86asm.Rel)
			if !ok {
				t.Fatalf("Stub(%+v) JNE operand = %v, want a relative target", c, in.inst.Args[0])
			}
			target := in.off + in.inst.Len + int(rel)
			i, ok := starts[target]
			if !ok || target < StubEntryOffset || target >= in.off {
				t.Fatalf("Stub(%+v) JNE at %#x targets %#x, want an instruction boundary before it", c, in.off, target)
			}
			// The loop body starts with MOV [EDX], EAX.
			m, isMem := insts[i].inst.Args[0].(x86asm.Mem)
			if insts[i].inst.Op != x86asm.MOV || !isMem || m.Base != x86asm.EDX || insts[i].inst.Args[1] != x86asm.EAX {
				t.Errorf("Stub(%+v) loop starts with %v, want MOV [EDX], EAX", c, insts[i].inst)
			}
		}
		if jumps != 1 {
			t.Errorf("Stub(%+v) has %d JNE, want 1", c, jumps)
		}
	}
}

func TestStubGDT(t *testing.T) {
	for _, c := range stubConfigs {
		b := Stub(c)
		le := binary.LittleEndian
		for i, want := range []uint64{0, 0x00AF9A000000FFFF, 0x00CF92000000FFFF} {
			if got := le.Uint64(b[8*i:]); got != want {
				t.Errorf("Stub(%+v) GDT[%d] = %#x, want %#x", c, i, got, want)
			}
		}
		if got := le.Uint16(b[24:]); got != 23 {
			t.Errorf("Stub(%+v) GDTR limit = %d, want 23", c, got)
		}
		if got := le.Uint32(b[26:]); got != c.Base {
			t.Errorf("Stub(%+v) GDTR base = %#x, want %#x", c, got, c.Base)
		}
		if StubEntryOffset < 30 || StubEntryOffset%4 != 0 {
			t.Errorf("StubEntryOffset = %d, want a 4-aligned offset after the 30-byte GDT and GDTR", StubEntryOffset)
		}
	}
}

func TestMultibootHeader(t *testing.T) {
	layouts := []MultibootLayout{
		{HeaderAddr: 0x400100, LoadAddr: 0x400000, LoadEndAddr: 0x5a0000, BSSEndAddr: 0x5c0000, EntryAddr: 0x400160},
		{HeaderAddr: 1, LoadAddr: 2, LoadEndAddr: 3, BSSEndAddr: 4, EntryAddr: 5},
		{},
	}
	for _, l := range layouts {
		b := MultibootHeader(l)
		if len(b) != 32 {
			t.Fatalf("len(MultibootHeader(%+v)) = %d, want 32", l, len(b))
		}
		w := func(i int) uint32 { return binary.LittleEndian.Uint32(b[4*i:]) }
		if w(0) != 0x1BADB002 {
			t.Errorf("MultibootHeader(%+v) magic = %#x, want 0x1BADB002", l, w(0))
		}
		if sum := w(0) + w(1) + w(2); sum != 0 {
			t.Errorf("MultibootHeader(%+v) magic+flags+checksum = %#x, want 0", l, sum)
		}
		if w(1)&(1<<16) == 0 {
			t.Errorf("MultibootHeader(%+v) flags = %#x, want bit 16 (a.out kludge)", l, w(1))
		}
		if w(1)&(1<<1) == 0 {
			t.Errorf("MultibootHeader(%+v) flags = %#x, want bit 1 (memory map)", l, w(1))
		}
		for i, want := range []uint32{l.HeaderAddr, l.LoadAddr, l.LoadEndAddr, l.BSSEndAddr, l.EntryAddr} {
			if got := w(3 + i); got != want {
				t.Errorf("MultibootHeader(%+v) word %d = %#x, want %#x", l, 3+i, got, want)
			}
		}
	}
}

func TestPVHNote(t *testing.T) {
	for _, entry := range []uint32{0, 0x400120, 0xffffffff} {
		b := PVHNote(entry)
		le := binary.LittleEndian
		if len(b) != 24 {
			t.Fatalf("len(PVHNote(%#x)) = %d, want 24", entry, len(b))
		}
		if namesz, descsz, typ := le.Uint32(b[0:]), le.Uint32(b[4:]), le.Uint32(b[8:]); namesz != 4 || descsz != 8 || typ != 18 {
			t.Errorf("PVHNote(%#x) namesz, descsz, type = %d, %d, %d, want 4, 8, 18", entry, namesz, descsz, typ)
		}
		if !bytes.Equal(b[12:16], []byte("Xen\x00")) {
			t.Errorf("PVHNote(%#x) name = %q, want \"Xen\\x00\"", entry, b[12:16])
		}
		if got := le.Uint64(b[16:]); got != uint64(entry) {
			t.Errorf("PVHNote(%#x) desc = %#x, want %#x", entry, got, entry)
		}
	}
}
