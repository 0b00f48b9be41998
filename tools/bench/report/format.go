package report

import (
	"math"
	"strconv"
	"strings"
)

// ThousandsSep separates groups of three digits in numbers of 1000 and
// more: U+202F NARROW NO-BREAK SPACE, the SI's thin space, which keeps
// a number on one line inside a table cell.
const ThousandsSep = "\u202f"

// Format returns v rounded to three significant digits, with groups of
// thousands separated by ThousandsSep: 0.0123, 1.23, 12.3, 123,
// 1 230, 12 300. Trailing zeros within the three digits are kept
// (1.50), so the precision reads off the number.
func Format(v float64) string { return formatSig(v, ThousandsSep) }

// FormatExact returns v in full when it is an integer (a count, a size
// in bytes) with thousands separated, and Format(v) otherwise.
func FormatExact(v float64) string { return formatExact(v, ThousandsSep) }

func formatSig(v float64, sep string) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "-∞"
	case v == 0:
		return "0"
	}
	// 'e' with precision 2 rounds correctly to three significant digits
	// and tells the decimal exponent after rounding (999.6 -> 1.00e+03).
	e := strconv.FormatFloat(v, 'e', 2, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	r, _ := strconv.ParseFloat(e, 64)
	return group(strconv.FormatFloat(r, 'f', max(0, 2-exp), 64), sep)
}

func formatExact(v float64, sep string) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return group(strconv.FormatFloat(v, 'f', 0, 64), sep)
	}
	return formatSig(v, sep)
}

// group inserts sep between groups of three digits of the integer part
// of the decimal number s, when it has four digits or more. Other
// strings (1e+06) are returned unchanged.
func group(s, sep string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	if len(intPart) < 4 || strings.Trim(intPart, "0123456789") != "" {
		return sign + s
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, d := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	b.WriteString(frac)
	return b.String()
}
