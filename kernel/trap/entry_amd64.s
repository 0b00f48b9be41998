#include "go_asm.h"
#include "textflag.h"

// Kernel entry and exit. See frame.go for the Frame layout and the rules.

#define MSR_FS_BASE 0xC0000100

// Vector stubs, one line per vector: STUB pushes a zero where the CPU
// pushes no error code, STUB_ERR leaves the CPU's (SDM vol. 3, table 7-1
// says which vectors have one); then both push the vector number, jump to
// the common entry, and put the stub's address in vectorTable[n]. Adding a
// vector is one line here (and NumVectors in frame.go).
#define STUB(name, n) \
	TEXT name(SB),NOSPLIT|NOFRAME,$0; \
	PUSHQ	$0; \
	PUSHQ	$n; \
	JMP	trapcommon<>(SB); \
	DATA	·vectorTable+(n*8)(SB)/8, $name(SB)

#define STUB_ERR(name, n) \
	TEXT name(SB),NOSPLIT|NOFRAME,$0; \
	PUSHQ	$n; \
	JMP	trapcommon<>(SB); \
	DATA	·vectorTable+(n*8)(SB)/8, $name(SB)

STUB(·vec0, 0)
STUB(·vec1, 1)
STUB(·vec2, 2)
STUB(·vec3, 3)
STUB(·vec4, 4)
STUB(·vec5, 5)
STUB(·vec6, 6)
STUB(·vec7, 7)
STUB_ERR(·vec8, 8)
STUB(·vec9, 9)
STUB_ERR(·vec10, 10)
STUB_ERR(·vec11, 11)
STUB_ERR(·vec12, 12)
STUB_ERR(·vec13, 13)
STUB_ERR(·vec14, 14)
STUB(·vec15, 15)
STUB(·vec16, 16)
STUB_ERR(·vec17, 17)
STUB(·vec18, 18)
STUB(·vec19, 19)
STUB(·vec20, 20)
STUB_ERR(·vec21, 21)
STUB(·vec22, 22)
STUB(·vec23, 23)
STUB(·vec24, 24)
STUB(·vec25, 25)
STUB(·vec26, 26)
STUB(·vec27, 27)
STUB(·vec28, 28)
STUB_ERR(·vec29, 29)
STUB_ERR(·vec30, 30)
STUB(·vec31, 31)
STUB(·vec32, 32)
STUB(·vec33, 33)
STUB(·vec34, 34)
STUB(·vec35, 35)
STUB(·vec36, 36)
STUB(·vec37, 37)
STUB(·vec38, 38)
STUB(·vec39, 39)
STUB(·vec40, 40)
STUB(·vec41, 41)
STUB(·vec42, 42)
STUB(·vec43, 43)
STUB(·vec44, 44)
STUB(·vec45, 45)
STUB(·vec46, 46)
STUB(·vec47, 47)
STUB(·vec48, 48)
STUB(·vec49, 49)
STUB(·vec50, 50)
STUB(·vec51, 51)
STUB(·vec52, 52)
STUB(·vec53, 53)
STUB(·vec54, 54)
STUB(·vec55, 55)
STUB(·vec56, 56)
STUB(·vec57, 57)
STUB(·vec58, 58)
STUB(·vec59, 59)
STUB(·vec60, 60)
STUB(·vec61, 61)
STUB(·vec62, 62)
STUB(·vec63, 63)
GLOBL ·vectorTable(SB), RODATA, $(64*8)

// The LAPIC spurious vector needs no EOI and no kernel work.
TEXT ·vecSpurious(SB),NOSPLIT|NOFRAME,$0
	IRETQ

