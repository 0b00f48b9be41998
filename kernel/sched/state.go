package sched

// Global is the kernel's scheduler: the thread table, the run queue,
// futex waits and timers, shared by every CPU (doc.go: one lock will
// guard it). kmain makes the first thread; from then on the trap
// handlers and system calls drive it.
var Global Scheduler
