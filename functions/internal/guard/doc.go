// Package guard is the process that runs an exec program on Linux and ends
// with it, taking everything the program started along (see
// functions/guard_linux.go). It is a package of its own, with no imports
// beyond the standard library and x/sys, so that its init runs before the
// heavier inits of caliper and a guard starts quickly. Elsewhere it is empty.
package guard
