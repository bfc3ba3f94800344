// Command gen-docs writes redashctl's command reference: `make docs`.
package main

import (
	"fmt"
	"os"

	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmd/root"
	"github.com/redashctl/redashctl/internal/docgen"
	"github.com/redashctl/redashctl/internal/iostreams"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen-docs <dir>")
		os.Exit(2)
	}
	ios, _, _, _ := iostreams.Test()
	cmd := root.NewCmdRoot(factory.New(ios, func(string) (string, bool) { return "", false }))
	if err := docgen.Generate(cmd, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs: "+err.Error())
		os.Exit(1)
	}
}
