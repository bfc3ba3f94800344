package cmdutil

import (
	"time"

	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/pkg/redash"
)

// GlobalOptions are the persistent flags of the root command.
type GlobalOptions struct {
	ConfigPath  string
	Profile     string
	URL         string
	Org         string
	Debug       bool
	Quiet       bool
	Concurrency int
	Rate        float64
	Timeout     time.Duration
}

// Factory hands commands their dependencies. Expensive ones are funcs, built
// only when a command calls them.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Env       config.Env
	Globals   *GlobalOptions
	Now       func() time.Time

	// Config resolves the configuration of this run.
	Config func() (*config.Config, error)
	// Redash builds the Redash client for the selected profile.
	Redash func() (*redash.Client, error)
}