// SYSCALL lands here with IF clear (FMASK), RCX = return RIP, R11 = RFLAGS,
// and RSP still the caller's: SYSCALL switches no stack (SDM vol. 2B,
// SYSCALL). Build the same frame an interrupt would, on the kernel stack.
TEXT ·syscallEntry(SB),NOSPLIT|NOFRAME,$0
	MOVQ	SP, CPU_ScratchRSP(GS)
	MOVQ	CPU_KStackTop(GS), SP
	PUSHQ	$0x10
	PUSHQ	CPU_ScratchRSP(GS)
	PUSHQ	R11
	PUSHQ	$0x08
	PUSHQ	CX
	PUSHQ	$0
	PUSHQ	$0x100
	JMP	trapcommon<>(SB)

TEXT trapcommon<>(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	AX
	PUSHQ	BX
	PUSHQ	CX
	PUSHQ	DX
	PUSHQ	SI
	PUSHQ	DI
	PUSHQ	BP
	PUSHQ	R8
	PUSHQ	R9
	PUSHQ	R10
	PUSHQ	R11
	PUSHQ	R12
	PUSHQ	R13
	PUSHQ	R14
	PUSHQ	R15
	SUBQ	$16, SP // Frame.FX, Frame.FS
	CLD
	MOVQ	CPU_Depth(GS), AX
	INCQ	AX
	MOVQ	AX, CPU_Depth(GS)
	CMPQ	AX, $1
	JNE	nested
	// From a thread: save its SSE state and FS base, enter the kernel's TLS.
	MOVQ	CPU_ThreadFS(GS), AX
	MOVQ	AX, Frame_FS(SP)
	MOVQ	CPU_ThreadFX(GS), AX
	MOVQ	AX, Frame_FX(SP)
	FXSAVE64	(AX)
	MOVQ	CPU_KernelFS(GS), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$MSR_FS_BASE, CX
	WRMSR
	JMP	call
nested:
	// From the kernel itself (a fault in kernel code): FS is already ours.
	MOVQ	CPU_KernelFS(GS), AX
	MOVQ	AX, Frame_FS(SP)
	MOVQ	CPU_NestedFX(GS), AX
	MOVQ	AX, Frame_FX(SP)
	FXSAVE64	(AX)
call:
	MOVQ	SP, AX
	PUSHQ	AX
	CALL	·dispatch(SB)
	ADDQ	$8, SP
	JMP	trapexit<>(SB)

TEXT trapexit<>(SB),NOSPLIT|NOFRAME,$0
	MOVQ	Frame_FX(SP), AX
	FXRSTOR64	(AX)
	MOVQ	CPU_Depth(GS), AX
	DECQ	AX
	MOVQ	AX, CPU_Depth(GS)
	JNZ	regs
	MOVQ	Frame_FS(SP), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$MSR_FS_BASE, CX
	WRMSR
regs:
	ADDQ	$16, SP
	POPQ	R15
	POPQ	R14
	POPQ	R13
	POPQ	R12
	POPQ	R11
	POPQ	R10
	POPQ	R9
	POPQ	R8
	POPQ	BP
	POPQ	DI
	POPQ	SI
	POPQ	DX
	POPQ	CX
	POPQ	BX
	POPQ	AX
	ADDQ	$16, SP // vector, error code
	IRETQ

// func Resume(f *Frame)
// Leaves the kernel into the context f describes. Never returns. The caller
// must run with CPU.Depth == 1, as if inside a trap.
TEXT ·Resume(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ	f+0(FP), SP
	JMP	trapexit<>(SB)

// The idle context: wait for an interrupt with IF set.
TEXT ·idleLoop(SB),NOSPLIT|NOFRAME,$0
idle:
	STI
	HLT
	JMP	idle

DATA ·entryPoints+0(SB)/8, $·syscallEntry(SB)
DATA ·entryPoints+8(SB)/8, $·idleLoop(SB)
DATA ·entryPoints+16(SB)/8, $·vecSpurious(SB)
GLOBL ·entryPoints(SB), RODATA, $24

// func This() *CPU
// Every CPU's GS base points at its own CPU, whose self field holds that
// address: one GS-relative load, no lock.
TEXT ·This(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ	CPU_self(GS), AX
	MOVQ	AX, ret+0(FP)
	RET
