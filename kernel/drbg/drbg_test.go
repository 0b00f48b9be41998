package drbg

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// RFC 8439 §2.3.2: the ChaCha20 block function test vector.
func TestBlockRFC8439(t *testing.T) {
	var key [8]uint32
	for i := range key {
		b := 4 * i
		key[i] = uint32(b) | uint32(b+1)<<8 | uint32(b+2)<<16 | uint32(b+3)<<24
	}
	nonce := [3]uint32{0x09000000, 0x4a000000, 0x00000000}
	var out [BlockSize]byte
	Block(&out, &key, 1, &nonce)
	want, _ := hex.DecodeString("10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e" +
		"d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e")
	if !bytes.Equal(out[:], want) {
		t.Errorf("Block(RFC 8439 §2.3.2) = %x, want %x", out, want)
	}
}

func TestGeneratorDeterministicAndErasing(t *testing.T) {
	var a, b Generator
	a.Mix([]byte("seed"))
	b.Mix([]byte("seed"))
	x, y := make([]byte, 100), make([]byte, 100)
	a.Read(x)
	b.Read(y)
	if !bytes.Equal(x, y) {
		t.Fatalf("two generators with one seed differ: %x vs %x", x, y)
	}
	if a.key == b.key && bytes.Equal(x[:32], keyBytes(&a)) {
		t.Errorf("the key after Read equals the first output bytes")
	}
	// The next call's output differs, and the state after a call does not
	// reproduce the call's output.
	z := make([]byte, 100)
	a.Read(z)
	if bytes.Equal(x, z) {
		t.Errorf("consecutive Reads returned the same bytes")
	}
	var c Generator
	c.key = a.key
	w := make([]byte, 100)
	c.Read(w)
	if bytes.Contains(w, x[:16]) || bytes.Contains(w, z[:16]) {
		t.Errorf("the state after Read regenerates earlier output")
	}
}

func keyBytes(g *Generator) []byte {
	var b []byte
	for _, k := range g.key {
		b = append(b, byte(k), byte(k>>8), byte(k>>16), byte(k>>24))
	}
	return b
}

func TestMixMatters(t *testing.T) {
	outputs := map[string]bool{}
	for _, seeds := range [][]string{{}, {"a"}, {"b"}, {"a", "b"}, {"b", "a"}, {"ab"}, {string(make([]byte, 32))}, {string(make([]byte, 33))}} {
		var g Generator
		for _, s := range seeds {
			g.Mix([]byte(s))
		}
		out := make([]byte, 32)
		g.Read(out)
		if outputs[string(out)] {
			t.Errorf("seeds %q give an output another seed list gave", seeds)
		}
		outputs[string(out)] = true
	}
	var g Generator
	g.Mix(make([]byte, 70))
	if g.Seeded != 70 {
		t.Errorf("Seeded after 70 bytes = %d, want 70", g.Seeded)
	}
}

func TestReadLengths(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 65, 1000} {
		var g Generator
		g.Mix([]byte{1})
		b := make([]byte, n+8)
		g.Read(b[:n])
		if !bytes.Equal(b[n:], make([]byte, 8)) {
			t.Errorf("Read(%d bytes) wrote past the slice", n)
		}
		if n >= 64 && bytes.Equal(b[:32], b[32:64]) {
			t.Errorf("Read(%d) repeats itself", n)
		}
	}
}

func TestReadAllocatesNothing(t *testing.T) {
	var g Generator
	b := make([]byte, 200)
	if n := testing.AllocsPerRun(100, func() { g.Read(b); g.Mix(b[:40]) }); n != 0 {
		t.Errorf("Read+Mix allocate %v times per call, want 0 (they run in trap context)", n)
	}
}
