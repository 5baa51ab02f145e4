// Package layout has no code of its own: its test keeps the package map of the
// README's Architecture section true, checking which packages of this module
// each package may import, as Go's own go/build/deps_test.go does for the
// standard library.
package layout
