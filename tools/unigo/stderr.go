package main

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"
)

// lineMux is unigo run's stderr while a guest runs: the guest's stderr
// (which arrives from the serial port in pieces, not lines) and unigo's
// own reports (boot milestones, kernel statistics, crash reports) share
// it a whole line at a time, so neither cuts into a line of the other.
// A guest's unfinished line is written once no more output has come for
// partialWait (a prompt without a newline still shows).
type lineMux struct {
	mu      sync.Mutex
	w       io.Writer
	partial []byte
	timer   *time.Timer
}

const partialWait = 50 * time.Millisecond

// Write takes guest output: complete lines go out at once, the rest waits.
func (m *lineMux) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.partial = append(m.partial, p...)
	if i := bytes.LastIndexByte(m.partial, '\n'); i >= 0 {
		m.w.Write(m.partial[:i+1])
		m.partial = append(m.partial[:0], m.partial[i+1:]...)
	}
	if len(m.partial) > 0 {
		if m.timer == nil {
			m.timer = time.AfterFunc(partialWait, m.Flush)
		} else {
			m.timer.Reset(partialWait)
		}
	}
	return len(p), nil
}

// Flush writes the guest's unfinished line, if any.
func (m *lineMux) Flush() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.partial) > 0 {
		m.w.Write(m.partial)
		m.partial = m.partial[:0]
	}
}

// Printf writes a report of unigo's own, between the guest's lines.
func (m *lineMux) Printf(format string, a ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintf(m.w, format, a...)
}
