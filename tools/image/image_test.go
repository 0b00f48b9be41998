package image

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"

	"unigo/boot"
)

// minimalELF returns the start of an ELF file of size bytes with extra
// copied in at off.
func minimalELF(size, off int, extra []byte) []byte {
	b := make([]byte, size)
	copy(b, "\x7fELF\x02\x01\x01")
	copy(b[off:], extra)
	return b
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		b       []byte
		wantErr string // "" for nil
	}{
		{"empty", nil, "not a unigo image"},
		{"short", []byte("\x7fEL"), "not a unigo image"},
		{"text", []byte("#!/bin/sh\necho hello\n"), "not a unigo image"},
		{"elf without marker", minimalELF(8192, 0, nil), "without the unigo boot stub"},
		{"elf with marker", minimalELF(8192, 0x100, Marker), ""},
		{"marker at the end of the first page", minimalELF(8192, 4096-len(Marker), Marker), ""},
		{"marker after the first page", minimalELF(8192, 4096, Marker), "without the unigo boot stub"},
		{"short file with marker", minimalELF(0x100+len(Marker), 0x100, Marker), ""},
		{"marker but not elf", append([]byte("MZ\x00\x00"), Marker...), "not an ELF file"},
	}
	for _, tt := range tests {
		err := Check(tt.b)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: Check = %v, want nil", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "not a unigo image")):
			t.Errorf("%s: Check = %v, want an error containing %q and \"not a unigo image\"", tt.name, err, tt.wantErr)
		}
	}
}

func TestWithoutMultiboot(t *testing.T) {
	magic := binary.LittleEndian.AppendUint32(nil, boot.MultibootHeaderMagic)
	tests := []struct {
		name    string
		at      []int // where magics are
		cleared int   // which offset is cleared; -1: none
	}{
		{"one", []int{0x100}, 0x100},
		{"first of two", []int{0x100, 0x200}, 0x100},
		{"unaligned", []int{0x103}, 0x103},
		{"at the limit", []int{8192 - 4}, 8192 - 4},
		{"straddling the limit", []int{8192 - 2}, -1},
		{"after the limit", []int{8192, 9000}, -1},
		{"none", nil, -1},
	}
	for _, tt := range tests {
		img := make([]byte, 12000)
		for i := range img {
			img[i] = byte(i%251) | 0x80 // no accidental magic
		}
		for _, at := range tt.at {
			copy(img[at:], magic)
		}
		orig := append([]byte(nil), img...)
		out := WithoutMultiboot(img)
		if !bytes.Equal(img, orig) {
			t.Errorf("%s: WithoutMultiboot modified its input", tt.name)
		}
		want := append([]byte(nil), orig...)
		if tt.cleared >= 0 {
			copy(want[tt.cleared:], []byte{0, 0, 0, 0})
		}
		if !bytes.Equal(out, want) {
			i := 0
			for i < len(out) && i < len(want) && out[i] == want[i] {
				i++
			}
			t.Errorf("%s: WithoutMultiboot differs from the expected output at byte %d (len %d, want %d)", tt.name, i, len(out), len(want))
		}
	}
	if got := WithoutMultiboot(magic[:2]); !bytes.Equal(got, magic[:2]) {
		t.Errorf("WithoutMultiboot(2 bytes) = % x, want them unchanged", got)
	}
}

// note is one ELF note.
type note struct {
	name string
	typ  uint32
	desc []byte
}

// notes parses the notes of every PT_NOTE segment of f.
func notes(t *testing.T, f *elf.File) []note {
	t.Helper()
	var out []note
	le := binary.LittleEndian
	align := func(n uint32) uint32 { return (n + 3) &^ 3 }
	for _, p := range f.Progs {
		if p.Type != elf.PT_NOTE {
			continue
		}
		b := make([]byte, p.Filesz)
		if _, err := p.ReadAt(b, 0); err != nil {
			t.Fatalf("reading PT_NOTE at %#x: %v", p.Off, err)
		}
		for len(b) >= 12 {
			namesz, descsz, typ := le.Uint32(b), le.Uint32(b[4:]), le.Uint32(b[8:])
			if uint64(12)+uint64(align(namesz))+uint64(align(descsz)) > uint64(len(b)) {
				t.Fatalf("PT_NOTE at %#x: note (namesz %d, descsz %d) overruns the segment", p.Off, namesz, descsz)
			}
			name := string(bytes.TrimRight(b[12:12+namesz], "\x00"))
			desc := b[12+align(namesz) : 12+align(namesz)+descsz]
			out = append(out, note{name, typ, desc})
			b = b[12+align(namesz)+align(descsz):]
		}
	}
	return out
}

