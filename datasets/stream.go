package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"

	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr"
)

// Options configure how a stream reads and maps its rows.
type Options struct {
	// Parameters are the eval's parameter values, seen as `parameters` by the
	// data.fields and data.filter expressions.
	Parameters map[string]any
	// ExprOptions add functions to the expressions (the implementations of
	// a registry's helpers, scorers.Registry.ExprOptions); they are passed to spec.Expr.Compile.
	ExprOptions []expr.Option
	// Warn receives warnings, such as a malformed row skipped under
	// data.on_error: skip. Nil drops them.
	Warn func(msg string)
	// Datasets opens the store datasets that data.dataset names. Nil means
	// there is no store, and an eval that reads a store dataset fails to open.
	Datasets DatasetSource
	// Experiments opens the stored experiments that data.experiment names.
	// Nil means there is no store.
	Experiments ExperimentSource
	// Display turns a file's absolute path into the name messages and
	// Case.Source use, such as a path relative to the working directory. Nil
	// shows paths as they are in spec.Data.
	Display func(path string) string
}

// Stream yields the cases of an eval one at a time, reading its rows as it
// goes: it holds no rows, except for a sample, which holds at most its size,
// only hashes of the ids it gave out, so that a case id given twice is an
// error naming both rows. Those take at most 4 MB of memory, then about 1.6
// bytes an id beyond the first 131,072, and 24 bytes an id in temporary files
// in os.TempDir() (see idSet), removed when the stream ends or is closed. A
// Stream is not safe for concurrent use.
//
// Rows are mapped into cases (data.fields), then filtered (data.filter), then
// limited (data.limit): reading stops once the limit is reached. With
// data.sample, every filtered row is read and a seeded sample of
// min(size, limit) cases is kept, and given out in the order of the rows.
type Stream struct {
	ctx     context.Context
	src     rowSource
	m       *mapper
	filter  *program
	skip    bool
	warn    func(string)
	limit   int
	emitted int
	skipped int
	sample  *sampler
	sampled []Case
	ids     *idSet // the ids given out, so that none is given twice
	err     error  // sticky: io.EOF at the end, or what stopped the stream
}

var errClosed = errors.New("reading a closed dataset stream")

// Open compiles the data section's expressions and opens its source: the file,
// the files the globs match (each once, in sorted order, one after another),
// the store dataset or the inline rows. Rows are read by Next.
//
// A row is an object {id?, input, expected?, metadata?, tags?}. The formats:
//   - .jsonl: one JSON value per line, blank lines ignored, lines of any length;
//   - .json: a top-level array, decoded one element at a time;
//   - .yaml, .yml: a top-level list of rows (parsed whole: yaml.v3 cannot
//     stream a list; prefer .jsonl for large datasets);
//   - .csv: a header row, then one row per record; every column is a string
//     field of the row. Without data.fields, the columns id, input and expected
//     map directly to the case and every other column goes into its metadata;
//     with data.fields, an unmapped metadata is still the other columns. An
//     empty id cell means no id.
//
// Values take the types encoding/json gives: objects are map[string]any, lists
// []any, and every number a float64 (integers beyond 2^53 lose precision).
// YAML and inline values are converted to the same types, so the same row in
// any format makes the same case.
//
// With data.fields, each expression is compiled once here and run on every
// row as `row`; a field without an expression takes the row's own key. A
// case's id is its row's id (a string, or a number written in plain decimal),
// else HashID of its input.
func Open(ctx context.Context, d spec.Data, opts Options) (*Stream, error) {
	m, err := newMapper(d.Fields, opts.Parameters, opts.ExprOptions)
	if err != nil {
		return nil, err
	}
	s := &Stream{ctx: ctx, m: m, skip: d.OnError == "skip", warn: opts.Warn, limit: d.Limit, ids: newIDSet()}
	if d.Filter != nil {
		// The filter's result is checked by keep, which names the row, rather
		// than by expr's bool cast.
		fopts := append(slices.Clone(opts.ExprOptions), expr.AsKind(reflect.Invalid))
		if s.filter, err = compile(*d.Filter, spec.ScopeFilter, "data.filter", fopts); err != nil {
			return nil, err
		}
	}
	if d.Sample != nil && d.Sample.Size > 0 {
		size := d.Sample.Size
		if d.Limit > 0 && d.Limit < size {
			size = d.Limit
		}
		s.sample = newSampler(size, d.Sample.Seed)
	}
	if s.warn == nil {
		s.warn = func(string) {}
	}
	display := opts.Display
	if display == nil {
		display = func(p string) string { return p }
	}
	rules := fileRules{needInput: d.Fields.Input == nil, mapped: m.maps(), direct: !m.maps() && s.filter == nil}
	switch {
	case d.File != "":
		s.src, err = openFile(d.File, display(d.File), rules)
	case len(d.Files) > 0:
		var files []string
		if files, err = expandGlobs(d.Files); err == nil {
			s.src = &multiSource{files: files, display: display, rules: rules}
			if allImages(files) { // one case per image (files_attachments.go)
				s.src = &fileCaseSource{files: files, base: FilesDir(d.Files), display: display}
			}
		}
	case d.Dataset != "":
		s.src, err = openStore(ctx, opts.Datasets, d.Dataset, d.Version)
	case d.Experiment != "":
		s.src, err = openExperiment(ctx, opts.Experiments, d.Experiment)
	case d.Inline != nil:
		s.src = &inlineSource{rows: d.Inline}
	default:
		err = errors.New("data sets none of file, files, dataset, experiment and inline: set one")
	}
	if err != nil {
		return nil, fmt.Errorf("opening data: %w", err)
	}
	return s, nil
}

