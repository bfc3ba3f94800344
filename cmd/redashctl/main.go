// Command redashctl operates Redash instances through the Redash REST API.
package main

import (
	"os"

	"github.com/redashctl/redashctl/internal/cmd/root"
)

func main() {
	os.Exit(root.Main())
}
