package report

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Chart geometry: 16 cm × 9 cm at 254 dpi, that is 1600 × 900 pixels.
const (
	ChartWidth  = 16 * vg.Centimeter
	ChartHeight = 9 * vg.Centimeter
	ChartDPI    = 254
)

// BarChart writes a PNG chart of metric to path: one bar per variant at
// the median, with the min–max range as an error bar and the median
// printed above it. A variant without a value keeps its place on the x
// axis, marked "no value", and its Note is listed under the axis, as
// are the notes of variants that failed only some rounds.
func BarChart(path, title, unit string, s *Set, metric string) error {
	return GroupedBarChart(path, title, unit, s, []string{metric})
}

// GroupedBarChart writes a PNG chart of several metrics sharing unit to
// path: one group of bars per metric, one bar per variant in each group,
// coloured by variant as the legend says. Bars, ranges and notes are as
// in BarChart. With a single metric it draws BarChart's chart.
func GroupedBarChart(path, title, unit string, s *Set, metrics []string) error {
	p, err := chart(title, unit, s, metrics)
	if err != nil {
		return err
	}
	return savePNG(p, path)
}

// A bar is one variant's result in data coordinates.
type bar struct {
	x, width      float64
	med, min, max float64
	color         color.Color
}

// bars draws bars from 0 to their median, each with a min–max error
// bar: like plotter.BarChart with plotter.YErrorBars, but placed and
// sized in data units, so that grouped bars and their error bars line
// up whatever the canvas.
type bars []bar

func (bs bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	errStyle := draw.LineStyle{Color: color.Black, Width: vg.Points(1)}
	for _, b := range bs {
		x0, x1 := trX(b.x-b.width/2), trX(b.x+b.width/2)
		y0, y1 := trY(0), trY(b.med)
		c.FillPolygon(b.color, c.ClipPolygonXY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}))
		if b.min == b.max {
			continue
		}
		x, w := trX(b.x), (x1-x0)/4
		lo, hi := trY(b.min), trY(b.max)
		c.StrokeLine2(errStyle, x, lo, x, hi)
		c.StrokeLine2(errStyle, x-w, lo, x+w, lo)
		c.StrokeLine2(errStyle, x-w, hi, x+w, hi)
	}
}

func (bs bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), 0, 0
	for _, b := range bs {
		xmin = math.Min(xmin, b.x-b.width/2)
		xmax = math.Max(xmax, b.x+b.width/2)
		ymin = math.Min(ymin, b.min)
		ymax = math.Max(ymax, b.max)
	}
	return xmin, xmax, ymin, ymax
}

