package tag

import (
	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
)

// NewCmdRemove builds `tag remove`.
func NewCmdRemove(f *cmdutil.Factory, runF func(*TagOptions) error) *cobra.Command {
	return newCmd(f, true, runF)
}
