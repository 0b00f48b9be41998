package mm

// VMA is one mapped range [Start, End) with one protection.
type VMA struct {
	Start, End uintptr
	Prot       uint32
}

// MaxVMAs bounds the mappings of the one address space. The Go runtime
// makes a few dozen; adjacent mappings with the same protection merge.
const MaxVMAs = 1024

// VMAs is a sorted, non-overlapping set of mappings.
type VMAs struct {
	v [MaxVMAs]VMA
	n int
}

// Len is the number of mappings.
func (s *VMAs) Len() int { return s.n }

// At returns mapping i (in address order).
func (s *VMAs) At(i int) VMA { return s.v[i] }

// Find returns the index of the mapping containing addr.
func (s *VMAs) Find(addr uintptr) (int, bool) {
	lo, hi := 0, s.n
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case addr < s.v[m].Start:
			hi = m
		case addr >= s.v[m].End:
			lo = m + 1
		default:
			return m, true
		}
	}
	return lo, false
}

// Overlaps reports whether any mapping intersects [start, end).
func (s *VMAs) Overlaps(start, end uintptr) bool {
	i, found := s.Find(start)
	return found || (i < s.n && s.v[i].Start < end)
}

// Remove unmaps [start, end) from the set, splitting mappings it cuts.
// It returns false only when a split needs a slot and none is left.
func (s *VMAs) Remove(start, end uintptr) bool {
	i, _ := s.Find(start)
	for i < s.n && s.v[i].Start < end {
		v := s.v[i]
		switch {
		case v.Start < start && v.End > end: // cut out of the middle
			if s.n == MaxVMAs {
				return false
			}
			s.insertAt(i+1, VMA{Start: end, End: v.End, Prot: v.Prot})
			s.v[i].End = start
			return true
		case v.Start < start:
			s.v[i].End = start
			i++
		case v.End > end:
			s.v[i].Start = end
			return true
		default:
			s.deleteAt(i)
		}
	}
	return true
}

// Insert maps [start, end) with prot, replacing what was there and
// merging with equal neighbours.
func (s *VMAs) Insert(start, end uintptr, prot uint32) bool {
	if !s.Remove(start, end) {
		return false
	}
	i, _ := s.Find(start)
	if i > 0 && s.v[i-1].End == start && s.v[i-1].Prot == prot {
		s.v[i-1].End = end
		if i < s.n && s.v[i].Start == end && s.v[i].Prot == prot {
			s.v[i-1].End = s.v[i].End
			s.deleteAt(i)
		}
		return true
	}
	if i < s.n && s.v[i].Start == end && s.v[i].Prot == prot {
		s.v[i].Start = start
		return true
	}
	if s.n == MaxVMAs {
		return false
	}
	s.insertAt(i, VMA{Start: start, End: end, Prot: prot})
	return true
}

// FreeRange finds the highest gap of size bytes inside [lo, hi).
func (s *VMAs) FreeRange(size, lo, hi uintptr) (uintptr, bool) {
	top := hi
	for i := s.n - 1; i >= -1; i-- {
		bottom := lo
		if i >= 0 {
			if s.v[i].Start >= top {
				continue
			}
			if s.v[i].End > bottom {
				bottom = s.v[i].End
			}
		}
		if top >= bottom && top-bottom >= size {
			return top - size, true
		}
		if i >= 0 {
			top = s.v[i].Start
			if top <= lo {
				break
			}
		}
	}
	return 0, false
}

func (s *VMAs) insertAt(i int, v VMA) {
	copy(s.v[i+1:s.n+1], s.v[i:s.n])
	s.v[i] = v
	s.n++
}

func (s *VMAs) deleteAt(i int) {
	copy(s.v[i:s.n-1], s.v[i+1:s.n])
	s.n--
}
