package view

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strings"
	"time"
)

// funcs are the helpers the templates use; none returns markup.
var funcs = template.FuncMap{
	"score":      fmtScore,
	"scoreClass": scoreClass,
	"signed":     signed,
	"diffClass":  diffClass,
	"expURL":     expURL,
	"caseURL":    caseURL,
	"casesURL":   casesURL,
	"pretty":     prettyJSON,
	"short":      shortCommit,
	"when":       fmtTime,
	"metric":     fmtMetric,
	"cutText":    cut,
	"nan":        math.IsNaN,
	"add":        func(a, b int) int { return a + b },
	"pct":        func(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) },
	"seconds":    fmtDuration,
	"ns":         func(ns float64) string { return fmtDuration(ns / 1e9) },
}

func fmtScore(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.3f", v)
}

// scoreClass colours a score from red (0) through amber to green (1).
func scoreClass(v float64) string {
	switch {
	case math.IsNaN(v):
		return "s-none"
	case v >= 0.8:
		return "s-hi"
	case v >= 0.5:
		return "s-mid"
	default:
		return "s-lo"
	}
}

func signed(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	if math.Abs(v) < 5e-4 {
		return "±0.000"
	}
	return fmt.Sprintf("%+.3f", v)
}

func diffClass(v float64) string {
	switch {
	case math.IsNaN(v) || math.Abs(v) < 5e-4:
		return "d-none"
	case v > 0:
		return "d-up"
	default:
		return "d-down"
	}
}

func expURL(id string) string { return "/e/" + url.PathEscape(id) }

func caseURL(expID, caseID string) string {
	return "/e/" + url.PathEscape(expID) + "/cases/" + url.PathEscape(caseID)
}

// casesURL is the cases page of an experiment with query parameters given
// as name, value pairs.
func casesURL(expID string, kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	u := "/e/" + url.PathEscape(expID) + "/cases"
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

// prettyJSON indents a JSON value; a JSON string is shown as its text.
func prettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s
	}
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") != nil {
		return string(raw)
	}
	return buf.String()
}

func shortCommit(c string) string {
	if len(c) > 8 {
		return c[:8]
	}
	return c
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04")
}

// fmtMetric shows a metric in its unit: seconds, dollars or a count.
func fmtMetric(name string, v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case strings.Contains(name, "duration"):
		return fmtDuration(v)
	case strings.Contains(name, "cost"):
		if v != 0 && math.Abs(v) < 0.01 {
			return "$" + strings.TrimRight(fmt.Sprintf("%.6f", v), "0")
		}
		return fmt.Sprintf("$%.4f", v)
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

func fmtDuration(sec float64) string {
	switch {
	case sec < 1e-3:
		return fmt.Sprintf("%.0fµs", sec*1e6)
	case sec < 1:
		return fmt.Sprintf("%.0fms", sec*1e3)
	case sec < 120:
		return fmt.Sprintf("%.2fs", sec)
	default:
		return (time.Duration(sec * 1e9)).Round(time.Second).String()
	}
}

func urlQuery(s string) string { return url.QueryEscape(s) }
