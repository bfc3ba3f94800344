// Package factory builds the real cmdutil.Factory: configuration, then the
// Redash client with its rate limit, retry policy and timeouts.
package factory

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/redashctl/redashctl/internal/build"
	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/pkg/redash"
)

// DefaultTimeout is the default timeout of one HTTP request.
const DefaultTimeout = 60 * time.Second

// New returns a Factory for the given streams and environment.
func New(ios *iostreams.IOStreams, env config.Env) *cmdutil.Factory {
	if env == nil {
		env = os.LookupEnv
	}
	f := &cmdutil.Factory{
		IOStreams: ios,
		Env:       env,
		Globals:   &cmdutil.GlobalOptions{Concurrency: 4, Timeout: DefaultTimeout},
		Now:       time.Now,
	}
	var (
		cfgOnce sync.Once
		cfg     *config.Config
		cfgErr  error
	)
	f.Config = func() (*config.Config, error) {
		cfgOnce.Do(func() {
			g := f.Globals
			cfg, cfgErr = config.Load(config.Overrides{
				ConfigPath: g.ConfigPath,
				Profile:    g.Profile,
				URL:        g.URL,
				Org:        g.Org,
			}, env)
			if cfgErr == nil {
				for _, w := range cfg.Warnings {
					fmt.Fprintln(ios.ErrOut, "warning: "+w)
				}
			}
		})
		return cfg, cfgErr
	}
	f.Redash = func() (*redash.Client, error) {
		c, err := f.Config()
		if err != nil {
			return nil, err
		}
		return NewRedashClient(c, f.Globals, ios)
	}
	return f
}

// NewRedashClient builds a client for a resolved configuration.
func NewRedashClient(c *config.Config, g *cmdutil.GlobalOptions, ios *iostreams.IOStreams) (*redash.Client, error) {
	if err := config.ValidateURL(c.URL); err != nil {
		return nil, cmdutil.FlagErrorWrap(err)
	}
	if c.APIKey == "" {
		where := "set REDASHCTL_API_KEY"
		if c.Profile != "" {
			where = fmt.Sprintf("give profile %q an api_key_env or api_key_file (redashctl profile add %s --url %s --api-key-env VAR --force), or set REDASHCTL_API_KEY", c.Profile, c.Profile, c.URL)
		}
		return nil, &cmdutil.AuthError{Err: fmt.Errorf("no API key for %s: %s", c.URL, where)}
	}
	opts := []redash.Option{
		redash.WithAPIKey(c.APIKey),
		redash.WithConcurrency(g.Concurrency),
		redash.WithRateLimit(g.Rate),
		redash.WithTimeout(g.Timeout),
		redash.WithUserAgent("redashctl/" + build.Get().Version),
	}
	if c.Org != "" {
		opts = append(opts, redash.WithOrg(c.Org))
	}
	if g.Debug {
		opts = append(opts, redash.WithDebug(ios.ErrOut))
	}
	client, err := redash.NewClient(c.URL, opts...)
	if err != nil {
		return nil, cmdutil.FlagErrorWrap(err)
	}
	return client, nil
}
