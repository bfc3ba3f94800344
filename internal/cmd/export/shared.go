package export

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/progress"
	"github.com/redashctl/redashctl/pkg/redash"
	"github.com/redashctl/redashctl/pkg/results"
)

// DisabledEnv names the environment variable that turns every export into
// a no-op that says so (for a staging Redash restored from production).
const DisabledEnv = "REDASHCTL_EXPORT_DISABLED"

// exportDisabled reports whether env turns exports off: any value of
// DisabledEnv but "", "0", "false", "no" and "off".
func exportDisabled(env config.Env) bool {
	if env == nil {
		return false
	}
	v, ok := env(DisabledEnv)
	if !ok {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}

// ResultFlags are the flags that choose a query's result, shared by the
// export verbs.
type ResultFlags struct {
	QueryID      int
	Params       []string
	MaxAge       string
	Refresh      bool
	MaxResultAge string
	JobTimeout   time.Duration
}

// addFlags adds --query, --param, --max-age, --refresh, --max-result-age and
// --job-timeout.
func (r *ResultFlags) addFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.IntVar(&r.QueryID, "query", 0, "Id of the saved query to export (required)")
	fl.StringArrayVar(&r.Params, "param", nil, "Parameter value `name=value`, over the saved default (repeat it; repeat a name for several values)")
	fl.StringVar(&r.MaxAge, "max-age", "", "Take a cached result at most this old (e.g. 30m, 6h, 1d), else run the query")
	fl.BoolVar(&r.Refresh, "refresh", false, "Always run the query, ignoring cached results")
	fl.StringVar(&r.MaxResultAge, "max-result-age", "", "Refuse to export a result older than this (e.g. 1d): a guard for unattended runs")
	fl.DurationVar(&r.JobTimeout, "job-timeout", 10*time.Minute, "How long to wait for Redash to run the query")
	cmd.MarkFlagsMutuallyExclusive("max-age", "refresh")
}

// request checks the flags and turns them into the pipeline's request.
func (r *ResultFlags) request() (results.Request, error) {
	var req results.Request
	if r.QueryID <= 0 {
		return req, cmdutil.FlagErrorf("--query is required: the id of a saved query (a positive number)")
	}
	if r.JobTimeout <= 0 {
		return req, cmdutil.FlagErrorf("--job-timeout must be positive, got %s", r.JobTimeout)
	}
	args, err := results.ParseArgs(r.Params)
	if err != nil {
		return req, cmdutil.FlagErrorf("--param: %v", err)
	}
	req = results.Request{QueryID: r.QueryID, Args: args, Freshness: results.Freshness{Refresh: r.Refresh}}
	if r.MaxAge != "" {
		d, err := cmdutil.ParseDuration(r.MaxAge)
		if err != nil {
			return req, cmdutil.FlagErrorf("--max-age: %v", err)
		}
		if d < time.Second {
			return req, cmdutil.FlagErrorf("--max-age must be at least 1s (use --refresh to always run the query), got %s", r.MaxAge)
		}
		req.Freshness.MaxAge = d
	}
	if r.MaxResultAge != "" {
		d, err := cmdutil.ParseDuration(r.MaxResultAge)
		if err != nil {
			return req, cmdutil.FlagErrorf("--max-result-age: %v", err)
		}
		if d <= 0 {
			return req, cmdutil.FlagErrorf("--max-result-age must be positive, got %s", r.MaxResultAge)
		}
		req.MaxResultAge = d
	}
	return req, nil
}

// pipeline runs one export into sink with a row counter on stderr (on a
// terminal only). Parameter problems become usage errors (exit 2) without
// the usage hint: they are one line that says what the query accepts.
type pipeline struct {
	IO           *iostreams.IOStreams
	Now          func() time.Time
	JobTimeout   time.Duration
	PollInterval time.Duration // 0: the pipeline's default
	RestartDelay time.Duration // 0: the pipeline's default
}

func (p pipeline) run(ctx context.Context, client *redash.Client, req results.Request, sink results.Sink) (*results.Summary, error) {
	bar := progress.New(p.IO, fmt.Sprintf("Exporting query %d", req.QueryID))
	var shown int64
	exp := results.NewExporter(client, results.Options{
		Now:          p.Now,
		JobTimeout:   p.JobTimeout,
		PollInterval: p.PollInterval,
		RestartDelay: p.RestartDelay,
		Progress: func(pr results.Progress) {
			if pr.Stage == results.StageDownload && pr.Rows > shown {
				bar.Add(int(pr.Rows - shown))
				shown = pr.Rows
			}
			if pr.Rows < shown {
				// A download started again.
				shown = pr.Rows
			}
		},
	})
	sum, err := exp.Export(ctx, req, sink)
	if err != nil {
		bar.Abort()
		var pe *results.ParamError
		if errors.As(err, &pe) {
			return nil, &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
		}
		return nil, err
	}
	bar.Done()
	return sum, nil
}

// summaryLine is the one line an export prints on stderr.
func summaryLine(sum *results.Summary, target string) string {
	how := fmt.Sprintf("cached result %d, %s old", sum.ResultID, humanAge(sum.Age))
	if sum.Ran {
		how = fmt.Sprintf("ran now, result %d", sum.ResultID)
	}
	if sum.Attempts > 1 {
		how += fmt.Sprintf(", %d attempts", sum.Attempts)
	}
	return fmt.Sprintf("exported %s, %s of query %d to %s (%s)",
		plural(sum.Rows, "row"), plural(int64(sum.Columns), "column"), sum.QueryID, target, how)
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// humanAge writes an age for people ("45s", "3h4m", "2d5h").
func humanAge(d time.Duration) string { return results.HumanAge(d) }
