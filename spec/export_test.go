package spec

// testCatalog is the catalog the tests of this package validate with: the real
// one (scorers.Default), set by catalog_ext_test.go, which package spec cannot
// import itself.
var testCatalog Catalog

// SetTestCatalog sets the catalog the internal tests validate with.
func SetTestCatalog(c Catalog) { testCatalog = c }
