package acpi

import (
	"math/rand"
	"testing"
	"time"
)

func TestZZMutate(t *testing.T) {
	seed := fuzzSeed(t, func(s *system) { s.standard(2, fuzzBase) })
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 3000; i++ {
		d := append([]byte(nil), seed...)
		for k := 0; k < 1+r.Intn(8); k++ {
			d[r.Intn(len(d))] = byte(r.Intn(256))
		}
		m := &fakeMem{}
		m.add(fuzzBase, fuzzSize)
		reg, _ := m.region(fuzzBase, fuzzSize)
		copy(reg, d)
		st := time.Now()
		Parse(m, fuzzBase)
		FindRSDP(m)
		if el := time.Since(st); el > 50*time.Millisecond {
			t.Logf("iter %d: %v, read %d bytes in %d reads", i, el, m.bytesRead, m.reads)
		}
	}
}
