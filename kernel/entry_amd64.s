#include "textflag.h"

#define MSR_FS_BASE 0xC0000100
#define BOOT_STACK 65536

// entry64 is where the boot stub (boot/stub.go) far-jumps in 64-bit mode,
// on the stub's identity map of the first GiB, with interrupts off and no
// stack. DI = the loader's EAX (Multiboot magic), SI = its EBX (boot info),
// DX = the program's ELF entry, CX = the end of the loaded image.
TEXT ·entry64(SB),NOSPLIT|NOFRAME,$0
	MOVL	$0x10, AX
	MOVW	AX, DS
	MOVW	AX, ES
	MOVW	AX, SS
	// Upper halves are undefined after the mode switch: zero-extend.
	MOVL	DI, DI
	MOVL	SI, SI
	MOVL	DX, DX
	MOVL	CX, CX
	MOVQ	CX, R8
	MOVQ	DX, R9
	RDTSC
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, R10 // TSC at entry: the first boot milestone
	LEAQ	·bootStack+BOOT_STACK(SB), SP
	LEAQ	·earlyTables(SB), AX // keeps the stub's page tables linked in

	// SSE on: CR0.EM=0, MP=1, NE=1; CR4.OSFXSR=1, OSXMMEXCPT=1 (SDM vol. 3, 14.1.3).
	MOVQ	CR0, AX
	ANDQ	$~4, AX
	ORQ	$0x22, AX
	MOVQ	AX, CR0
	MOVQ	CR4, AX
	ORQ	$0x600, AX
	MOVQ	AX, CR4

	// A stand-in g for Go code on the boot stack: the ABI wrapper loads
	// g from -8(FS) into R14, and function prologues compare SP with
	// g.stackguard0 (runtime/runtime2.go: stack, stackguard0, stackguard1).
	LEAQ	·bootStack(SB), AX
	MOVQ	AX, ·bootG+0(SB)
	ADDQ	$1024, AX
	MOVQ	AX, ·bootG+16(SB)
	MOVQ	AX, ·bootG+24(SB)
	LEAQ	·bootStack+BOOT_STACK(SB), AX
	MOVQ	AX, ·bootG+8(SB)
	LEAQ	·bootG(SB), AX
	MOVQ	AX, ·bootTLS+0(SB)
	LEAQ	·bootTLS+8(SB), AX
	MOVQ	DI, BX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$MSR_FS_BASE, CX
	WRMSR

	SUBQ	$48, SP
	MOVQ	BX, 0(SP)
	MOVQ	SI, 8(SP)
	MOVQ	R9, 16(SP)
	MOVQ	R8, 24(SP)
	MOVQ	R10, 32(SP)
	CALL	·kmain(SB)
	CLI
	HLT
