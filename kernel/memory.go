package kernel

import (
	"unigo/boot"
	"unigo/drivers/ioapic"
	"unigo/drivers/lapic"
	"unigo/kernel/clock"
	"unigo/kernel/cmdline"
	"unigo/kernel/cpu"
	"unigo/kernel/mm"
	"unigo/kernel/platform/layout"
	"unigo/kernel/sched"
	"unigo/kernel/sys"
	"unigo/kernel/trap"
	"unigo/kernel/vdso"

	"unigo/kernel/abi/linux"
)

// Address-space layout (the xv6 memlayout.h of unigo).
const (
	lowMemEnd  = 1 << 20        // below 1 MiB: firmware and loader data, left alone
	imageBase  = 0x400000       // the Go linker's default text address; virt == phys
	gib        = 1 << 30        //
	mmioTop    = 4 * gib        // the local APIC and IOAPIC live just below 4 GiB
	mmapLo     = 1 << 40        // mmap(NULL) places mappings in [mmapLo, mmapHi)
	mmapHi     = 0x7f0000000000 // like Linux's mmap base
	maxRAMSize = 512 * gib      // the identity map must stay below the runtime's arena hints (0xc000000000)
)

func bootSpace() *mm.Space { return &mm.Program }

// initMemory hands usable RAM above the image to the frame allocator,
// builds the kernel's page tables (an identity map of RAM with page 0
// left unmapped, plus the local APIC), and switches to them.
func initMemory(imageEnd uintptr) {
	f := &mm.RAM
	f.Mem = mm.Direct{}
	var ramEnd uintptr
	for _, r := range bootInfo.Regions[:bootInfo.NRegions] {
		if r.Type != boot.MemUsable || r.Base >= maxRAMSize {
			continue
		}
		base, end := uintptr(r.Base), uintptr(r.Base+r.Size)
		if end > maxRAMSize {
			end = maxRAMSize
		}
		if end > ramEnd {
			ramEnd = end
		}
		if base < lowMemEnd {
			base = lowMemEnd
		}
		// Skip the image (and everything the loader put right after it,
		// already copied into bootInfo).
		if base < imageEnd && end > imageBase {
			if base < imageBase {
				f.AddRange(base, imageBase)
			}
			base = imageEnd
		}
		f.AddRange(base, end)
	}
	if f.Total == 0 {
		fatalf("no usable memory above the image")
	}
	mm.SetInvalidate(cpu.Invlpg)

	if cpu.HasNX() {
		cpu.Wrmsr(cpu.MSR_EFER, cpu.Rdmsr(cpu.MSR_EFER)|cpu.EFER_NXE)
		mm.NoExec = mm.PTENoExec
	}
	s := &mm.Program
	pt, ok := mm.NewPageTable(f)
	if !ok {
		fatalf("out of memory building page tables")
	}
	s.PT = pt
	// RAM is identity-mapped read-write and never executable, in 2 MiB
	// pages, except where finer control is needed: the first 2 MiB (page 0
	// stays unmapped, so nil dereferences fault) and the image, whose pages
	// get their ELF segment's permissions (W^X: text read+execute, rodata
	// read-only, data no-execute) and whose kernel-stack guards stay unmapped.
	imgLo := uintptr(imageBase) &^ (mm.LargePageSize - 1)
	imgHi := (imageEnd + mm.LargePageSize - 1) &^ (mm.LargePageSize - 1)
	top := (ramEnd + mm.LargePageSize - 1) &^ (mm.LargePageSize - 1)
	data := mm.PTEWritable | mm.PTEGlobal | mm.NoExec
	for pa := uintptr(0); pa < top; pa += mm.LargePageSize {
		if pa != 0 && (pa < imgLo || pa >= imgHi) {
			mapOrDie(s.PT.MapLarge(pa, pa, data))
			continue
		}
		for p := pa; p < pa+mm.LargePageSize; p += mm.PageSize {
			if p != 0 {
				mapOrDie(s.PT.Map(p, p, imagePerm(p, imageEnd, data)))
			}
		}
	}
	for _, g := range trap.Guards() {
		_, at := s.PT.Entry(g)
		s.PT.SetEntry(at, 0)
	}
	mmio := mm.PTEWritable | mm.PTENoCache | mm.PTEWriteThr | mm.NoExec
	mapOrDie(s.PT.Map(lapic.DefaultBase, lapic.DefaultBase, mmio))
	mapOrDie(s.PT.Map(ioapic.DefaultBase, ioapic.DefaultBase, mmio))
	// QEMU microvm's virtio-mmio transports, for the drivers (kernel/platform).
	for pa := uintptr(layout.MicrovmMMIOBase); pa < layout.MicrovmMMIOEnd; pa += mm.PageSize {
		mapOrDie(s.PT.Map(pa, pa, mmio))
	}
	cpu.WriteCR3(s.PT.Root)
	cpu.WriteCR0(cpu.ReadCR0() | cpu.CR0_WP) // the kernel too must not write read-only pages

	sys.RAMEnd = top
	s.KernelEnd = (top + gib - 1) &^ (gib - 1)
	if s.KernelEnd < mmioTop {
		s.KernelEnd = mmioTop
	}
	s.MmapLo, s.MmapHi = mmapLo, mmapHi
	// Keep 1/16 of memory (at least 1 MiB) free of heap commits, for page
	// tables, stacks and runtime metadata: see mm.Space.charge.
	s.Reserve = max(f.Available()/16, minReserve)
	milestone("memory")
}

