package main

import "github.com/spf13/cobra"

func newInitCommand(st *State) *cobra.Command { return &cobra.Command{Use: "init"} }
