// Package exitcode gives errors the exit code of the process they end, as k6's
// errext does: the place that knows what went wrong marks the error, and only
// main turns it into an exit.
package exitcode

import (
	"errors"
	"fmt"
)

// The exit codes of every command, as the README documents them.
const (
	OK      = 0 // passed
	Failed  = 1 // a threshold or gate failed
	Invalid = 2 // invalid spec or usage
	Run     = 3 // the run could not be carried out
)

// Error is an error with the exit code it ends the process with. An Error
// without Err ends it silently: the command has already said why.
type Error struct {
	Code int
	Err  error
}

// Error returns the wrapped message, or "exit N" for a silent exit.
func (e *Error) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

// With marks err with code; a nil err makes a silent exit with that code.
func With(code int, err error) error { return &Error{Code: code, Err: err} }

// Invalidf is an error of the input (a spec, a flag, an argument): exit 2.
func Invalidf(format string, args ...any) error {
	return &Error{Code: Invalid, Err: fmt.Errorf(format, args...)}
}

// Of returns the exit code err carries: OK for nil, the code of the
// outermost Error in its chain, else Run (a failure nobody classified is a
// run that could not be carried out).
func Of(err error) int {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Run
}

// Has reports whether err carries an exit code.
func Has(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// Silent reports whether err says nothing more than its exit code.
func Silent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Err == nil
}
