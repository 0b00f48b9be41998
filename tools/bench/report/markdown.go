package report

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
	"unicode"
)

// An Option adjusts Markdown and Document.
type Option func(*options)

type options struct {
	variants, metrics []string
	sep               string
	at                time.Time
}

func makeOptions(s *Set, opts []Option) options {
	o := options{sep: ThousandsSep}
	for _, f := range opts {
		f(&o)
	}
	if o.variants == nil {
		o.variants = s.Variants()
	}
	if o.metrics == nil {
		o.metrics = s.Metrics()
	}
	if o.at.IsZero() {
		o.at = time.Now()
	}
	return o
}

// Variants sets the table's columns and their order, instead of the
// Set's variants in the order they were added.
func Variants(names ...string) Option { return func(o *options) { o.variants = names } }

// Metrics sets the table's rows and their order, instead of the Set's
// metrics in the order they were added.
func Metrics(names ...string) Option { return func(o *options) { o.metrics = names } }

// Separator sets the thousands separator, ThousandsSep by default.
func Separator(sep string) Option { return func(o *options) { o.sep = sep } }

// At sets the date Document prints, time.Now() by default.
func At(t time.Time) Option { return func(o *options) { o.at = t } }

// Markdown writes s as a GitHub-flavoured markdown table: one row per
// metric, labelled "metric (unit)", one column per variant. A cell
// holds "median (min–max)" of the values, each to three significant
// digits (Format). In a row where no cell has more than one value
// (sizes, counts) a cell holds just the value, in full when it is an
// integer (FormatExact). A Note is printed in italics, after the value
// if there is one; a cell with neither is "—".
func Markdown(w io.Writer, s *Set, opts ...Option) error {
	return markdown(w, s, makeOptions(s, opts))
}

func markdown(w io.Writer, s *Set, o options) error {
	bw := bufio.NewWriter(w)
	row := func(cells []string) {
		bw.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	head := []string{"metric"}
	rule := []string{":--"}
	for _, v := range o.variants {
		head = append(head, escape(v))
		rule = append(rule, "--:")
	}
	row(head)
	row(rule)
	for _, m := range o.metrics {
		label := escape(m)
		if u := s.Unit(m); u != "" {
			label += " (" + escape(u) + ")"
		}
		rs := make([]Result, len(o.variants))
		single := true
		for i, v := range o.variants {
			rs[i] = s.Get(v, m)
			if len(rs[i].Values) > 1 {
				single = false
			}
		}
		cells := []string{label}
		for _, r := range rs {
			cells = append(cells, cell(r, single, o.sep))
		}
		row(cells)
	}
	return bw.Flush()
}

// cell formats one Result for the table.
func cell(r Result, single bool, sep string) string {
	var parts []string
	switch {
	case len(r.Values) == 0:
	case single:
		parts = append(parts, formatExact(r.Values[0], sep))
	default:
		parts = append(parts, fmt.Sprintf("%s (%s–%s)",
			formatSig(r.Median(), sep), formatSig(r.Min(), sep), formatSig(r.Max(), sep)))
	}
	if r.Note != "" {
		parts = append(parts, "*"+escape(r.Note)+"*")
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, " ")
}

// escape makes s literal text in a markdown table cell or list item.
// It leaves alone what GitHub would print as is anyway, such as the
// underscore inside x86_64, to keep the file readable as text.
func escape(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch r {
		case '\\', '*', '`', '|', '[', ']', '<':
			b.WriteByte('\\')
		case '_':
			if i == 0 || i == len(rs)-1 || !isWordRune(rs[i-1]) || !isWordRune(rs[i+1]) {
				b.WriteByte('\\')
			}
		case '\n', '\r':
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// Document writes a whole results file: the title, the date, the
// machine, the results table (see Markdown), the charts as images at
// the given paths (relative to the results file) and the exact commands
// that produced it, in a code block. Options are those of Markdown; At
// sets the date.
func Document(w io.Writer, title string, machine Machine, commands []string, s *Set, charts []string, opts ...Option) error {
	o := makeOptions(s, opts)
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# %s\n\n", title)
	fmt.Fprintf(bw, "Run on %s.\n\n", o.at.Format("2006-01-02 15:04 MST"))
	bw.WriteString("## Machine\n\n")
	for _, kv := range machine.lines() {
		fmt.Fprintf(bw, "- %s: %s\n", kv[0], escape(kv[1]))
	}
	bw.WriteString("\n## Results\n\n")
	bw.WriteString("Each cell is the median (min–max) of the rounds that succeeded; " +
		"a row measured once shows the value alone. " +
		"Italics say why a value is missing.\n\n")
	if err := markdown(bw, s, o); err != nil {
		return err
	}
	if len(charts) > 0 {
		bw.WriteString("\n## Charts\n")
		for _, c := range charts {
			alt := strings.TrimSuffix(path.Base(c), path.Ext(c))
			dest := c
			if strings.ContainsAny(c, " ()<>") {
				dest = "<" + c + ">"
			}
			fmt.Fprintf(bw, "\n![%s](%s)\n", escape(alt), dest)
		}
	}
	if len(commands) > 0 {
		fence := strings.Repeat("`", max(3, longestRun(commands, '`')+1))
		fmt.Fprintf(bw, "\n## Commands\n\n%ssh\n", fence)
		for _, c := range commands {
			bw.WriteString(c + "\n")
		}
		bw.WriteString(fence + "\n")
	}
	return bw.Flush()
}

// longestRun returns the length of the longest run of c in any of ss.
func longestRun(ss []string, c byte) int {
	best := 0
	for _, s := range ss {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] == c {
				n++
				best = max(best, n)
			} else {
				n = 0
			}
		}
	}
	return best
}
