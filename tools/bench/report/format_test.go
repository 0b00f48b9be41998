package report

import (
	"math"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	const s = ThousandsSep
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{1, "1.00"},
		{1.5, "1.50"},
		{6.61, "6.61"},
		{6.615, "6.62"}, // 6.615 is 6.6150000000000002131628…
		{12.34, "12.3"},
		{99.96, "100"},
		{154.88, "155"},
		{999.4, "999"},
		{999.6, "1" + s + "000"},
		{1031.02, "1" + s + "030"},
		{18589.92, "18" + s + "600"},
		{123456, "123" + s + "000"},
		{1234567, "1" + s + "230" + s + "000"},
		{0.0671, "0.0671"},
		{0.00012345, "0.000123"},
		{-1234.5, "-1" + s + "230"},
		{-0.5, "-0.500"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "∞"},
		{math.Inf(-1), "-∞"},
	}
	for _, tt := range tests {
		if got := Format(tt.v); got != tt.want {
			t.Errorf("Format(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestFormatExact(t *testing.T) {
	const s = ThousandsSep
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{148, "148"},
		{1234, "1" + s + "234"},
		{4718592, "4" + s + "718" + s + "592"},
		{-20420, "-20" + s + "420"},
		{12.345, "12.3"}, // not an integer: three significant digits
		{1e20, "100" + s + "000" + s + "000" + s + "000" + s + "000" + s + "000" + s + "000"},
	}
	for _, tt := range tests {
		if got := FormatExact(tt.v); got != tt.want {
			t.Errorf("FormatExact(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestGroup(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1", "1"},
		{"999", "999"},
		{"1000", "1,000"},
		{"12345.678", "12,345.678"},
		{"-123456", "-123,456"},
		{"1e+06", "1e+06"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := group(tt.in, ","); got != tt.want {
			t.Errorf("group(%q, \",\") = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := formatSig(18589.92, " "); strings.Contains(got, ThousandsSep) || got != "18 600" {
		t.Errorf(`formatSig(18589.92, " ") = %q, want "18 600"`, got)
	}
}