// swatch is a legend thumbnail: a filled box, or nothing.
type swatch struct{ color color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	if s.color == nil {
		return
	}
	r := c.Rectangle
	c.FillPolygon(s.color, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
}

// chartSep separates thousands in chart labels.
const chartSep = ThousandsSep

// maxNote is the longest note, in runes, printed on a chart.
const maxNote = 90

func chart(title, unit string, s *Set, metrics []string) (*plot.Plot, error) {
	variants := s.Variants()
	if len(variants) == 0 || len(metrics) == 0 {
		return nil, fmt.Errorf("chart %q: nothing to draw", title)
	}
	known := s.Metrics()
	for _, m := range metrics {
		if !slices.Contains(known, m) {
			return nil, fmt.Errorf("chart %q: no metric %q", title, m)
		}
	}
	grouped := len(metrics) > 1
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = unit

	// Slots on the x axis are one unit apart: one per variant for a
	// single metric, else one per metric holding a bar per variant.
	barWidth := 0.6
	if grouped {
		barWidth = 0.8 / float64(len(variants))
	}
	var (
		bs     bars
		labels plotter.XYLabels
		ticks  []string
		// notes[variant] holds {metric, note} for each metric with a note.
		notes   = map[string][][2]string{}
		missing = map[string]bool{} // variants with no value at all
	)
	for _, v := range variants {
		missing[v] = true
	}
	for mi, m := range metrics {
		for vi, v := range variants {
			r := s.Get(v, m)
			if r.Note != "" {
				notes[v] = append(notes[v], [2]string{m, r.Note})
			}
			if len(r.Values) == 0 {
				if !grouped {
					ticks = append(ticks, v+"\n(no value)")
				}
				continue
			}
			missing[v] = false
			if !grouped {
				ticks = append(ticks, v)
			}
			x := float64(vi)
			if grouped {
				x = float64(mi) + (float64(vi)-float64(len(variants)-1)/2)*barWidth
			}
			b := bar{x: x, width: barWidth, med: r.Median(), min: r.Min(), max: r.Max(), color: plotutil.Color(vi)}
			bs = append(bs, b)
			labels.XYs = append(labels.XYs, plotter.XY{X: b.x, Y: math.Max(b.max, 0)})
			labels.Labels = append(labels.Labels, formatSig(b.med, chartSep))
		}
		if grouped {
			ticks = append(ticks, m)
		}
	}
	p.NominalX(ticks...)
	if len(bs) > 0 {
		p.Add(bs)
		l, err := plotter.NewLabels(labels)
		if err != nil {
			return nil, err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].XAlign = draw.XCenter
			l.TextStyle[i].YAlign = draw.YBottom
			if grouped && len(variants) > 3 {
				l.TextStyle[i].Font.Size = vg.Points(7)
			}
		}
		l.Offset = vg.Point{Y: vg.Points(2)}
		p.Add(l)
	}
	if grouped {
		for vi, v := range variants {
			name := v
			if missing[v] {
				p.Legend.Add(name+" (no value)", swatch{})
			} else {
				p.Legend.Add(name, swatch{plotutil.Color(vi)})
			}
		}
		p.Legend.Top = true
		p.Legend.TextStyle.Font.Size = vg.Points(9)
	}
	// A fixed x range keeps slots in place whatever is missing, and the
	// y range starts at 0, with room above for labels and the legend.
	p.X.Min, p.X.Max = -0.5, float64(len(ticks))-0.5
	p.Y.Min = math.Min(p.Y.Min, 0)
	if !(p.Y.Max > p.Y.Min) { // nothing, or only zeros, to draw
		p.Y.Max = p.Y.Min + 1
	}
	if grouped {
		p.Y.Max += (p.Y.Max - p.Y.Min) * 0.25
	}
	p.Y.Tick.Marker = sepTicks{}
	if lines := noteLines(variants, metrics, notes); len(lines) > 0 {
		p.X.Label.Text = strings.Join(lines, "\n")
		p.X.Label.TextStyle.Font.Size = vg.Points(8)
	}
	return p, nil
}

// sepTicks are the default ticks labelled with Format's rounding and
// separators.
type sepTicks struct{}

func (sepTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = group(ts[i].Label, chartSep)
		}
	}
	return ts
}

func savePNG(p *plot.Plot, path string) error {
	c := vgimg.NewWith(vgimg.UseWH(ChartWidth, ChartHeight), vgimg.UseDPI(ChartDPI))
	p.Draw(draw.New(c))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// noteLines returns the lines listing notes under a chart's x axis:
// "variant: note" when a variant has the same note for every metric,
// else "variant, metric: note" for each.
func noteLines(variants, metrics []string, notes map[string][][2]string) []string {
	var lines []string
	for _, v := range variants {
		ns := notes[v]
		if len(ns) == 0 {
			continue
		}
		same := len(ns) == len(metrics)
		for _, n := range ns {
			same = same && n[1] == ns[0][1]
		}
		if same {
			lines = append(lines, v+": "+truncate(ns[0][1], maxNote))
			continue
		}
		for _, n := range ns {
			lines = append(lines, v+", "+n[0]+": "+truncate(n[1], maxNote))
		}
	}
	return lines
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
