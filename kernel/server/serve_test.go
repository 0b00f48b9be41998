package server

import (
	"testing"

	"unigo/kernel/sys"
)

// TestServerTable holds the file server's handlers (fileCalls) equal to
// the rows kernel/sys's table marks sys.FileServer: a row the server
// does not answer would be ENOSYS, a handler no row routes is dead.
func TestServerTable(t *testing.T) {
	routed := map[uintptr]bool{}
	for _, r := range sys.Rows() {
		if r.Where&sys.FileServer != 0 {
			routed[r.Nr] = true
			if fileCalls[r.Nr] == nil {
				t.Errorf("the table routes %s (%d) to the file server, which has no handler for it", r.Name, r.Nr)
			}
		}
	}
	for nr := range fileCalls {
		if !routed[nr] {
			t.Errorf("the file server handles %s (%d), which the table does not route to it", sys.Name(nr), nr)
		}
	}
	if len(routed) < 20 {
		t.Errorf("only %d calls routed to the file server", len(routed))
	}
}
