package datasets

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// mapper turns raw rows into cases: through the data.fields expressions where
// they are given, and the row's own id, input, expected, metadata and tags keys
// otherwise. The expressions are compiled once, when the stream is opened.
type mapper struct {
	id, input, expected, metadata, tags *program
	params                              map[string]any
	vm                                  vm.VM
}

// program is a compiled expression and the name it is reported under.
type program struct {
	name string // e.g. data.fields.input
	prog *vm.Program
}

func newMapper(f spec.Fields, params map[string]any, opts []expr.Option) (*mapper, error) {
	m := &mapper{params: params}
	for _, fe := range []struct {
		name string
		e    *spec.Expr
		dst  **program
	}{
		{"id", f.ID, &m.id},
		{"input", f.Input, &m.input},
		{"expected", f.Expected, &m.expected},
		{"metadata", f.Metadata, &m.metadata},
		{"tags", f.Tags, &m.tags},
	} {
		if fe.e == nil {
			continue
		}
		p, err := compile(*fe.e, spec.ScopeField, "data.fields."+fe.name, opts)
		if err != nil {
			return nil, err
		}
		*fe.dst = p
	}
	return m, nil
}

// compile compiles e once for the stream, naming it in errors.
func compile(e spec.Expr, scope spec.Scope, name string, opts []expr.Option) (*program, error) {
	prog, err := e.Compile(scope, opts...)
	if err != nil {
		return nil, fmt.Errorf("compiling %s: %w", name, err)
	}
	return &program{name: name, prog: prog}, nil
}

// run evaluates p against env. A runtime error is reported by its message
// alone: the row's position is what the caller adds.
func (m *mapper) run(p *program, env any) (any, error) {
	out, err := m.vm.Run(p.prog, env)
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			return nil, fmt.Errorf("%s: %s", p.name, fe.Message)
		}
		return nil, fmt.Errorf("%s: %w", p.name, err)
	}
	return out, nil
}

// field returns one field of the case: the expression's result when there is
// one, else the row's own key, normalised to JSON types.
func (m *mapper) field(p *program, env *spec.FieldEnv, row map[string]any, key string) (any, error) {
	if p == nil {
		return row[key], nil
	}
	v, err := m.run(p, *env)
	if err != nil {
		return nil, err
	}
	v, err = normalize(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.name, err)
	}
	return v, nil
}

// mapRow maps one raw row into a case. hashed says that the row gave no id,
// so the case's id is the hash of its input. The error, if any, says what is
// wrong with the row; the caller adds where the row is.
func (m *mapper) mapRow(r rawRow) (c Case, hashed bool, err error) {
	if r.decoded {
		return mapFields(r.source, &r.fields)
	}
	row, isObject := r.value.(map[string]any)
	if !isObject && m.input == nil {
		return Case{}, false, fmt.Errorf("a row must be an object {id?, input, expected?, metadata?, tags?}, not %s", jsonType(r.value))
	}
	if isObject && !r.flat && !r.stored && !m.maps() {
		if err := checkRowKeys(row); err != nil {
			return Case{}, false, err
		}
	}
	if !r.flat && !m.maps() {
		f := fieldsOf(row)
		return mapFields(r.source, &f)
	}
	c, hashed, err = m.mapObject(r, row)
	return c, hashed, err
}

// rowFields are the fields of a row that data.fields does not map: its own
// id, input, expected, metadata and tags, nil when absent.
type rowFields struct {
	id, input, expected, metadata, tags any
	// idText is the id when it is a string (idIsText), which is then not
	// boxed in id.
	idText   string
	idIsText bool
	// hasInput and hasExpected say that the row has the key, null or not.
	hasInput, hasExpected bool
}

// fieldsOf returns the fields of an object row.
func fieldsOf(row map[string]any) rowFields {
	f := rowFields{id: row["id"], input: row["input"], expected: row["expected"], metadata: row["metadata"], tags: row["tags"]}
	_, f.hasInput = row["input"]
	_, f.hasExpected = row["expected"]
	return f
}

// mapFields maps a row's own fields into a case, as mapObject does when
// data.fields maps nothing.
func mapFields(source string, f *rowFields) (Case, bool, error) {
	c := Case{Source: source}
	if f.input == nil {
		if f.hasInput {
			return Case{}, false, errors.New("the row's input is null")
		}
		return Case{}, false, errors.New("the row has no input: add one, or map one with data.fields.input")
	}
	c.Input = f.input
	c.Expected = f.expected
	c.HasExpected = f.hasExpected
	var err error
	if c.Metadata, err = metadataOf(f.metadata); err != nil {
		return Case{}, false, err
	}
	if c.Tags, err = tagList(f.tags); err != nil {
		return Case{}, false, err
	}
	id, ok := f.idText, f.idText != ""
	if !f.idIsText {
		if id, ok, err = idString(f.id); err != nil {
			return Case{}, false, err
		}
	}
	return withID(c, id, ok)
}

// metadataOf is a row's metadata: an object, or none.
func metadataOf(v any) (map[string]any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return x, nil
	}
	return nil, fmt.Errorf("metadata must be an object, not %s", jsonType(v))
}