// xenEntry returns the PVH entry of f's Xen note.
func xenEntry(t *testing.T, f *elf.File) (uint64, bool) {
	t.Helper()
	for _, n := range notes(t, f) {
		if n.name == "Xen" && n.typ == 18 {
			if len(n.desc) == 8 {
				return binary.LittleEndian.Uint64(n.desc), true
			}
			if len(n.desc) == 4 {
				return uint64(binary.LittleEndian.Uint32(n.desc)), true
			}
			t.Fatalf("Xen PHYS32_ENTRY note with %d-byte desc", len(n.desc))
		}
	}
	return 0, false
}

func TestFloor(t *testing.T) {
	img := Floor()
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("elf.NewFile(Floor()) = %v", err)
	}
	entry, ok := xenEntry(t, f)
	if !ok || entry != f.Entry {
		t.Errorf("Floor(): Xen note entry = %#x (found %v), want the ELF entry %#x", entry, ok, f.Entry)
	}
	if got := MinMemoryMB(bytes.NewReader(img)); got != 3 {
		t.Errorf("MinMemoryMB(Floor()) = %d, want 3 (1 MiB + 256 bytes, plus 1 MiB, rounded up)", got)
	}
	if got := MinMemoryMB(bytes.NewReader([]byte("not elf"))); got != 0 {
		t.Errorf("MinMemoryMB(non-ELF) = %d, want 0", got)
	}
}

