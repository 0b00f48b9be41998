// Package layout is the machine's fixed numbers, in the manner of xv6's
// memlayout.h: the interrupt vector map (vectors.go) and the addresses
// of each kind of machine unigo boots on (board_pc.go, board_microvm.go).
// Constants (and LineVector) with no imports, so that every part of
// unigo can use it: the kernel in trap context (kernel/trap, kernel/sys,
// package kernel), the drivers, and kernel/platform, which finds the
// devices.
//
// A number a machine describes itself (ACPI's MADT and MCFG: see
// kernel/platform/board_acpi.go) is not here; what is here is either
// architectural (the vector map), where the kernel maps and programs
// hardware before it can read any table, or the fallback when a machine
// describes nothing (microvm without ACPI).
package layout
