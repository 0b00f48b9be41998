package layout

import "testing"

// TestVectorMap: every vector the kernel programs has an entry stub, no
// two uses share a vector, and none is an exception's.
func TestVectorMap(t *testing.T) {
	use := map[int]string{VectorTimer: "timer"}
	for n := range NumLines {
		v := int(LineVector(n))
		if v != VectorLine0+n {
			t.Errorf("LineVector(%d) = %d, want %d", n, v, VectorLine0+n)
		}
		if other, dup := use[v]; dup {
			t.Errorf("vector %d is line %d's and %s's", v, n, other)
		}
		use[v] = "a line"
	}
	for v, what := range use {
		if v < NumExceptions || v >= NumVectors {
			t.Errorf("vector %d (%s) is outside the device vectors %d..%d", v, what, NumExceptions, NumVectors-1)
		}
	}
	if VectorSpurious < NumVectors || VectorSpurious&0xF != 0xF {
		t.Errorf("spurious vector %#x: want it beyond the stubs (returns at once), low four bits set", VectorSpurious)
	}
}
