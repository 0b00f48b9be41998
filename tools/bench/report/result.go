package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
)

// A Result is what was measured for one metric of one variant.
type Result struct {
	Variant, Metric, Unit string
	// Values holds one value per successful measurement, in the order
	// they were taken.
	Values []float64
	// Note explains missing values, e.g. "unavailable: no /dev/kvm" or
	// "failed: guest never answered". It may be set alongside Values
	// when only some rounds failed.
	Note string
}

// Median returns the median of r.Values (the mean of the two middle
// values for an even count), or NaN when there are none.
func (r Result) Median() float64 {
	n := len(r.Values)
	if n == 0 {
		return math.NaN()
	}
	s := slices.Clone(r.Values)
	slices.Sort(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Min returns the smallest of r.Values, or NaN when there are none.
func (r Result) Min() float64 {
	if len(r.Values) == 0 {
		return math.NaN()
	}
	return slices.Min(r.Values)
}

// Max returns the largest of r.Values, or NaN when there are none.
func (r Result) Max() float64 {
	if len(r.Values) == 0 {
		return math.NaN()
	}
	return slices.Max(r.Values)
}

// A Set collects the Results of a run. Variants and metrics keep the
// order in which they were first added. The zero Set is empty and ready
// to use; a Set is safe for concurrent use.
type Set struct {
	mu       sync.Mutex
	variants []string
	metrics  []string
	units    map[string]string // metric -> unit
	results  map[setKey]*Result
}

// NewSet returns an empty Set, the same as new(Set).
func NewSet() *Set { return new(Set) }

type setKey struct{ variant, metric string }

// result returns the Result for (variant, metric), creating it and
// registering the variant and metric if needed. It panics when metric
// was added before with another unit: a table row has a single unit.
func (s *Set) result(variant, metric, unit string) *Result {
	if s.results == nil {
		s.results = map[setKey]*Result{}
		s.units = map[string]string{}
	}
	if u, ok := s.units[metric]; !ok {
		s.units[metric] = unit
		s.metrics = append(s.metrics, metric)
	} else if u != unit {
		panic(fmt.Sprintf("report: metric %q added in %q, was %q", metric, unit, u))
	}
	if !slices.Contains(s.variants, variant) {
		s.variants = append(s.variants, variant)
	}
	k := setKey{variant, metric}
	r := s.results[k]
	if r == nil {
		r = &Result{Variant: variant, Metric: metric, Unit: unit}
		s.results[k] = r
	}
	return r
}

// Add records one measured value of metric, in unit, for variant.
// Every value of a metric must be in the same unit; Add panics
// otherwise.
func (s *Set) Add(variant, metric, unit string, v float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.result(variant, metric, unit)
	r.Values = append(r.Values, v)
}

// Fail records that metric could not be measured for variant, and why.
// Notes of repeated failures are joined with "; ", each distinct note
// once, so that a variant unavailable in every round says so once.
func (s *Set) Fail(variant, metric, unit, note string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.result(variant, metric, unit)
	switch {
	case note == "":
	case r.Note == "":
		r.Note = note
	case !slices.Contains(strings.Split(r.Note, noteSep), note):
		r.Note += noteSep + note
	}
}

const noteSep = "; "

// Get returns the Result for (variant, metric): a copy, which the
// caller may keep. A pair never added yields a Result with no Values
// and no Note (and the metric's unit, if the metric is known).
func (s *Set) Get(variant, metric string) Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.results[setKey{variant, metric}]; r != nil {
		c := *r
		c.Values = slices.Clone(r.Values)
		return c
	}
	return Result{Variant: variant, Metric: metric, Unit: s.units[metric]}
}

// Variants returns the variants in the order they were first added.
func (s *Set) Variants() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.variants)
}

// Metrics returns the metrics in the order they were first added.
func (s *Set) Metrics() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.metrics)
}

// Unit returns the unit of metric, or "" for an unknown metric.
func (s *Set) Unit(metric string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.units[metric]
}
