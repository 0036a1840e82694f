package synthsummary

import (
	"fmt"
	"strings"
)

// GridColumns is the width of a dashboard's grid: a widget's x and width
// are in these columns.
const GridColumns = 24

// Each grid column is this many characters of the drawing, each grid row
// one line.
const charsPerColumn = 3

// Layout draws the dashboard's grid as text: each widget a box at its x, y,
// width and height, holding its title (wrapped) and, on its last line, its
// place. Overlapping widgets, which CloudWatch does not draw either, make
// a muddle.
func (d Dashboard) Layout() string { return d.draw(1, true) }

// CompactLayout is Layout at half the height, without the places: the
// README's picture.
func (d Dashboard) CompactLayout() string { return d.draw(2, false) }

// draw draws the grid with scale grid rows to a line, each box saying its
// place when place is set.
func (d Dashboard) draw(scale int, place bool) string {
	rows := 0
	for _, w := range d.Widgets {
		rows = max(rows, (w.Y+w.Height)/scale)
	}
	width := GridColumns*charsPerColumn + 1
	canvas := make([][]byte, rows+1)
	for i := range canvas {
		canvas[i] = []byte(strings.Repeat(" ", width))
	}
	set := func(line, col int, c byte) {
		if line < len(canvas) && col < width {
			if c == '-' || c == '|' {
				// A corner another box drew stays a corner.
				if canvas[line][col] == '+' {
					return
				}
			}
			canvas[line][col] = c
		}
	}
	for _, w := range d.Widgets {
		left, right := w.X*charsPerColumn, (w.X+w.Width)*charsPerColumn
		top, bottom := w.Y/scale, (w.Y+w.Height)/scale
		for col := left + 1; col < right; col++ {
			set(top, col, '-')
			set(bottom, col, '-')
		}
		for line := top + 1; line < bottom; line++ {
			set(line, left, '|')
			set(line, right, '|')
		}
		for _, line := range []int{top, bottom} {
			set(line, left, '+')
			set(line, right, '+')
		}
		inner := right - left - 3 // a space each side
		text := wrap(title(w), inner)
		at := fmt.Sprintf("x=%d y=%d w=%d h=%d", w.X, w.Y, w.Width, w.Height)
		lines := bottom - top - 1
		if place && lines >= 2 {
			text = append(text[:min(len(text), lines-1)], make([]string, max(0, lines-1-len(text)))...)
			text = append(text, at)
		} else {
			text = text[:min(len(text), lines)]
		}
		for i, s := range text {
			copy(canvas[top+1+i][left+2:], s[:min(len(s), inner)])
		}
	}
	var b strings.Builder
	for _, line := range canvas {
		b.WriteString(strings.TrimRight(string(line), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// title is what a widget's box says first.
func title(w Widget) string {
	switch {
	case w.Properties.Title != "":
		return w.Properties.Title
	case w.Type == "text":
		return "(text)"
	}
	return "(" + w.Type + ")"
}

// wrap breaks s into lines of at most width bytes at spaces; a word
// longer than width is cut.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
