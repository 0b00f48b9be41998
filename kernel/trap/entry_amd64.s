#include "go_asm.h"
#include "textflag.h"

// Kernel entry and exit. See frame.go for the Frame layout and the rules.

#define MSR_FS_BASE 0xC0000100

// Vector stubs: push a zero error code where the CPU pushes none
// (SDM vol. 3, table 7-1 says which do), then the vector number.
TEXT ·vec0(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$0
	JMP	trapcommon<>(SB)

TEXT ·vec1(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$1
	JMP	trapcommon<>(SB)

TEXT ·vec2(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$2
	JMP	trapcommon<>(SB)

TEXT ·vec3(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$3
	JMP	trapcommon<>(SB)

TEXT ·vec4(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$4
	JMP	trapcommon<>(SB)

TEXT ·vec5(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$5
	JMP	trapcommon<>(SB)

TEXT ·vec6(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$6
	JMP	trapcommon<>(SB)

TEXT ·vec7(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$7
	JMP	trapcommon<>(SB)

TEXT ·vec8(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$8
	JMP	trapcommon<>(SB)

TEXT ·vec9(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$9
	JMP	trapcommon<>(SB)

TEXT ·vec10(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$10
	JMP	trapcommon<>(SB)

TEXT ·vec11(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$11
	JMP	trapcommon<>(SB)

TEXT ·vec12(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$12
	JMP	trapcommon<>(SB)

TEXT ·vec13(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$13
	JMP	trapcommon<>(SB)

TEXT ·vec14(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$14
	JMP	trapcommon<>(SB)

TEXT ·vec15(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$15
	JMP	trapcommon<>(SB)

TEXT ·vec16(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$16
	JMP	trapcommon<>(SB)

TEXT ·vec17(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$17
	JMP	trapcommon<>(SB)

TEXT ·vec18(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$18
	JMP	trapcommon<>(SB)

TEXT ·vec19(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$19
	JMP	trapcommon<>(SB)

TEXT ·vec20(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$20
	JMP	trapcommon<>(SB)

TEXT ·vec21(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$21
	JMP	trapcommon<>(SB)

TEXT ·vec22(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$22
	JMP	trapcommon<>(SB)

TEXT ·vec23(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$23
	JMP	trapcommon<>(SB)

TEXT ·vec24(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$24
	JMP	trapcommon<>(SB)

TEXT ·vec25(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$25
	JMP	trapcommon<>(SB)

TEXT ·vec26(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$26
	JMP	trapcommon<>(SB)

TEXT ·vec27(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$27
	JMP	trapcommon<>(SB)

TEXT ·vec28(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$28
	JMP	trapcommon<>(SB)

TEXT ·vec29(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$29
	JMP	trapcommon<>(SB)

TEXT ·vec30(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$30
	JMP	trapcommon<>(SB)

TEXT ·vec31(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$31
	JMP	trapcommon<>(SB)

TEXT ·vec32(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$32
	JMP	trapcommon<>(SB)

TEXT ·vec33(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$33
	JMP	trapcommon<>(SB)

TEXT ·vec34(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$34
	JMP	trapcommon<>(SB)

TEXT ·vec35(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$35
	JMP	trapcommon<>(SB)

TEXT ·vec36(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$36
	JMP	trapcommon<>(SB)

TEXT ·vec37(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$37
	JMP	trapcommon<>(SB)

TEXT ·vec38(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$38
	JMP	trapcommon<>(SB)

TEXT ·vec39(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$39
	JMP	trapcommon<>(SB)

TEXT ·vec40(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$40
	JMP	trapcommon<>(SB)

TEXT ·vec41(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$41
	JMP	trapcommon<>(SB)

TEXT ·vec42(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$42
	JMP	trapcommon<>(SB)

TEXT ·vec43(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$43
	JMP	trapcommon<>(SB)

TEXT ·vec44(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$44
	JMP	trapcommon<>(SB)

TEXT ·vec45(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$45
	JMP	trapcommon<>(SB)

TEXT ·vec46(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$46
	JMP	trapcommon<>(SB)

TEXT ·vec47(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$47
	JMP	trapcommon<>(SB)

TEXT ·vec48(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$48
	JMP	trapcommon<>(SB)

TEXT ·vec49(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$49
	JMP	trapcommon<>(SB)

TEXT ·vec50(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$50
	JMP	trapcommon<>(SB)

TEXT ·vec51(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$51
	JMP	trapcommon<>(SB)

TEXT ·vec52(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$52
	JMP	trapcommon<>(SB)

TEXT ·vec53(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$53
	JMP	trapcommon<>(SB)

TEXT ·vec54(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$54
	JMP	trapcommon<>(SB)

TEXT ·vec55(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$55
	JMP	trapcommon<>(SB)

TEXT ·vec56(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$56
	JMP	trapcommon<>(SB)

TEXT ·vec57(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$57
	JMP	trapcommon<>(SB)

TEXT ·vec58(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$58
	JMP	trapcommon<>(SB)

TEXT ·vec59(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$59
	JMP	trapcommon<>(SB)

TEXT ·vec60(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$60
	JMP	trapcommon<>(SB)

TEXT ·vec61(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$61
	JMP	trapcommon<>(SB)

TEXT ·vec62(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$62
	JMP	trapcommon<>(SB)

TEXT ·vec63(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0
	PUSHQ	$63
	JMP	trapcommon<>(SB)

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

DATA ·vectorTable+0(SB)/8, $·vec0(SB)
DATA ·vectorTable+8(SB)/8, $·vec1(SB)
DATA ·vectorTable+16(SB)/8, $·vec2(SB)
DATA ·vectorTable+24(SB)/8, $·vec3(SB)
DATA ·vectorTable+32(SB)/8, $·vec4(SB)
DATA ·vectorTable+40(SB)/8, $·vec5(SB)
DATA ·vectorTable+48(SB)/8, $·vec6(SB)
DATA ·vectorTable+56(SB)/8, $·vec7(SB)
DATA ·vectorTable+64(SB)/8, $·vec8(SB)
DATA ·vectorTable+72(SB)/8, $·vec9(SB)
DATA ·vectorTable+80(SB)/8, $·vec10(SB)
DATA ·vectorTable+88(SB)/8, $·vec11(SB)
DATA ·vectorTable+96(SB)/8, $·vec12(SB)
DATA ·vectorTable+104(SB)/8, $·vec13(SB)
DATA ·vectorTable+112(SB)/8, $·vec14(SB)
DATA ·vectorTable+120(SB)/8, $·vec15(SB)
DATA ·vectorTable+128(SB)/8, $·vec16(SB)
DATA ·vectorTable+136(SB)/8, $·vec17(SB)
DATA ·vectorTable+144(SB)/8, $·vec18(SB)
DATA ·vectorTable+152(SB)/8, $·vec19(SB)
DATA ·vectorTable+160(SB)/8, $·vec20(SB)
DATA ·vectorTable+168(SB)/8, $·vec21(SB)
DATA ·vectorTable+176(SB)/8, $·vec22(SB)
DATA ·vectorTable+184(SB)/8, $·vec23(SB)
DATA ·vectorTable+192(SB)/8, $·vec24(SB)
DATA ·vectorTable+200(SB)/8, $·vec25(SB)
DATA ·vectorTable+208(SB)/8, $·vec26(SB)
DATA ·vectorTable+216(SB)/8, $·vec27(SB)
DATA ·vectorTable+224(SB)/8, $·vec28(SB)
DATA ·vectorTable+232(SB)/8, $·vec29(SB)
DATA ·vectorTable+240(SB)/8, $·vec30(SB)
DATA ·vectorTable+248(SB)/8, $·vec31(SB)
DATA ·vectorTable+256(SB)/8, $·vec32(SB)
DATA ·vectorTable+264(SB)/8, $·vec33(SB)
DATA ·vectorTable+272(SB)/8, $·vec34(SB)
DATA ·vectorTable+280(SB)/8, $·vec35(SB)
DATA ·vectorTable+288(SB)/8, $·vec36(SB)
DATA ·vectorTable+296(SB)/8, $·vec37(SB)
DATA ·vectorTable+304(SB)/8, $·vec38(SB)
DATA ·vectorTable+312(SB)/8, $·vec39(SB)
DATA ·vectorTable+320(SB)/8, $·vec40(SB)
DATA ·vectorTable+328(SB)/8, $·vec41(SB)
DATA ·vectorTable+336(SB)/8, $·vec42(SB)
DATA ·vectorTable+344(SB)/8, $·vec43(SB)
DATA ·vectorTable+352(SB)/8, $·vec44(SB)
DATA ·vectorTable+360(SB)/8, $·vec45(SB)
DATA ·vectorTable+368(SB)/8, $·vec46(SB)
DATA ·vectorTable+376(SB)/8, $·vec47(SB)
DATA ·vectorTable+384(SB)/8, $·vec48(SB)
DATA ·vectorTable+392(SB)/8, $·vec49(SB)
DATA ·vectorTable+400(SB)/8, $·vec50(SB)
DATA ·vectorTable+408(SB)/8, $·vec51(SB)
DATA ·vectorTable+416(SB)/8, $·vec52(SB)
DATA ·vectorTable+424(SB)/8, $·vec53(SB)
DATA ·vectorTable+432(SB)/8, $·vec54(SB)
DATA ·vectorTable+440(SB)/8, $·vec55(SB)
DATA ·vectorTable+448(SB)/8, $·vec56(SB)
DATA ·vectorTable+456(SB)/8, $·vec57(SB)
DATA ·vectorTable+464(SB)/8, $·vec58(SB)
DATA ·vectorTable+472(SB)/8, $·vec59(SB)
DATA ·vectorTable+480(SB)/8, $·vec60(SB)
DATA ·vectorTable+488(SB)/8, $·vec61(SB)
DATA ·vectorTable+496(SB)/8, $·vec62(SB)
DATA ·vectorTable+504(SB)/8, $·vec63(SB)
GLOBL ·vectorTable(SB), RODATA, $512

DATA ·entryPoints+0(SB)/8, $·syscallEntry(SB)
DATA ·entryPoints+8(SB)/8, $·idleLoop(SB)
DATA ·entryPoints+16(SB)/8, $·vecSpurious(SB)
GLOBL ·entryPoints(SB), RODATA, $24
