package sys

import (
	"unigo/kernel/abi/unigo"
)

// Names of unigo's own ABI that packages outside the kernel still take
// from here.
//
// Deprecated: use kernel/abi/unigo; removed once net and
// kernel/virtiodev move.
const (
	NetCall       = unigo.NetCall
	SysNotify     = unigo.SysNotify
	SysSockAlloc  = unigo.SysSockAlloc
	SysSockAddr   = unigo.SysSockAddr
	SysDMAAlloc   = unigo.SysDMAAlloc
	SysIRQOpen    = unigo.SysIRQOpen
	SysMapMMIO    = unigo.SysMapMMIO
	SysAddEntropy = unigo.SysAddEntropy
	IRQMSI        = unigo.IRQMSI
)
