package linux

// Values x/sys does not export, by family.

// futex operations (include/uapi/linux/futex.h).
const (
	FUTEX_WAIT             = 0
	FUTEX_WAKE             = 1
	FUTEX_WAIT_BITSET      = 9
	FUTEX_WAKE_BITSET      = 10
	FUTEX_PRIVATE_FLAG     = 128
	FUTEX_CLOCK_REALTIME   = 256
	FUTEX_CMD_MASK         = ^(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
	FUTEX_BITSET_MATCH_ANY = 0xFFFFFFFF
)

// arch_prctl codes (arch/x86/include/uapi/asm/prctl.h).
const (
	ARCH_SET_GS = 0x1001
	ARCH_SET_FS = 0x1002
	ARCH_GET_FS = 0x1003
	ARCH_GET_GS = 0x1004
)

// access modes (include/linux/fs.h; unistd.h).
const (
	R_OK = 4
	W_OK = 2
	X_OK = 1
)

// Auxiliary vector keys (include/uapi/linux/auxvec.h,
// arch/x86/include/uapi/asm/auxvec.h).
const (
	AT_NULL         = 0
	AT_PHDR         = 3
	AT_PHENT        = 4
	AT_PHNUM        = 5
	AT_PAGESZ       = 6
	AT_ENTRY        = 9
	AT_HWCAP        = 16
	AT_CLKTCK       = 17
	AT_SECURE       = 23
	AT_RANDOM       = 25
	AT_EXECFN       = 31
	AT_SYSINFO_EHDR = 33
)

// PATH_MAX bounds a path argument, NUL included (include/uapi/linux/limits.h).
const PATH_MAX = 4096

// Directory entry types, linux_dirent64's d_type (include/linux/fs_types.h;
// getdents64(2)).
const (
	DT_UNKNOWN = 0
	DT_CHR     = 2
	DT_DIR     = 4
	DT_REG     = 8
	DT_LNK     = 10
)

// PR_SET_VMA names anonymous mappings (include/uapi/linux/prctl.h).
const PR_SET_VMA = 0x53564d41
