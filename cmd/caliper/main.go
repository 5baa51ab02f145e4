// Command caliper compiles eval files into a pipeline, runs it, logs every case as
// an experiment and gates CI on the results.
package main

import "os"

func main() {
	os.Exit(Execute(NewOSState(), os.Args[1:]))
}
