package tag

import (
	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
)

// NewCmdAdd builds `tag add`.
func NewCmdAdd(f *cmdutil.Factory, runF func(*TagOptions) error) *cobra.Command {
	return newCmd(f, false, runF)
}
