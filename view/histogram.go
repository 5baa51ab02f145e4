package view

import (
	"math"
	"strconv"
)

// histogram is the distribution of one score over an experiment's rows, as
// the bars of an SVG chart the template draws.
type histogram struct {
	Name   string
	Count  int
	Width  int
	Height int
	Bars   []bar
}

type bar struct {
	X, Y, W, H float64
	Count      int
	Label      string // the bin's range
}

const (
	histBins   = 10
	histWidth  = 300
	histHeight = 110
	histAxis   = 14 // room for the axis labels below the bars
)

// histogramOf bins score i of every row of ix into tenths of [0, 1].
func histogramOf(name string, ix *index, i int) histogram {
	counts := make([]int, histBins)
	h := histogram{Name: name, Width: histWidth, Height: histHeight}
	for j := range ix.items {
		v := ix.items[j].score(i)
		if math.IsNaN(v) {
			continue
		}
		b := int(v * histBins)
		b = max(0, min(b, histBins-1))
		counts[b]++
		h.Count++
	}
	top := 1
	for _, c := range counts {
		top = max(top, c)
	}
	w := float64(histWidth) / histBins
	plot := float64(histHeight - histAxis)
	for b, c := range counts {
		bh := plot * float64(c) / float64(top)
		if c > 0 {
			bh = max(bh, 1.5)
		}
		lo := float64(b) / histBins
		h.Bars = append(h.Bars, bar{X: float64(b)*w + 1, Y: plot - bh, W: w - 2, H: bh, Count: c,
			Label: strconv.FormatFloat(lo, 'f', 1, 64) + "–" + strconv.FormatFloat(lo+0.1, 'f', 1, 64)})
	}
	return h
}

func itoa(n int) string { return strconv.Itoa(n) }