// Next returns the next case, or io.EOF after the last. A malformed row is an
// error (a *RowError naming its file and line) unless data.on_error is skip;
// so are a row with a key other than id, input, expected, metadata and tags
// (unless data.fields maps the rows), a row with invalid UTF-8, and a case
// whose id an earlier case has. That a temporary file of the ids cannot be
// written (a full TMPDIR) is an error of the stream, even under on_error:
// skip. After an error, Next keeps returning it.
func (s *Stream) Next() (Case, error) {
	if s.err != nil {
		return Case{}, s.err
	}
	if s.sample != nil {
		return s.nextSampled()
	}
	if s.limit > 0 && s.emitted >= s.limit {
		return Case{}, s.stop(io.EOF)
	}
	c, err := s.read()
	if err != nil {
		return Case{}, s.stop(err)
	}
	s.emitted++
	return c, nil
}

// nextSampled reads every row into the sample on the first call, then gives
// the sample out.
func (s *Stream) nextSampled() (Case, error) {
	if s.sampled == nil {
		for {
			c, err := s.read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return Case{}, s.stop(err)
			}
			s.sample.offer(c)
		}
		if err := errors.Join(s.closeSource(), s.ids.close()); err != nil {
			return Case{}, s.stop(err)
		}
		s.sampled = s.sample.cases()
		if len(s.sampled) == 0 {
			return Case{}, s.stop(io.EOF)
		}
	}
	if len(s.sampled) == 0 {
		return Case{}, s.stop(io.EOF)
	}
	c := s.sampled[0]
	s.sampled[0] = Case{}
	s.sampled = s.sampled[1:]
	return c, nil
}

// read returns the next case that passes the filter, skipping malformed rows
// when data.on_error is skip.
func (s *Stream) read() (Case, error) {
	for {
		if err := s.ctx.Err(); err != nil {
			return Case{}, err
		}
		r, err := s.src.next()
		if err != nil {
			var re *RowError
			if errors.As(err, &re) && s.skipRow(re) {
				continue
			}
			return Case{}, err
		}
		c, hashed, err := s.m.mapRow(r)
		if err == nil && s.filter != nil {
			var keep bool
			if keep, err = s.m.keep(s.filter, &c, r.value); err == nil && !keep {
				continue
			}
		}
		if err == nil {
			first, dup, ierr := s.ids.addAt(c.ID, r.where())
			if ierr != nil {
				return Case{}, ierr // the check itself failed: never a row to skip
			}
			if dup {
				err = duplicateError(&c, hashed, first)
			}
		}
		if err != nil {
			re := &RowError{Source: r.source, Err: err}
			if s.skipRow(re) {
				continue
			}
			return Case{}, re
		}
		return c, nil
	}
}

// skipRow counts and reports a malformed row when data.on_error is skip.
func (s *Stream) skipRow(re *RowError) bool {
	if !s.skip {
		return false
	}
	s.skipped++
	s.warn(fmt.Sprintf("%s: %v: row skipped (data.on_error: skip)", re.Source, re.Err))
	return true
}

// stop ends the stream with err (io.EOF at the end), releasing the source
// and the temporary files of its ids.
func (s *Stream) stop(err error) error {
	if cerr := errors.Join(s.closeSource(), s.ids.close()); cerr != nil && err == io.EOF {
		err = cerr
	}
	s.err = err
	s.sampled = nil
	return err
}

func (s *Stream) closeSource() error {
	if s.src == nil {
		return nil
	}
	err := s.src.close()
	s.src = nil
	if err != nil {
		return fmt.Errorf("closing data: %w", err)
	}
	return nil
}

// Skipped returns how many malformed rows were skipped under data.on_error:
// skip so far.
func (s *Stream) Skipped() int { return s.skipped }

// Close releases the stream's file or store iterator and removes the
// temporary files of its ids. It can be called at any time, and more than
// once; Next returns an error afterwards.
func (s *Stream) Close() error {
	err := errors.Join(s.closeSource(), s.ids.close())
	if s.err == nil || s.err == io.EOF {
		s.err = errClosed
	}
	s.sampled = nil
	return err
}
