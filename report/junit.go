package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

func init() {
	Reporters.Register(Reporter{Name: "junit", Flag: true, Usage: "write a JUnit XML report to FILE (a testcase per case)",
		Write: func(w io.Writer, runs []Run) error {
			suites := make([]Suite, len(runs))
			for i, r := range runs {
				suites[i] = Suite{Summary: r.Summary, Cases: Cases(r.Rows, r.Reduction)}
			}
			return WriteJUnit(w, suites...)
		}})
}

// Suite is one eval of a JUnit report: its summary and its cases.
type Suite struct {
	Summary *Summary
	Cases   CaseSource
}

type junitMessage struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

type junitCase struct {
	XMLName   xml.Name      `xml:"testcase"`
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Error     *junitMessage `xml:"error,omitempty"`
	Failure   *junitMessage `xml:"failure,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitProperties struct {
	XMLName  xml.Name        `xml:"properties"`
	Property []junitProperty `xml:"property"`
}

// junitCounts are the totals of a testsuite or of the report.
type junitCounts struct {
	tests, failures, errors int
	time                    float64
}

func (c junitCounts) attrs() []xml.Attr {
	return []xml.Attr{
		{Name: xml.Name{Local: "tests"}, Value: strconv.Itoa(c.tests)},
		{Name: xml.Name{Local: "failures"}, Value: strconv.Itoa(c.failures)},
		{Name: xml.Name{Local: "errors"}, Value: strconv.Itoa(c.errors)},
		{Name: xml.Name{Local: "time"}, Value: seconds(c.time)},
	}
}

// WriteJUnit writes a JUnit XML report, in the layout CI systems read (the
// Jenkins/Ant "junit-4" schema): a <testsuites> holding one <testsuite> per
// eval, named after it, with its experiment, base and score means as
// properties. Each case is a <testcase> named by its id, with the eval as
// classname and the sum of its trials' durations as time; it holds an
// <error> when a trial's task failed (the message is the first error), or a
// <failure> when the case did not pass (the message lists its reduced
// scores). Each threshold and gate of the summary is a testcase too, of
// classname EVAL.checks, failing when the check failed.
//
// The counts of a testsuite come before its testcases, so each suite's
// Cases are read twice: once to count, once to write.
func WriteJUnit(w io.Writer, suites ...Suite) error {
	counts := make([]junitCounts, len(suites))
	var total junitCounts
	for i, s := range suites {
		c := &counts[i]
		err := s.Cases(func(cr *CaseResult) error {
			c.tests++
			switch {
			case cr.Errored:
				c.errors++
			case !cr.Passed:
				c.failures++
			}
			c.time += cr.Duration
			return nil
		})
		if err != nil {
			return fmt.Errorf("writing the JUnit report of %s: %w", s.Summary.Eval, err)
		}
		for _, ch := range s.Summary.Checks {
			c.tests++
			if !ch.Passed {
				c.failures++
			}
		}
		if s.Summary.Duration > 0 {
			c.time = s.Summary.Duration
		}
		total.tests += c.tests
		total.failures += c.failures
		total.errors += c.errors
		total.time += c.time
	}

	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	root := xml.StartElement{Name: xml.Name{Local: "testsuites"},
		Attr: append([]xml.Attr{{Name: xml.Name{Local: "name"}, Value: "caliper"}}, total.attrs()...)}
	err := enc.EncodeToken(xml.ProcInst{Target: "xml", Inst: []byte(`version="1.0" encoding="UTF-8"`)})
	if err == nil {
		err = enc.EncodeToken(root)
	}
	for i, s := range suites {
		if err != nil {
			break
		}
		err = writeJUnitSuite(enc, s, counts[i])
	}
	if err == nil {
		err = enc.EncodeToken(root.End())
	}
	if err == nil {
		err = enc.Flush()
	}
	if err == nil {
		_, err = io.WriteString(w, "\n")
	}
	if err != nil {
		return fmt.Errorf("writing the JUnit report: %w", err)
	}
	return nil
}

func writeJUnitSuite(enc *xml.Encoder, s Suite, c junitCounts) error {
	sum := s.Summary
	start := xml.StartElement{Name: xml.Name{Local: "testsuite"},
		Attr: append([]xml.Attr{{Name: xml.Name{Local: "name"}, Value: sum.Eval}}, c.attrs()...)}
	start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "skipped"}, Value: "0"})
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	if props := junitProps(sum); len(props.Property) > 0 {
		if err := enc.Encode(props); err != nil {
			return err
		}
	}
	order := make([]string, len(sum.Scores))
	for i, sc := range sum.Scores {
		order[i] = sc.Name
	}
	err := s.Cases(func(cr *CaseResult) error {
		tc := junitCase{Name: cr.ID, Classname: sum.Eval, Time: seconds(cr.Duration)}
		switch {
		case cr.Errored:
			tc.Error = &junitMessage{Message: firstLine(cr.Error), Type: "error", Text: cr.Error}
		case !cr.Passed:
			scores := caseScores(cr.Scores, order)
			f := &junitMessage{Message: scores, Type: "failed",
				Text: fmt.Sprintf("scores over %d %s: %s", cr.Trials, plural(cr.Trials, "trial"), scores)}
			for _, e := range []string{cr.ScorerError, cr.PassError} {
				if e != "" {
					f.Message += "; " + firstLine(e)
					f.Text += "\n" + e
				}
			}
			tc.Failure = f
		}
		return enc.Encode(tc)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", sum.Eval, err)
	}
	for _, ch := range sum.Checks {
		tc := junitCase{Name: ch.Kind + " " + ch.Name, Classname: sum.Eval + ".checks", Time: "0"}
		if !ch.Passed {
			tc.Failure = &junitMessage{Message: ch.Detail, Type: ch.Kind, Text: ch.Kind + " " + ch.Name + ": " + ch.Detail}
		}
		if err := enc.Encode(tc); err != nil {
			return err
		}
	}
	return enc.EncodeToken(start.End())
}

func junitProps(s *Summary) junitProperties {
	var p junitProperties
	add := func(name, value string) {
		p.Property = append(p.Property, junitProperty{Name: name, Value: value})
	}
	add("experiment", s.Experiment)
	if s.Status != "" {
		add("status", s.Status)
	}
	for _, sc := range s.Scores {
		add("score."+sc.Name+".mean", strconv.FormatFloat(sc.Mean, 'f', 4, 64))
	}
	if c := s.Comparison; c != nil {
		add("base", c.Base)
		add("paired_cases", strconv.Itoa(c.Paired))
		for _, d := range c.Scores {
			if d.Paired > 0 {
				add("score."+d.Name+".diff", strconv.FormatFloat(d.Diff, 'f', 4, 64))
				add("score."+d.Name+".significant_regression", strconv.FormatBool(d.SignificantRegression))
			}
		}
	}
	return p
}

// caseScores lists a case's scores, in the summary's order, then by name.
func caseScores(scores map[string]float64, order []string) string {
	names := make([]string, 0, len(scores))
	for n := range scores {
		if !slices.Contains(order, n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var parts []string
	for _, n := range append(slices.Clone(order), names...) {
		if v, ok := scores[n]; ok {
			parts = append(parts, fmt.Sprintf("%s=%.3f", n, v))
		}
	}
	if len(parts) == 0 {
		return "no scores"
	}
	return strings.Join(parts, " ")
}

func seconds(s float64) string {
	return strconv.FormatFloat(max(s, 0), 'f', 3, 64)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if len(line) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		line = line[:cut] + "…"
	}
	return line
}