// withID is c with the id its row gave (ok), else the hash of its input,
// and whether it is the hash.
func withID(c Case, id string, ok bool) (Case, bool, error) {
	if !ok {
		var err error
		if id, err = HashID(c.Input); err != nil {
			return Case{}, false, err
		}
	}
	c.ID = id
	return c, !ok, nil
}

// mapObject maps a row that data.fields maps, or a CSV row: a row that is
// an object, or any row when data.fields.input is set.
func (m *mapper) mapObject(r rawRow, row map[string]any) (Case, bool, error) {
	env := &spec.FieldEnv{Row: r.value, Parameters: m.params}
	c := Case{Source: r.source}
	var err error

	input, err := m.field(m.input, env, row, "input")
	if err != nil {
		return Case{}, false, err
	}
	if input == nil {
		if m.input != nil {
			return Case{}, false, errors.New("data.fields.input gives no input (null) for this row")
		}
		if _, ok := row["input"]; ok {
			return Case{}, false, errors.New("the row's input is null")
		}
		return Case{}, false, errors.New("the row has no input: add one, or map one with data.fields.input")
	}
	c.Input = input

	if c.Expected, err = m.field(m.expected, env, row, "expected"); err != nil {
		return Case{}, false, err
	}
	c.HasExpected = m.hasExpected(row, c.Expected)

	var meta any
	if r.flat && m.metadata == nil {
		meta = csvMetadata(row)
	} else if meta, err = m.field(m.metadata, env, row, "metadata"); err != nil {
		return Case{}, false, err
	}
	if c.Metadata, err = metadataOf(meta); err != nil {
		return Case{}, false, err
	}

	tags, err := m.field(m.tags, env, row, "tags")
	if err != nil {
		return Case{}, false, err
	}
	if c.Tags, err = tagList(tags); err != nil {
		return Case{}, false, err
	}

	idv, err := m.field(m.id, env, row, "id")
	if err != nil {
		return Case{}, false, err
	}
	id, ok, err := idString(idv)
	if err != nil {
		return Case{}, false, err
	}
	return withID(c, id, ok)
}

// hasExpected reports whether a row gives an expected value: a row's own
// expected key is one even when it is null, as in autoevals. A mapped
// expected is one when the expression gives a value: data.fields.expected
// cannot tell a missing key of the row (row.answer) from a null one, so its
// nil is an absent expected, which comparing scorers report.
func (m *mapper) hasExpected(row map[string]any, mapped any) bool {
	if m.expected != nil {
		return mapped != nil
	}
	_, ok := row["expected"]
	return ok
}

// tagList checks that tags are a list of strings.
func tagList(v any) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		tags := make([]string, len(x))
		for i, t := range x {
			s, ok := t.(string)
			if !ok {
				return nil, fmt.Errorf("tags must be a list of strings, but tag %d is %s", i+1, jsonType(t))
			}
			tags[i] = s
		}
		return tags, nil
	}
	return nil, fmt.Errorf("tags must be a list of strings, not %s", jsonType(v))
}

// csvColumns are the CSV columns that map to a case field of their own name.
var csvColumns = map[string]bool{"id": true, "input": true, "expected": true}

// csvMetadata is the default metadata of a CSV row: its columns other than id,
// input and expected.
func csvMetadata(row map[string]any) any {
	var meta map[string]any
	for k, v := range row {
		if csvColumns[k] {
			continue
		}
		if meta == nil {
			meta = make(map[string]any, len(row))
		}
		meta[k] = v
	}
	if meta == nil {
		return nil
	}
	return meta
}

// maps reports whether data.fields maps the rows: rows then have a shape of
// their own, and any key is theirs to have.
func (m *mapper) maps() bool {
	return m.id != nil || m.input != nil || m.expected != nil || m.metadata != nil || m.tags != nil
}

// rowKeys are the keys a row may have when data.fields does not map it.
var rowKeys = []string{"id", "input", "expected", "metadata", "tags"}

// checkRowKeys rejects a key a row may not have, such as a misspelt
// "expectd", which would otherwise leave the case with no expected value.
func checkRowKeys(row map[string]any) error {
	var unknown []string
	for k := range row {
		if !slices.Contains(rowKeys, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	if slices.Contains(unknown, "case_id") {
		return errors.New(`unknown key "case_id" in the row: this looks like a row of caliper experiments export; write the cases with experiments export --as-dataset, which keeps the case ids as id`)
	}
	k := unknown[0]
	if s := spec.Suggest(k, rowKeys); s != "" {
		return fmt.Errorf("unknown key %q in the row; did you mean %q?", k, s)
	}
	return fmt.Errorf("unknown key %q in the row: a row holds only id, input, expected, metadata and tags; put other fields under metadata, or map the row with data.fields", k)
}

// checkCSVHeader rejects a column whose name is a near miss of a column that
// maps to the case (id, input, expected), such as "expectd", which would
// otherwise go into the metadata and leave the case with no expected value.
func checkCSVHeader(name string, header []string) error {
	for _, col := range header {
		if csvColumns[col] {
			continue
		}
		s := spec.Suggest(col, []string{"id", "input", "expected"})
		if s != "" && (strings.EqualFold(s, col) || len(col) >= 4) {
			return fmt.Errorf("%s:1: column %q of the header looks like a misspelt %q: rename it, or map the row with data.fields to keep it as metadata", name, col, s)
		}
	}
	return nil
}
