package mm

// Lock discipline, for SMP. Today one CPU runs the kernel, always with
// interrupts off (see package trap), so nothing here takes a lock. When
// more CPUs share the one address space:
//
//   - Shared, under one spinlock per Space (the space lock): its VMAs, its
//     page table PT, Faults and the commit limit's inputs. Mmap, Munmap,
//     Discard, Mprotect, Fault and Prefault take it for their whole run.
//   - Shared, under the frame lock, a leaf lock: Frames (ranges, free list,
//     counters). Alloc, AllocContiguous, Free and AddRange take it (the
//     page table and the DMA allocator of package sys call them too); it
//     is taken inside the space lock, never the reverse.
//   - Set once at boot and read-only after, so unlocked: the identity map
//     of RAM, NoExec and the TLB flush hook (SetInvalidate).
//   - Never hold a spinlock across a context switch: nothing here blocks;
//     a syscall that must wait drops the space lock before it Blocks.
//   - Interrupts stay off while either lock is held (all kernel code runs
//     so): a handler taking a lock its own CPU holds would spin forever.
//     The page-fault handler takes both (Fault allocates frames); a page
//     fault in kernel code is fatal, so it never nests inside them.
//   - TLB shootdown: invalidate flushes the calling CPU's TLB only, but
//     every CPU caches the shared page table. Whatever removes or restricts
//     a mapping (Munmap, Discard, Mprotect, release) must make every other
//     CPU flush those pages, and wait until they have, before it frees the
//     frames and before the syscall returns: otherwise another CPU keeps
//     writing through a stale entry into a frame already reused. Fault only
//     adds or widens entries; a stale one elsewhere costs a spurious fault,
//     which Fault resolves as FaultMapped.
//   - A CPU spinning with interrupts off cannot take the shootdown IPI, so
//     the initiator waits for acknowledgements without holding a lock the
//     other CPUs may be spinning on, or the spin loops poll for pending
//     flushes.
