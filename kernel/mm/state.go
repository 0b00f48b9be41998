package mm

// The kernel's memory, owned here and set up once by kmain (initMemory in
// package kernel) before anything else reads it. Shared by every CPU:
// doc.go says which lock will guard each.
var (
	// RAM allocates the machine's physical frames.
	RAM Frames
	// Program is the program's address space: its page tables and VMAs.
	Program Space
)