// ELF program header fields (System V gABI, ELF64).
const (
	elfPhoff   = 32
	elfPhnum   = 56
	phdrSize   = 56
	ptLoad     = 1
	pfX        = 1
	pfW        = 2
	maxSegment = 16
)

// imagePerm gives the page at pa the permissions of the ELF segment that
// holds it, read from the image's own program headers (loaded at imageBase).
func imagePerm(pa, imageEnd uintptr, other uint64) uint64 {
	if pa < imageBase || pa >= imageEnd {
		return other
	}
	phoff := uintptr(peek(imageBase + elfPhoff))
	phnum := int(peek(imageBase+elfPhnum) & 0xFFFF)
	for i := 0; i < phnum && i < maxSegment; i++ {
		ph := imageBase + phoff + uintptr(i)*phdrSize
		if peek(ph)&0xFFFFFFFF != ptLoad {
			continue
		}
		flags := peek(ph) >> 32
		va, memsz := peek(ph+16), peek(ph+40)
		if pa < va&^(mm.PageSize-1) || pa >= va+memsz {
			continue
		}
		switch {
		case flags&pfX != 0:
			return mm.PTEGlobal // read + execute
		case flags&pfW != 0:
			return mm.PTEWritable | mm.PTEGlobal | mm.NoExec
		}
		return mm.PTEGlobal | mm.NoExec // read-only
	}
	return other
}

// minReserve is the smallest Space.Reserve, in frames (1 MiB).
const minReserve = 256

func mapOrDie(ok bool) {
	if !ok {
		fatalf("out of memory building page tables")
	}
}

// mapVDSO maps the vDSO page (kernel/vdso) read+execute into the program's
// space, writes it through the frame's identity mapping (never writable
// and executable at once), and returns its address.
func mapVDSO() uintptr {
	va, e := mm.Program.Mmap(0, vdso.Size, linux.PROT_READ|linux.PROT_EXEC, false, true)
	pa, ok := mm.RAM.Alloc()
	if e != 0 || !ok {
		fatalf("cannot map the vDSO")
	}
	page := frameBytes(pa)
	vdso.Build(page, uint64(va))
	tsc0, mult, bootNs := clock.System.Params()
	vdso.SetParams(page, tsc0, mult, bootNs)
	mapOrDie(mm.Program.PT.Map(va, pa, 0))
	return va
}

// firstThread maps the main thread's stack and lays out what execve
// leaves there (System V AMD64 ABI, 3.4.1): argc, argv, NULL, envp, NULL,
// auxv, then the strings. It returns the thread's initial frame.
func firstThread(entry uintptr) *trap.Frame {
	const stackSize = sys.StackSize
	base, e := mm.Program.Mmap(0, stackSize, linux.PROT_READ|linux.PROT_WRITE, false, false)
	if e != 0 {
		fatalf("cannot map the main thread's stack")
	}
	top := base + stackSize

	// Strings first, at the top: decoded from the command line.
	var argv, envp [maxArgs]uintptr
	nargs, nenv := 0, 0
	sp := top - 16
	forEachArg(func(kind byte, enc []byte) {
		n := cmdline.DecodedLen(enc)
		sp -= uintptr(n) + 1
		dst := userBytes(sp, uintptr(n)+1)
		cmdline.Decode(dst, enc)
		dst[n] = 0
		if kind == 'a' && nargs < maxArgs {
			argv[nargs] = sp
			nargs++
		} else if kind == 'e' && nenv < maxArgs {
			envp[nenv] = sp
			nenv++
		}
	})
	sp -= 16
	random := sp
	sys.Random(userBytes(random, 16))
	sp &^= 15

	vdsoBase := mapVDSO()
	words := 1 + nargs + 1 + nenv + 1 + 2*7
	if words%2 == 1 {
		sp -= 8 // keep RSP 16-byte aligned at entry
	}
	sp -= uintptr(words) * 8
	w := userBytes(sp, uintptr(words)*8)
	i := 0
	put := func(v uintptr) {
		for k := 0; k < 8; k++ {
			w[i*8+k] = byte(v >> (8 * k))
		}
		i++
	}
	put(uintptr(nargs))
	for _, a := range argv[:nargs] {
		put(a)
	}
	put(0)
	for _, a := range envp[:nenv] {
		put(a)
	}
	put(0)
	for _, kv := range [...][2]uintptr{{linux.AT_PAGESZ, mm.PageSize}, {linux.AT_RANDOM, random}, {linux.AT_HWCAP, 0},
		{linux.AT_CLKTCK, 100}, {linux.AT_SECURE, 0}, {linux.AT_SYSINFO_EHDR, vdsoBase}, {linux.AT_NULL, 0}} {
		put(kv[0])
		put(kv[1])
	}

	fx := sys.FXArea(1)
	sys.InitFX(fx)
	idleFX := sys.FXArea(0)
	sys.InitFX(idleFX)
	sys.InitFX(trap.This().NestedFX)
	firstFrame = trap.Frame{FX: fx, RIP: entry, CS: trap.SelCode, SS: trap.SelData, RSP: sp,
		RFLAGS: trap.FlagIF | trap.FlagReserved}
	var idle trap.Frame
	trap.IdleFrame(&idle, idleFX)
	sched.Global.Init(&idle, &firstFrame)
	c := trap.This()
	c.ThreadFS, c.ThreadFX = 0, fx
	return &firstFrame
}

var firstFrame trap.Frame
