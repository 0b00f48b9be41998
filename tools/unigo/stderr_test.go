package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for lineMux's flush timer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The guest's line arrives in pieces while unigo reports a milestone: the
// report goes between whole guest lines, never inside one.
func TestLineMuxKeepsLinesWhole(t *testing.T) {
	var out syncBuffer
	m := &lineMux{w: &out}
	m.Write([]byte("uni"))
	m.Printf("unigo: %s\n", "milestone")
	m.Write([]byte("go: entropy\nsecond "))
	m.Write([]byte("line\n"))
	m.Flush()
	want := "unigo: milestone\nunigo: entropy\nsecond line\n"
	if got := out.String(); got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
}

// A line without a newline (a prompt) still shows, after partialWait.
func TestLineMuxShowsUnfinishedLine(t *testing.T) {
	var out syncBuffer
	m := &lineMux{w: &out}
	m.Write([]byte("password: "))
	deadline := time.Now().Add(5 * time.Second)
	for out.String() == "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := out.String(); got != "password: " {
		t.Errorf("stderr = %q, want the unfinished line %q", got, "password: ")
	}
}

// Many writers at once: every line comes out whole.
func TestLineMuxConcurrent(t *testing.T) {
	var out syncBuffer
	m := &lineMux{w: &out}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			m.Write([]byte("guest-"))
			m.Write([]byte("line\n"))
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			m.Printf("unigo: report\n")
		}
	}()
	wg.Wait()
	m.Flush()
	for i, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if l != "guest-line" && l != "unigo: report" {
			t.Fatalf("line %d = %q: a line was cut", i, l)
		}
	}
}
