package report

import (
	"math"
	"slices"
	"testing"
)

// same reports whether a and b are equal, counting NaN equal to NaN.
func same(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

func TestResultStats(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		values           []float64
		median, min, max float64
	}{
		{nil, nan, nan, nan},
		{[]float64{}, nan, nan, nan},
		{[]float64{7}, 7, 7, 7},
		{[]float64{3, 1}, 2, 1, 3},
		{[]float64{5, 1, 3}, 3, 1, 5},
		{[]float64{4, 1, 3, 2}, 2.5, 1, 4},
		{[]float64{10, -2, 7, 7, 100}, 7, -2, 100},
		{[]float64{0.5, 0.25, 0.75, 1.5, 1, 2}, 0.875, 0.25, 2},
	}
	for _, tt := range tests {
		r := Result{Values: slices.Clone(tt.values)}
		if got := r.Median(); !same(got, tt.median) {
			t.Errorf("Result{%v}.Median() = %v, want %v", tt.values, got, tt.median)
		}
		if got := r.Min(); !same(got, tt.min) {
			t.Errorf("Result{%v}.Min() = %v, want %v", tt.values, got, tt.min)
		}
		if got := r.Max(); !same(got, tt.max) {
			t.Errorf("Result{%v}.Max() = %v, want %v", tt.values, got, tt.max)
		}
		if !slices.Equal(r.Values, tt.values) {
			t.Errorf("Result{%v}: statistics reordered Values to %v", tt.values, r.Values)
		}
	}
}

func TestSetOrderAndGet(t *testing.T) {
	s := NewSet()
	s.Add("unigo", "cold start", "ms", 12)
	s.Add("container", "cold start", "ms", 40)
	s.Add("container", "rps", "req/s", 1000)
	s.Fail("linux-vm", "cold start", "ms", "failed: guest never answered")
	s.Add("unigo", "cold start", "ms", 10)
	s.Add("unigo", "rps", "req/s", 2000)

	if got, want := s.Variants(), []string{"unigo", "container", "linux-vm"}; !slices.Equal(got, want) {
		t.Errorf("Variants() = %q, want %q", got, want)
	}
	if got, want := s.Metrics(), []string{"cold start", "rps"}; !slices.Equal(got, want) {
		t.Errorf("Metrics() = %q, want %q", got, want)
	}
	if got := s.Unit("rps"); got != "req/s" {
		t.Errorf(`Unit("rps") = %q, want "req/s"`, got)
	}
	if got := s.Unit("nope"); got != "" {
		t.Errorf(`Unit("nope") = %q, want ""`, got)
	}

	tests := []struct {
		variant, metric string
		want            Result
	}{
		{"unigo", "cold start", Result{Variant: "unigo", Metric: "cold start", Unit: "ms", Values: []float64{12, 10}}},
		{"container", "rps", Result{Variant: "container", Metric: "rps", Unit: "req/s", Values: []float64{1000}}},
		{"linux-vm", "cold start", Result{Variant: "linux-vm", Metric: "cold start", Unit: "ms", Note: "failed: guest never answered"}},
		// Never added: empty, with the metric's unit.
		{"linux-vm", "rps", Result{Variant: "linux-vm", Metric: "rps", Unit: "req/s"}},
		{"native", "size", Result{Variant: "native", Metric: "size"}},
	}
	for _, tt := range tests {
		got := s.Get(tt.variant, tt.metric)
		if got.Variant != tt.want.Variant || got.Metric != tt.want.Metric || got.Unit != tt.want.Unit ||
			got.Note != tt.want.Note || !slices.Equal(got.Values, tt.want.Values) {
			t.Errorf("Get(%q, %q) = %+v, want %+v", tt.variant, tt.metric, got, tt.want)
		}
	}

	// Get returns a copy.
	r := s.Get("unigo", "cold start")
	r.Values[0] = -1
	if got := s.Get("unigo", "cold start").Values[0]; got != 12 {
		t.Errorf("after changing a Get result, Get(unigo, cold start).Values[0] = %v, want 12", got)
	}
	v := s.Variants()
	v[0] = "changed"
	if got := s.Variants()[0]; got != "unigo" {
		t.Errorf("after changing Variants(), Variants()[0] = %q, want unigo", got)
	}
}

func TestSetFailNotes(t *testing.T) {
	tests := []struct {
		name  string
		notes []string
		want  string
	}{
		{"one", []string{"unavailable: no /dev/kvm"}, "unavailable: no /dev/kvm"},
		{"repeated once per round", []string{"unavailable: no /dev/kvm", "unavailable: no /dev/kvm", "unavailable: no /dev/kvm"}, "unavailable: no /dev/kvm"},
		{"distinct", []string{"failed: timeout", "failed: exit 1", "failed: timeout"}, "failed: timeout; failed: exit 1"},
		{"empty ignored", []string{"", "failed: x", ""}, "failed: x"},
	}
	for _, tt := range tests {
		var s Set
		for _, n := range tt.notes {
			s.Fail("v", "m", "ms", n)
		}
		if got := s.Get("v", "m").Note; got != tt.want {
			t.Errorf("%s: Fail(%q...) then Get().Note = %q, want %q", tt.name, tt.notes, got, tt.want)
		}
	}

	// A note alongside values: some rounds failed.
	var s Set
	s.Add("v", "m", "ms", 1)
	s.Fail("v", "m", "ms", "failed: round 2")
	s.Add("v", "m", "ms", 3)
	r := s.Get("v", "m")
	if !slices.Equal(r.Values, []float64{1, 3}) || r.Note != "failed: round 2" {
		t.Errorf("Add, Fail, Add: Get = %+v, want Values [1 3] and Note %q", r, "failed: round 2")
	}
}

func TestSetUnitMismatchPanics(t *testing.T) {
	var s Set
	s.Add("v", "m", "ms", 1)
	defer func() {
		if recover() == nil {
			t.Errorf(`Add("v", "m", "s", 1) after unit "ms" did not panic`)
		}
	}()
	s.Add("v", "m", "s", 1)
}
