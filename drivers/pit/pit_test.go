package pit

import (
	"fmt"
	"reflect"
	"testing"
)

// fakePIT counts down by step at every latch command, wrapping at 65536.
type fakePIT struct {
	counter uint16
	step    uint16
	latched uint16
	hi      bool // next data read returns the high byte
	latches int
	cmds    []uint8 // writes to the command port other than latches
	data    []uint8 // writes to channel 0
	err     error
}

func (p *fakePIT) Out8(port uint16, v uint8) {
	switch {
	case port == portCommand && v == cmdLatchCh0:
		p.latched, p.hi = p.counter, false
		p.counter -= p.step
		p.latches++
	case port == portCommand:
		p.cmds = append(p.cmds, v)
	case port == portCh0:
		p.data = append(p.data, v)
	default:
		p.err = fmt.Errorf("Out8(%#x, %#x): unexpected port", port, v)
	}
}

func (p *fakePIT) In8(port uint16) uint8 {
	if port != portCh0 {
		p.err = fmt.Errorf("In8(%#x): unexpected port", port)
		return 0
	}
	v := uint8(p.latched)
	if p.hi {
		v = uint8(p.latched >> 8)
	}
	p.hi = !p.hi
	return v
}

func TestMeasure(t *testing.T) {
	tests := []struct {
		start, step uint16
		ticks       uint32
		wantLatches int // including the first
	}{
		{0, 1, 1, 2},
		{0, 100, 1000, 11},
		{0, 100, 1001, 12},
		{500, 300, 5966, 21},          // wraps below zero several times
		{65535, 7, Hz / 200, 1 + 853}, // 5 ms: ceil(5965/7)
	}
	for _, tt := range tests {
		p := &fakePIT{counter: tt.start, step: tt.step}
		var calls []string
		latchesAtStart := -1
		ok := Measure(p, tt.ticks, func(after bool) {
			calls = append(calls, fmt.Sprint(after))
			if !after {
				latchesAtStart = p.latches
			}
		})
		if !ok {
			t.Errorf("Measure(%d ticks, counter moving by %d) = false, want true", tt.ticks, tt.step)
		}
		if want := []string{"false", "true"}; !reflect.DeepEqual(calls, want) {
			t.Errorf("Measure(%d ticks) called sample with %v, want %v", tt.ticks, calls, want)
		}
		if latchesAtStart != 1 {
			t.Errorf("sample(false) called after %d latches, want 1 (right after reading the start count)", latchesAtStart)
		}
		if p.latches != tt.wantLatches {
			t.Errorf("Measure(%d ticks, step %d): %d latches, want %d", tt.ticks, tt.step, p.latches, tt.wantLatches)
		}
		if !reflect.DeepEqual(p.cmds, []uint8{cmdCh0Mode2}) || !reflect.DeepEqual(p.data, []uint8{0, 0}) {
			t.Errorf("Measure programmed commands %x, data %x, want [%x], [0 0]", p.cmds, p.data, cmdCh0Mode2)
		}
		if p.err != nil {
			t.Error(p.err)
		}
	}
}

func TestMeasureNoPIT(t *testing.T) {
	p := &fakePIT{counter: 0x1234, step: 0}
	var calls []bool
	if Measure(p, 100, func(after bool) { calls = append(calls, after) }) {
		t.Errorf("Measure with a counter that never moves = true, want false")
	}
	if !reflect.DeepEqual(calls, []bool{false}) {
		t.Errorf("Measure with a counter that never moves called sample with %v, want [false]", calls)
	}
	if p.latches != 1+spinLimit {
		t.Errorf("Measure with a counter that never moves latched %d times, want %d", p.latches, 1+spinLimit)
	}
}