// goBuild builds ./app/hello for linux/amd64 into dir, adding zz.go (if not "") with -overlay.
func goBuild(t *testing.T, dir, out, zz string) []byte {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	gomod, err := exec.Command(gobin, "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	args := []string{"build", "-o", out}
	if zz != "" {
		src := filepath.Join(dir, "zz.go")
		if err := os.WriteFile(src, []byte(zz), 0o644); err != nil {
			t.Fatal(err)
		}
		overlay := filepath.Join(dir, "overlay.json")
		js := `{"Replace":{"` + filepath.Join(root, "app", "hello", "zz.go") + `":"` + src + `"}}`
		if err := os.WriteFile(overlay, []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-overlay", overlay)
	}
	cmd := exec.Command(gobin, append(args, "./app/hello")...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConvert(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program with the kernel linked in")
	}
	dir := t.TempDir()
	exe := goBuild(t, dir, filepath.Join(dir, "hello"), "package main\n\nimport _ \"unigo/kernel\"\n")

	img, info, err := Convert(exe)
	if err != nil {
		t.Fatalf("Convert = %v, want nil", err)
	}
	if err := Check(img); err != nil {
		t.Errorf("Check(Convert(exe)) = %v, want nil", err)
	}
	if err := Check(exe); err == nil {
		t.Errorf("Check(exe before Convert) = nil, want an error")
	}

	orig, err := elf.NewFile(bytes.NewReader(exe))
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("elf.NewFile(image) = %v, want the image to parse", err)
	}
	if f.Entry != orig.Entry || info.Entry != orig.Entry {
		t.Errorf("image entry = %#x, info.Entry = %#x, want the program's %#x", f.Entry, info.Entry, orig.Entry)
	}

	// PVH: a Xen PHYS32_ENTRY note at the stub's entry.
	entry, ok := xenEntry(t, f)
	if !ok || entry != info.StubEntry {
		t.Errorf("Xen note entry = %#x (found %v), want info.StubEntry %#x", entry, ok, info.StubEntry)
	}

	// Multiboot: the header ships latent (PVH boots the file in place);
	// WithMultiboot activates it, in the first 8 KiB, 4-aligned.
	if MultibootActive(img) {
		t.Errorf("Convert's image has an active Multiboot header, want it latent")
	}
	if bytes.Contains(img[:8192], binary.LittleEndian.AppendUint32(nil, boot.MultibootHeaderMagic)) {
		t.Errorf("Convert's image has the Multiboot magic in its first 8 KiB: QEMU would boot it through Multiboot")
	}
	img = WithMultiboot(img)
	if !MultibootActive(img) || MultibootActive(WithoutMultiboot(img)) {
		t.Errorf("MultibootActive after WithMultiboot = %v, after WithoutMultiboot = %v; want true, false",
			MultibootActive(img), MultibootActive(WithoutMultiboot(img)))
	}
	le := binary.LittleEndian
	mb := -1
	for off := 0; off+32 <= min(len(img), 8192); off += 4 {
		if le.Uint32(img[off:]) == boot.MultibootHeaderMagic {
			mb = off
			break
		}
	}
	if mb < 0 || mb != info.MultibootOff {
		t.Fatalf("Multiboot header at %d, want info.MultibootOff %d", mb, info.MultibootOff)
	}
	w := func(i int) uint32 { return le.Uint32(img[mb+4*i:]) }
	if w(0)+w(1)+w(2) != 0 {
		t.Errorf("Multiboot magic+flags+checksum = %#x, want 0", w(0)+w(1)+w(2))
	}
	if w(3) != 0x400000+uint32(mb) || w(4) != 0x400000 || w(7) != uint32(info.StubEntry) {
		t.Errorf("Multiboot header_addr, load_addr, entry_addr = %#x, %#x, %#x, want %#x, 0x400000, %#x",
			w(3), w(4), w(7), 0x400000+mb, info.StubEntry)
	}
	if uint64(w(5)) != info.LoadEnd || uint64(w(6)) != info.BSSEnd || w(5) > w(6) {
		t.Errorf("Multiboot load_end_addr, bss_end_addr = %#x, %#x, want %#x, %#x", w(5), w(6), info.LoadEnd, info.BSSEnd)
	}

	// The section headers moved but still parse; the symbols are intact.
	pcln := f.Section(".gopclntab")
	if pcln == nil {
		t.Fatalf("image has no .gopclntab section")
	}
	got, err1 := pcln.Data()
	want, err2 := orig.Section(".gopclntab").Data()
	if err1 != nil || err2 != nil || !bytes.Equal(got, want) {
		t.Errorf(".gopclntab of the image differs from the program's (errors %v, %v)", err1, err2)
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatalf("image symbols: %v", err)
	}
	addr := map[string]uint64{}
	for _, s := range syms {
		addr[s.Name] = s.Value
	}
	if _, ok := addr["main.main"]; !ok {
		t.Errorf("image symbol table has no main.main")
	}

	// The stub far-jumps to the kernel's assembly entry, not to a Go ABI
	// wrapper (which would push onto a stack nobody has set up yet).
	asmEntry, ok := addr[SymEntry64+".abi0"]
	if !ok {
		asmEntry = addr[SymEntry64]
	}
	stub := img[info.StubOff:]
	var target uint64
	for off := boot.StubEntryOffset; off < len(stub); {
		in, err := x86asm.Decode(stub[off:], 32)
		if err != nil {
			t.Fatalf("decoding the image's stub at %#x: %v", off, err)
		}
		if in.Op == x86asm.LJMP {
			target = uint64(in.Args[1].(x86asm.Imm))
			break
		}
		off += in.Len
	}
	if target != asmEntry {
		t.Errorf("stub far-jumps to %#x, want the assembly entry %s at %#x", target, SymEntry64, asmEntry)
	}
	if uint64(f.Entry) == target {
		t.Errorf("stub far-jumps to the program's entry %#x", target)
	}

	// A program without the kernel is refused.
	plain := goBuild(t, dir, filepath.Join(dir, "plain"), "")
	if _, _, err := Convert(plain); err == nil || !strings.Contains(err.Error(), "not linked in") {
		t.Errorf("Convert(program without the kernel) = %v, want an error mentioning \"not linked in\"", err)
	}
	if _, _, err := Convert([]byte("not an ELF")); err == nil {
		t.Errorf("Convert(non-ELF) = nil error, want one")
	}
}
