package qemu_test

import (
	"debug/elf"
	"sort"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// trapContext lists the packages whose code runs in trap context (see
// package kernel): before the Go runtime exists or on the kernel's own
// stacks beside it. Each is checked whole: the kernel's ordinary Go lives
// in packages of its own (unigo/kernel/server, unigo/guest), not here.
var trapContext = []string{
	"unigo/kernel.", "unigo/kernel/sys.", "unigo/kernel/mm.", "unigo/kernel/sched.", "unigo/kernel/trap.",
	"unigo/kernel/cpu.", "unigo/kernel/clock.", "unigo/kernel/kfmt.", "unigo/kernel/vdso.", "unigo/kernel/drbg.",
	"unigo/kernel/cmdline.", "unigo/kernel/platform/layout.", "unigo/kernel/abi/", "unigo/boot.",
	"unigo/drivers/uart16550.", "unigo/drivers/pit.", "unigo/drivers/cmos.", "unigo/drivers/lapic.",
	"unigo/drivers/ioapic.", "unigo/drivers/qemudebug.",
}

// forbidden runtime calls: allocation, and write barriers (only safe at
// boot, before the runtime runs; see bootWrites).
var forbidden = []string{"runtime.mallocgc", "runtime.newobject", "runtime.growslice", "runtime.makeslice",
	"runtime.makemap", "runtime.mapassign", "runtime.convT", "runtime.concatstring", "runtime.slicebytetostring",
	"runtime.gcWriteBarrier", "runtime.wbMove", "runtime.typedmemmove", "runtime.newproc", "runtime.chansend",
	"runtime.deferproc", "runtime.gopanic"}

// bootWrites may store pointers: kmain and initMemory run once, before
// the runtime starts (no GC, so the write-barrier check is never taken);
// kernel's init runs as ordinary Go and stores only entry64's static
// func value, which keeps entry64 linked.
var bootWrites = []string{"unigo/kernel.kmain", "unigo/kernel.initMemory", "unigo/kernel.init.0"}

// TestTrapContextDoesNotAllocate disassembles the kernel in the hello
// image and fails on any call from trap-context code to the allocator,
// write barriers, or other runtime services that need a real g.
func TestTrapContextDoesNotAllocate(t *testing.T) {
	f, err := elf.Open(images["hello"])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	text := f.Section(".text")
	code, err := text.Data()
	if err != nil {
		t.Fatal(err)
	}
	type fn struct {
		name       string
		start, end uint64
	}
	var fns []fn
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Value >= text.Addr && s.Value < text.Addr+text.Size {
			fns = append(fns, fn{s.Name, s.Value, s.Value + s.Size})
		}
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].start < fns[j].start })
	name := func(pc uint64) string {
		i := sort.Search(len(fns), func(i int) bool { return fns[i].start > pc }) - 1
		if i < 0 {
			return "?"
		}
		return fns[i].name
	}
	has := func(list []string, s string, prefix bool) bool {
		for _, l := range list {
			if s == l || prefix && strings.HasPrefix(s, l) {
				return true
			}
		}
		return false
	}
	checked := 0
	for _, fn := range fns {
		if !has(trapContext, fn.name, true) {
			continue
		}
		checked++
		for pc := fn.start; pc < fn.end; {
			in, err := x86asm.Decode(code[pc-text.Addr:], 64)
			if err != nil {
				pc++
				continue
			}
			if in.Op == x86asm.CALL {
				if rel, ok := in.Args[0].(x86asm.Rel); ok {
					target := name(uint64(int64(pc) + int64(in.Len) + int64(rel)))
					if has(forbidden, target, true) && !(strings.HasPrefix(target, "runtime.gcWriteBarrier") && has(bootWrites, fn.name, false)) {
						t.Errorf("%s calls %s: trap-context code must not allocate or need a write barrier", fn.name, target)
					}
				}
			}
			pc += uint64(in.Len)
		}
	}
	if checked < 100 {
		t.Errorf("checked only %d functions: did the package list or symbol names change?", checked)
	}
}
