package trap

import (
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// The assembly reads CPU and Frame fields through go_asm.h, which the
// compiler generates from the Go declarations. What it cannot generate is
// checked here: the order in which entry_amd64.s pushes registers (which
// is the Frame layout), the constants it pushes, the stub table, and the
// order of entryPoints.

// The Frame layout is shared with entry_amd64.s.
func TestFrameLayout(t *testing.T) {
	var f Frame
	tests := []struct {
		name string
		got  uintptr
		want uintptr
	}{
		{"FX", unsafe.Offsetof(f.FX), 0},
		{"FS", unsafe.Offsetof(f.FS), 8},
		{"R15", unsafe.Offsetof(f.R15), 16},
		{"R14", unsafe.Offsetof(f.R14), 24},
		{"R13", unsafe.Offsetof(f.R13), 32},
		{"R12", unsafe.Offsetof(f.R12), 40},
		{"R11", unsafe.Offsetof(f.R11), 48},
		{"R10", unsafe.Offsetof(f.R10), 56},
		{"R9", unsafe.Offsetof(f.R9), 64},
		{"R8", unsafe.Offsetof(f.R8), 72},
		{"BP", unsafe.Offsetof(f.BP), 80},
		{"DI", unsafe.Offsetof(f.DI), 88},
		{"SI", unsafe.Offsetof(f.SI), 96},
		{"DX", unsafe.Offsetof(f.DX), 104},
		{"CX", unsafe.Offsetof(f.CX), 112},
		{"BX", unsafe.Offsetof(f.BX), 120},
		{"AX", unsafe.Offsetof(f.AX), 128},
		{"Vector", unsafe.Offsetof(f.Vector), 136},
		{"Err", unsafe.Offsetof(f.Err), 144},
		{"RIP", unsafe.Offsetof(f.RIP), 152},
		{"CS", unsafe.Offsetof(f.CS), 160},
		{"RFLAGS", unsafe.Offsetof(f.RFLAGS), 168},
		{"RSP", unsafe.Offsetof(f.RSP), 176},
		{"SS", unsafe.Offsetof(f.SS), 184},
		{"size", unsafe.Sizeof(f), 192},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("offset of Frame.%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

// asmBody returns the instructions of TEXT sym in entry_amd64.s, one per
// element, comments and labels dropped.
func asmBody(t *testing.T, sym string) []string {
	t.Helper()
	src, err := os.ReadFile("entry_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	var body []string
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "TEXT ") {
			in = strings.HasPrefix(line, "TEXT "+sym+"(SB)")
			continue
		}
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		line = strings.Join(strings.Fields(line), " ")
		if in && line != "" && !strings.HasSuffix(line, ":") {
			body = append(body, line)
		}
	}
	if len(body) == 0 {
		t.Fatalf("no TEXT %s in entry_amd64.s", sym)
	}
	return body
}

func fieldOffset(t *testing.T, name string) uintptr {
	t.Helper()
	f, ok := reflect.TypeOf(Frame{}).FieldByName(name)
	if !ok {
		t.Fatalf("Frame has no field %s", name)
	}
	return f.Offset
}

// trapcommon pushes the registers below the CPU's (or syscallEntry's)
// vector and error code, then reserves Frame.FX and Frame.FS: each push
// must land on the Frame field of the same name.
func TestEntryPushOrder(t *testing.T) {
	body := asmBody(t, "trapcommon<>")
	sp := fieldOffset(t, "Vector") // where SP points on entry: at the vector
	n := 0
	for _, ins := range body {
		if strings.HasPrefix(ins, "SUBQ ") {
			if ins != "SUBQ $16, SP" {
				t.Errorf("trapcommon reserves %q, want the 16 bytes of FX and FS", ins)
			}
			if sp != 16 || fieldOffset(t, "FX") != 0 || fieldOffset(t, "FS") != 8 {
				t.Errorf("after the pushes SP is at Frame offset %d, want FX at 0 and FS at 8 below R15 at 16", sp)
			}
			break
		}
		reg, ok := strings.CutPrefix(ins, "PUSHQ ")
		if !ok {
			t.Fatalf("unexpected %q among trapcommon's pushes", ins)
		}
		sp -= 8
		if got := fieldOffset(t, reg); got != sp {
			t.Errorf("push %d (%s) lands at Frame offset %d, but Frame.%s is at %d", n, reg, sp, reg, got)
		}
		n++
	}
	if n != 15 {
		t.Errorf("trapcommon pushes %d registers, want the 15 general registers but SP", n)
	}
	// trapexit pops them back in the opposite order.
	var pops []string
	for _, ins := range asmBody(t, "trapexit<>") {
		if reg, ok := strings.CutPrefix(ins, "POPQ "); ok {
			pops = append(pops, reg)
		}
	}
	want := []string{"R15", "R14", "R13", "R12", "R11", "R10", "R9", "R8", "BP", "DI", "SI", "DX", "CX", "BX", "AX"}
	if !reflect.DeepEqual(pops, want) {
		t.Errorf("trapexit pops %v, want %v", pops, want)
	}
}

// syscallEntry builds by hand what the CPU pushes for an interrupt, then
// the error code and vector: the constants must be the Go ones.
func TestSyscallEntryFrame(t *testing.T) {
	imm := func(v uintptr) string { return "$" + strconv.FormatUint(uint64(v), 10) }
	var pushes []string
	for _, ins := range asmBody(t, "·syscallEntry") {
		if v, ok := strings.CutPrefix(ins, "PUSHQ "); ok {
			if n, err := strconv.ParseUint(strings.TrimPrefix(v, "$"), 0, 64); err == nil {
				v = imm(uintptr(n)) // $0x08 and $8 alike
			}
			pushes = append(pushes, v)
		}
	}
	want := []string{imm(SelData), "CPU_ScratchRSP(GS)", "R11", imm(SelCode), "CX", imm(0), imm(VectorSyscall)}
	if !reflect.DeepEqual(pushes, want) {
		t.Errorf("syscallEntry pushes %q, want %q (SS, RSP, RFLAGS, CS, RIP, Err, Vector)", pushes, want)
	}
}

// hasErrorCode reports whether the CPU pushes an error code for vector v
// (SDM vol. 3, table 7-1): #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX.
func hasErrorCode(v int) bool {
	switch v {
	case 8, 10, 11, 12, 13, 14, 17, 21, 29, 30:
		return true
	}
	return false
}

// Every vector below NumVectors has exactly one stub line, named after its
// number, pushing a dummy error code exactly where the CPU pushes none;
// the table the stubs fill has NumVectors entries.
func TestVectorStubs(t *testing.T) {
	src, err := os.ReadFile("entry_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^(STUB|STUB_ERR)\(·vec(\d+), (\d+)\)$`)
	seen := map[int]bool{}
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		name, _ := strconv.Atoi(m[2])
		v, _ := strconv.Atoi(m[3])
		if name != v {
			t.Errorf("stub vec%d pushes vector %d", name, v)
		}
		if seen[v] {
			t.Errorf("vector %d has two stubs", v)
		}
		seen[v] = true
		if got := m[1] == "STUB_ERR"; got != hasErrorCode(v) {
			t.Errorf("vector %d: %s, but the CPU pushes an error code: %v", v, m[1], hasErrorCode(v))
		}
	}
	for v := 0; v < NumVectors; v++ {
		if !seen[v] {
			t.Errorf("vector %d has no stub", v)
		}
	}
	if len(seen) != NumVectors {
		t.Errorf("%d stubs, want NumVectors = %d", len(seen), NumVectors)
	}
	if g := regexp.MustCompile(`GLOBL ·vectorTable\(SB\), RODATA, \$\((\d+)\*8\)`).FindStringSubmatch(string(src)); g == nil || g[1] != strconv.Itoa(NumVectors) {
		t.Errorf("vectorTable's GLOBL = %q, want $(%d*8)", g, NumVectors)
	}
}

func TestEntryPoints(t *testing.T) {
	src, err := os.ReadFile("entry_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{entrySyscall * 8: "syscallEntry", entryIdle * 8: "idleLoop", entrySpurious * 8: "vecSpurious"}
	re := regexp.MustCompile(`(?m)^DATA ·entryPoints\+(\d+)\(SB\)/8, \$·(\w+)\(SB\)$`)
	ms := re.FindAllStringSubmatch(string(src), -1)
	if len(ms) != len(want) || len(ms) != len(entryPoints) {
		t.Errorf("%d entryPoints DATA lines, want %d", len(ms), len(want))
	}
	for _, m := range ms {
		off, _ := strconv.Atoi(m[1])
		if want[off] != m[2] {
			t.Errorf("entryPoints+%d = %s, want %s", off, m[2], want[off])
		}
	}
}

// init lays out a CPU for its stack block and points everything the entry
// path and the descriptors need at the CPU's own fields. It only writes
// memory, so it runs here on a CPU that is never loaded.
func TestCPUInit(t *testing.T) {
	c := new(CPU)
	const lo = 0x7000_0000
	c.init(3, lo)
	self := uintptr(unsafe.Pointer(c))
	top := uintptr(lo + stackBlockSize)
	if c.self != self || c.ID != 3 || c.Depth != 1 {
		t.Errorf("self %#x ID %d Depth %d, want %#x 3 1", c.self, c.ID, c.Depth, self)
	}
	if c.KStackTop != top || c.kernelG[0] != lo || c.kernelG[1] != top {
		t.Errorf("KStackTop %#x, g.stack [%#x, %#x), want %#x, [%#x, %#x)", c.KStackTop, c.kernelG[0], c.kernelG[1], top, lo, top)
	}
	if c.kernelTLS[0] != uintptr(unsafe.Pointer(&c.kernelG)) || c.KernelFS != uintptr(unsafe.Pointer(&c.kernelTLS[1])) {
		t.Errorf("KernelFS %#x does not lead to this CPU's kernel g", c.KernelFS)
	}
	fx := uintptr(unsafe.Pointer(&c.nestedFX))
	if c.NestedFX%16 != 0 || c.NestedFX < fx || c.NestedFX+fxAreaSize > fx+uintptr(len(c.nestedFX)) {
		t.Errorf("NestedFX %#x: not a 16-aligned %d-byte area inside nestedFX at %#x", c.NestedFX, fxAreaSize, fx)
	}
	g := guardsAt(lo)
	ist := func(n int) uintptr {
		b := c.tss[36+8*(n-1):]
		return uintptr(b[0]) | uintptr(b[1])<<8 | uintptr(b[2])<<16 | uintptr(b[3])<<24
	}
	if ist(istKernel) != top || ist(istFault) != g[1] || ist(istDoubleFault) != g[2] || c.idleSP != g[3]-8 {
		t.Errorf("IST %#x %#x %#x idle %#x, want %#x %#x %#x %#x", ist(istKernel), ist(istFault), ist(istDoubleFault), c.idleSP, top, g[1], g[2], g[3]-8)
	}
	d := c.gdt[3]
	base := uintptr(d>>16&0xFFFFFF) | uintptr(d>>56)<<24 | uintptr(c.gdt[4])<<32
	if base != uintptr(unsafe.Pointer(&c.tss)) || c.gdt[1] != descCode64 || c.gdt[2] != descData {
		t.Errorf("GDT %#x: TSS descriptor base %#x, want this CPU's TSS at %#x", c.gdt, base, uintptr(unsafe.Pointer(&c.tss)))
	}
}

// CPU is written in trap context, where write barriers must not run: it
// must hold no Go pointers.
func TestCPUHoldsNoPointers(t *testing.T) {
	var check func(path string, typ reflect.Type)
	check = func(path string, typ reflect.Type) {
		switch typ.Kind() {
		case reflect.Uintptr, reflect.Uint8, reflect.Uint64, reflect.Int64:
		case reflect.Array:
			check(path+"[]", typ.Elem())
		case reflect.Struct:
			for i := 0; i < typ.NumField(); i++ {
				check(path+"."+typ.Field(i).Name, typ.Field(i).Type)
			}
		default:
			t.Errorf("%s is a %s", path, typ)
		}
	}
	check("CPU", reflect.TypeOf(CPU{}))
}
