package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrBadDatasetRef is the error of a dataset reference that is not NAME or
// NAME@VERSION.
var ErrBadDatasetRef = errors.New("bad dataset reference")

// ParseDatasetRef splits NAME[@VERSION]; the version is 0 without @.
func ParseDatasetRef(ref string) (string, int, error) {
	name, v, found := strings.Cut(ref, "@")
	if name == "" {
		return "", 0, fmt.Errorf("%w %q: write NAME or NAME@VERSION", ErrBadDatasetRef, ref)
	}
	if !found {
		return name, 0, nil
	}
	version, err := strconv.Atoi(v)
	if err != nil || version < 1 {
		return "", 0, fmt.Errorf("%w %q: the version after @ must be a number from 1, such as %s@1; leave it out for the latest", ErrBadDatasetRef, ref, name)
	}
	return name, version, nil
}

// ResolveDatasetRef resolves NAME[@VERSION] to the dataset's name and the
// concrete version it means now, the latest without @, as an experiment
// records it. An unknown dataset or version is an error wrapping ErrNotFound.
func ResolveDatasetRef(ctx context.Context, db DatasetStore, ref string) (string, int, error) {
	name, version, err := ParseDatasetRef(ref)
	if err != nil {
		return "", 0, err
	}
	version, err = db.ResolveDatasetVersion(ctx, name, version)
	if err != nil {
		return "", 0, err
	}
	return name, version, nil
}
