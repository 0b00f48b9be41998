package cpu

import "testing"

// fakeCPUID answers from a table of (leaf, sub) -> registers; a leaf not
// in the table reads as zeroes, as an out-of-range leaf does on real
// hardware (Intel returns the highest basic leaf's values; zero is enough
// here), and is recorded so that a test can tell which leaves were asked.
type fakeCPUID struct {
	leaves map[[2]uint32][4]uint32
	asked  []uint32
}

func (f *fakeCPUID) cpuid(leaf, sub uint32) (a, b, c, d uint32) {
	f.asked = append(f.asked, leaf)
	r := f.leaves[[2]uint32{leaf, sub}]
	return r[0], r[1], r[2], r[3]
}

func TestDecodeFeatures(t *testing.T) {
	kvmSig := [4]uint32{0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d}
	tests := []struct {
		name   string
		leaves map[[2]uint32][4]uint32
		want   Features
	}{
		{"nothing", nil, Features{}},
		{"QEMU TCG: rdrand, hypervisor without KVM", map[[2]uint32][4]uint32{
			{0, 0}:          {0xd},
			{1, 0}:          {0, 0, 1<<30 | 1<<31},
			{7, 0}:          {0, 1 << 18},
			{0x40000000, 0}: {0x40000001, 0x54474354, 0x43544743, 0x47435447}, // "TCGTCGTCGTCG"
		}, Features{MaxLeaf: 0xd, RDRAND: true, RDSEED: true, Hypervisor: true, MaxHVLeaf: 0x40000001}},
		{"KVM with kvmclock, TSC deadline and x2APIC", map[[2]uint32][4]uint32{
			{0, 0}:          {0x16},
			{1, 0}:          {0, 0, 1<<21 | 1<<24 | 1<<31},
			{0x40000000, 0}: kvmSig,
			{0x40000001, 0}: {1 << 3},
		}, Features{MaxLeaf: 0x16, TSCDeadline: true, X2APIC: true, Hypervisor: true, MaxHVLeaf: 0x40000001, KVMClock: true}},
		{"KVM without clocksource 2", map[[2]uint32][4]uint32{
			{0, 0}:          {1},
			{1, 0}:          {0, 0, 1 << 31},
			{0x40000000, 0}: kvmSig,
			{0x40000001, 0}: {1 << 0},
		}, Features{MaxLeaf: 1, Hypervisor: true, MaxHVLeaf: 0x40000001}},
		{"leaf 7 above the maximum is not read", map[[2]uint32][4]uint32{
			{0, 0}: {6},
			{7, 0}: {0, 1 << 18},
		}, Features{MaxLeaf: 6}},
		{"no hypervisor bit: the hypervisor leaves are not read", map[[2]uint32][4]uint32{
			{0, 0}:          {0xd},
			{0x40000000, 0}: kvmSig,
			{0x40000001, 0}: {1 << 3},
		}, Features{MaxLeaf: 0xd}},
	}
	for _, tt := range tests {
		f := &fakeCPUID{leaves: tt.leaves}
		if got := DecodeFeatures(f.cpuid); got != tt.want {
			t.Errorf("%s: DecodeFeatures = %+v, want %+v (leaves asked: %#x)", tt.name, got, tt.want, f.asked)
		}
	}
}

func TestDecodeNX(t *testing.T) {
	tests := []struct {
		name   string
		leaves map[[2]uint32][4]uint32
		want   bool
	}{
		{"NX", map[[2]uint32][4]uint32{{0x80000000, 0}: {0x80000008}, {0x80000001, 0}: {0, 0, 0, 1 << 20}}, true},
		{"no NX", map[[2]uint32][4]uint32{{0x80000000, 0}: {0x80000008}, {0x80000001, 0}: {0, 0, 0, 1 << 29}}, false},
		{"no extended leaf 1", map[[2]uint32][4]uint32{{0x80000000, 0}: {0x80000000}, {0x80000001, 0}: {0, 0, 0, 1 << 20}}, false},
	}
	for _, tt := range tests {
		f := &fakeCPUID{leaves: tt.leaves}
		if got := DecodeNX(f.cpuid); got != tt.want {
			t.Errorf("%s: DecodeNX = %v, want %v", tt.name, got, tt.want)
		}
	}
}
