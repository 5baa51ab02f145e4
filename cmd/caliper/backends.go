package main

// The store backends this command opens by DSN.
import (
	_ "github.com/caliperhq/caliper/store/postgres"
	_ "github.com/caliperhq/caliper/store/sqlite"
)
