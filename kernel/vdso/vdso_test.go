package vdso

import (
	"encoding/binary"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

func TestCodeDecodes(t *testing.T) {
	code := Code(make([]byte, CodeLen), 0x7fff0200)
	want := []string{"RDTSC", "SHL", "OR", "MOV", "SUB", "MUL", "SHRD", "TEST", "JE", "CMP", "JE", "CMP", "JNE",
		"ADD", "XOR", "MOV", "DIV", "MOV", "MOV", "XOR", "RET"}
	var got []string
	starts := map[int]bool{}
	var jumps []int
	for pc := 0; pc < len(code); {
		in, err := x86asm.Decode(code[pc:], 64)
		if err != nil {
			t.Fatalf("decode at %d: %v", pc, err)
		}
		starts[pc] = true
		got = append(got, in.Op.String())
		if rel, ok := in.Args[0].(x86asm.Rel); ok {
			jumps = append(jumps, pc+in.Len+int(rel))
		}
		if in.Op == x86asm.MOV && pc == 9 {
			if imm, ok := in.Args[1].(x86asm.Imm); !ok || uint64(imm) != 0x7fff0200 {
				t.Errorf("params address = %v, want 0x7fff0200", in.Args[1])
			}
		}
		pc += in.Len
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Code = %v\nwant %v", got, want)
	}
	for _, j := range jumps {
		if !starts[j] {
			t.Errorf("a jump lands at %d, not on an instruction", j)
		}
	}
}

// TestLookup follows the Go runtime's lookup (runtime/vdso_linux.go):
// program headers, dynamic section, hash bucket, symbol name.
func TestLookup(t *testing.T) {
	b := make([]byte, Size)
	const base = 0x7fffffff0000
	Build(b, base)
	le := binary.LittleEndian
	if string(b[:4]) != "\x7fELF" {
		t.Fatal("no ELF magic")
	}
	phoff, phnum := le.Uint64(b[32:]), le.Uint16(b[56:])
	var dyn uint64
	var loadOK bool
	for i := uint64(0); i < uint64(phnum); i++ {
		p := b[phoff+56*i:]
		switch le.Uint32(p) {
		case ptLoad:
			loadOK = le.Uint64(p[8:]) == le.Uint64(p[16:])
		case ptDynamic:
			dyn = le.Uint64(p[8:])
		}
	}
	if !loadOK || dyn == 0 {
		t.Fatalf("program headers: load %v, dynamic at %d", loadOK, dyn)
	}
	tab := map[uint64]uint64{}
	for i := dyn; le.Uint64(b[i:]) != dtNull; i += 16 {
		tab[le.Uint64(b[i:])] = le.Uint64(b[i+8:])
	}
	hash, sym, str := tab[dtHash], tab[dtSymtab], tab[dtStrtab]
	nbucket := le.Uint32(b[hash:])
	first := le.Uint32(b[hash+8:]) // bucket[any % 1]
	if nbucket != 1 || first != 1 {
		t.Fatalf("hash: %d buckets, first symbol %d", nbucket, first)
	}
	s := b[sym+uint64(first)*symEntry:]
	name := b[str+uint64(le.Uint32(s)):]
	name = name[:strings.IndexByte(string(name), 0)]
	if string(name) != Symbol || s[4] != stFuncGlobal || le.Uint16(s[6:]) == 0 {
		t.Errorf("symbol %q info %#x shndx %d", name, s[4], le.Uint16(s[6:]))
	}
	if v := le.Uint64(s[8:]); v != CodeOff {
		t.Errorf("symbol value %d, want %d", v, CodeOff)
	}
	if chainEnd := le.Uint32(b[hash+8+4+4:]); chainEnd != 0 {
		t.Errorf("chain of symbol 1 = %d, want 0 (end)", chainEnd)
	}
	SetParams(b, 1, 2, 3)
	if le.Uint64(b[ParamsOff:]) != 1 || le.Uint64(b[ParamsOff+8:]) != 2 || le.Uint64(b[ParamsOff+16:]) != 3 {
		t.Errorf("SetParams did not store the parameters")
	}
}
