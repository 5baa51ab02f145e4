package datasets

import (
	"fmt"

	"github.com/caliperhq/caliper/spec"
)

// keep runs data.filter over a mapped case and its raw row. A null result
// (such as metadata.flag on a row without that key) counts as false, as in
// every boolean expression of an eval; any other result that is not a boolean
// is an error of the row.
func (m *mapper) keep(filter *program, c *Case, row any) (bool, error) {
	out, err := m.run(filter, spec.FilterEnv{Case: c.Case, Row: row, Parameters: m.params})
	if err != nil {
		return false, err
	}
	if out == nil {
		return false, nil
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("%s must give true or false, but gave %v (%T)", filter.name, out, out)
	}
	return b, nil
}
