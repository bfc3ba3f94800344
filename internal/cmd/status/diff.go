package status

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/internal/iostreams"
	live "github.com/redashctl/redashctl/internal/livestatus"
	"github.com/redashctl/redashctl/internal/output"
	"github.com/redashctl/redashctl/pkg/redash"
)

// Row statuses of a status diff.
const (
	RowSame      = "same"
	RowDifferent = "different"
	RowUnknown   = "unknown"
	RowInfo      = "info"
)

// notCompared names what status diff cannot compare yet, and why (nothing, now;
// the field stays in the JSON contract).
var notCompared = []string{}

// DiffOptions are the arguments and dependencies of `status diff`.
type DiffOptions struct {
	IO *iostreams.IOStreams
	// Resolve builds the client of a profile and returns it with the profile's URL.
	Resolve func(profile string) (*redash.Client, string, error)
	Now     func() time.Time

	Profiles [2]string
	Output   string
}

// DiffResult is what `status diff -o json` prints.
type DiffResult struct {
	Profiles    []string         `json:"profiles"`
	Instances   []*live.Snapshot `json:"instances"`
	Rows        []Row            `json:"rows"`
	Differences int              `json:"differences"`
	NotCompared []string         `json:"not_compared"`
}

// Row compares one item of the two instances.
type Row struct {
	Section string `json:"section"`
	Item    string `json:"item"`
	A       string `json:"a"`
	B       string `json:"b"`
	// Status is same, different, unknown (one side could not be read) or info (not compared,
	// such as the URLs).
	Status string `json:"status"`
}

// NewCmdDiff builds `status diff`.
func NewCmdDiff(f *cmdutil.Factory, runF func(*DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{IO: f.IOStreams, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "diff <profile-a> <profile-b> [flags]",
		Short: "Compare two live Redash instances side by side",
		Long: cmdutil.LongHelp(`Read two Redash instances, each through its own profile, and show them side
by side: versions and job systems, queues and the workers that consume them,
object counts, scheduled query counts, data sources (name and type), groups
(name, type and permissions) and organization settings (each key). Use it
after a migration to see whether the upgraded copy matches production.

Each profile is resolved from the configuration file alone: REDASHCTL_URL,
REDASHCTL_API_KEY, REDASHCTL_ORG and REDASHCTL_PROFILE do not apply here, and
--url, --org and --profile are refused. Schedules are counted from the query
lists (never GET /api/queries/<id>). With keys that are not super-admins',
the queues and workers are not compared; with keys that are not admins', the
organization settings are not compared and only the key's own groups are
listed; a line on stderr says so. Settings a release does not have show as
(absent): comparing two releases shows the keys one of them added.

The json and yaml output is a documented contract: see docs/output.md.`, exitPartial),
		Example: `  # Production against its upgraded copy
  redashctl status diff prod staging

  # The same, as JSON for a script
  redashctl status diff prod staging -o json`,
		Args: cmdutil.ExactArgs(2, "status diff needs two profile names"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := output.Parse(opts.Output, formats...); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			g := f.Globals
			for flag, v := range map[string]string{"--url": g.URL, "--org": g.Org, "--profile": g.Profile} {
				if v != "" {
					return cmdutil.FlagErrorf("%s does not apply to status diff: it reads the two profiles named as arguments", flag)
				}
			}
			for i, a := range args {
				name, err := config.NormalizeName(a)
				if err != nil {
					return cmdutil.FlagErrorWrap(err)
				}
				opts.Profiles[i] = name
			}
			if opts.Profiles[0] == opts.Profiles[1] {
				return cmdutil.FlagErrorf("status diff needs two different profiles, got %q twice", opts.Profiles[0])
			}
			opts.Resolve = func(name string) (*redash.Client, string, error) {
				cfg, err := loadProfile(f, name)
				if err != nil {
					return nil, "", err
				}
				for _, w := range cfg.Warnings {
					fmt.Fprintf(f.IOStreams.ErrOut, "warning: %s: %s\n", name, w)
				}
				c, err := factory.NewRedashClient(cfg, f.Globals, f.IOStreams)
				return c, cfg.URL, err
			}
			if runF != nil {
				return runF(opts)
			}
			return diffRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Output, formats...)
	return cmd
}

// loadProfile resolves a profile from the configuration file only: the
// variables that would override its URL, org or key are hidden, except the
// one the profile itself names as api_key_env.
func loadProfile(f *cmdutil.Factory, name string) (*config.Config, error) {
	path := f.Globals.ConfigPath
	if path == "" {
		path = config.DefaultPath(f.Env)
	}
	file, err := config.ReadFile(path)
	if err != nil {
		return nil, err
	}
	keep := file.Profiles[name].APIKeyEnv
	hidden := []string{config.EnvURL, config.EnvRedashURL, config.EnvAPIKey, config.EnvRedashAPIKey, config.EnvOrg, config.EnvProfile}
	env := func(k string) (string, bool) {
		if k != keep && slices.Contains(hidden, k) {
			return "", false
		}
		return f.Env(k)
	}
	cfg, err := config.Load(config.Overrides{Profile: name, ConfigPath: f.Globals.ConfigPath}, env)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

func diffRun(ctx context.Context, opts *DiffOptions) error {
	format, err := output.Parse(opts.Output, formats...)
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	// Resolve both profiles before any request, so that a broken profile costs nothing.
	var clients [2]*redash.Client
	var urls [2]string
	for i, name := range opts.Profiles {
		if clients[i], urls[i], err = opts.Resolve(name); err != nil {
			return fmt.Errorf("profile %s: %w", name, err)
		}
	}
	var snaps [2]*live.Snapshot
	now := opts.Now().UTC()
	g, gctx := errgroup.WithContext(ctx)
	for i, name := range opts.Profiles {
		client, url := clients[i], urls[i]
		g.Go(func() error {
			s, err := live.Read(gctx, client, url, live.Options{Schedules: true, Org: true, Now: now})
			if err != nil {
				return fmt.Errorf("profile %s (%s): %w", name, url, err)
			}
			snaps[i] = s
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	res := compare(opts.Profiles, snaps)
	switch format {
	case output.JSON:
		err = output.WriteJSON(opts.IO.Out, res)
	case output.YAML:
		err = output.WriteYAML(opts.IO.Out, res)
	default:
		err = writeDiff(opts.IO, res)
	}
	if err != nil {
		return err
	}
	for i, s := range snaps {
		writeGaps(opts.IO.ErrOut, opts.Profiles[i]+": ", s)
	}
	for _, n := range res.NotCompared {
		fmt.Fprintf(opts.IO.ErrOut, "note: not compared: %s\n", n)
	}
	switch res.Differences {
	case 0:
		fmt.Fprintln(opts.IO.ErrOut, "no differences")
	case 1:
		fmt.Fprintln(opts.IO.ErrOut, "1 difference")
	default:
		fmt.Fprintf(opts.IO.ErrOut, "%d differences\n", res.Differences)
	}
	return incomplete(snaps[0], snaps[1])
}

const (
	unknown = "(unknown)"
	absent  = "(absent)"
)

// compare builds the rows of a status diff.
func compare(profiles [2]string, s [2]*live.Snapshot) *DiffResult {
	res := &DiffResult{Profiles: profiles[:], Instances: s[:], Rows: []Row{}, NotCompared: notCompared}
	add := func(section, item, a, b string) {
		st := RowSame
		switch {
		case a == unknown || b == unknown:
			st = RowUnknown
		case a != b:
			st = RowDifferent
			res.Differences++
		}
		res.Rows = append(res.Rows, Row{Section: section, Item: item, A: a, B: b, Status: st})
	}
	both := func(f func(*live.Snapshot) string) (string, string) { return f(s[0]), f(s[1]) }

	res.Rows = append(res.Rows, Row{Section: "instance", Item: "url", A: s[0].URL, B: s[1].URL, Status: RowInfo})
	a, b := both(func(x *live.Snapshot) string { return x.Version })
	add("instance", "version", a, b)
	a, b = both(func(x *live.Snapshot) string { return x.JobSystem })
	add("instance", "job system", a, b)
	a, b = both(func(x *live.Snapshot) string { return x.Org })
	add("instance", "org", a, b)
	a, b = both(func(x *live.Snapshot) string { return yesNo(x.MultiOrg) })
	add("instance", "multi-org", a, b)

	counts := []struct {
		item string
		get  func(*live.Counts) int
	}{
		{"queries", func(c *live.Counts) int { return c.Queries }},
		{"dashboards", func(c *live.Counts) int { return c.Dashboards }},
		{"users", func(c *live.Counts) int { return c.Users }},
		{"alerts", func(c *live.Counts) int { return c.Alerts }},
		{"data sources", func(c *live.Counts) int { return c.DataSources }},
	}
	for _, c := range counts {
		a, b = both(func(x *live.Snapshot) string {
			if x.Counts == nil {
				return unknown
			}
			return itoa(c.get(x.Counts))
		})
		add("counts", c.item, a, b)
	}
	server := []struct {
		item string
		get  func(*live.Server) int
	}{
		{"all queries", func(v *live.Server) int { return v.Queries }},
		{"all dashboards", func(v *live.Server) int { return v.Dashboards }},
		{"widgets", func(v *live.Server) int { return v.Widgets }},
		{"query results", func(v *live.Server) int { return v.QueryResults }},
	}
	for _, c := range server {
		a, b = both(func(x *live.Snapshot) string {
			if x.Server == nil {
				return unknown
			}
			return itoa(c.get(x.Server))
		})
		add("server", c.item, a, b)
	}
	schedules := []struct {
		item string
		get  func(*live.Schedules) int
	}{
		{"scheduled queries", func(v *live.Schedules) int { return v.Scheduled }},
		{"weekly schedules", func(v *live.Schedules) int { return v.Weekly }},
		{"inactive schedules", func(v *live.Schedules) int { return v.Inactive }},
	}
	for _, c := range schedules {
		a, b = both(func(x *live.Snapshot) string {
			if x.Schedules == nil {
				return unknown
			}
			return itoa(c.get(x.Schedules))
		})
		add("schedules", c.item, a, b)
	}
	a, b = both(func(x *live.Snapshot) string {
		if x.OutdatedQueries == nil {
			return unknown
		}
		return itoa(*x.OutdatedQueries)
	})
	add("schedules", "outdated queries", a, b)

	// Queues: which exist, how many jobs wait, and how many workers consume each.
	queueNames := map[string]bool{}
	for _, x := range s {
		for _, q := range x.Queues {
			queueNames[q.Name] = true
		}
		for _, w := range x.Workers {
			for _, q := range w.Queues {
				queueNames[q] = true
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(queueNames)) {
		a, b = both(func(x *live.Snapshot) string {
			if x.Queues == nil {
				return unknown
			}
			for _, q := range x.Queues {
				if q.Name == name {
					return itoa(q.Queued)
				}
			}
			return absent
		})
		add("queues", "queue "+name+": queued", a, b)
	}
	a, b = both(func(x *live.Snapshot) string {
		if x.Workers == nil || x.JobSystem != live.JobSystemRQ {
			return unknown
		}
		return itoa(len(x.Workers))
	})
	add("workers", "workers", a, b)
	for _, name := range slices.Sorted(maps.Keys(queueNames)) {
		a, b = both(func(x *live.Snapshot) string {
			if x.Workers == nil || x.JobSystem != live.JobSystemRQ {
				return unknown
			}
			return itoa(consumers(x.Workers, name))
		})
		add("workers", "queue "+name+": workers", a, b)
	}

	// Data sources by name (case-insensitive), compared by type and paused state.
	dsNames := map[string]string{}
	for _, x := range s {
		for _, d := range x.DataSources {
			if _, ok := dsNames[strings.ToLower(d.Name)]; !ok {
				dsNames[strings.ToLower(d.Name)] = d.Name
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(dsNames)) {
		a, b = both(func(x *live.Snapshot) string {
			if x.DataSources == nil {
				return unknown
			}
			for _, d := range x.DataSources {
				if strings.ToLower(d.Name) == key {
					if d.Paused {
						return d.Type + " (paused)"
					}
					return d.Type
				}
			}
			return absent
		})
		add("data sources", "data source "+dsNames[key], a, b)
	}
	compareGroups(s, add)
	compareSettings(s, add)
	return res
}

// compareGroups adds a row per group, by name (case-insensitive): its type and number of
// permissions, then a row for each permission only one side's group has.
func compareGroups(s [2]*live.Snapshot, add func(section, item, a, b string)) {
	if s[0].Groups == nil && s[1].Groups == nil {
		add("groups", "groups", unknown, unknown)
		return
	}
	names := map[string]string{}
	for _, x := range s {
		for _, g := range x.Groups {
			if _, ok := names[strings.ToLower(g.Name)]; !ok {
				names[strings.ToLower(g.Name)] = g.Name
			}
		}
	}
	find := func(x *live.Snapshot, key string) *live.Group {
		for i := range x.Groups {
			if strings.ToLower(x.Groups[i].Name) == key {
				return &x.Groups[i]
			}
		}
		return nil
	}
	for _, key := range slices.Sorted(maps.Keys(names)) {
		var g [2]*live.Group
		var v [2]string
		for i, x := range s {
			g[i] = find(x, key)
			switch {
			case x.Groups == nil:
				v[i] = unknown
			case g[i] == nil:
				v[i] = absent
			default:
				v[i] = fmt.Sprintf("%s, %s", g[i].Type, plural(len(g[i].Permissions), "permission"))
			}
		}
		add("groups", "group "+names[key], v[0], v[1])
		if g[0] == nil || g[1] == nil {
			continue
		}
		perms := map[string]bool{}
		for _, p := range append(slices.Clone(g[0].Permissions), g[1].Permissions...) {
			perms[p] = true
		}
		for _, p := range slices.Sorted(maps.Keys(perms)) {
			a, b := slices.Contains(g[0].Permissions, p), slices.Contains(g[1].Permissions, p)
			if a != b {
				add("groups", "group "+names[key]+": permission "+p, yesNo(a), yesNo(b))
			}
		}
	}
}

// compareSettings adds a row per organization setting key, values as JSON.
func compareSettings(s [2]*live.Snapshot, add func(section, item, a, b string)) {
	if s[0].OrgSettings == nil && s[1].OrgSettings == nil {
		add("settings", "organization settings", unknown, unknown)
		return
	}
	keys := map[string]bool{}
	for _, x := range s {
		for k := range x.OrgSettings {
			keys[k] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		var v [2]string
		for i, x := range s {
			val, ok := x.OrgSettings[k]
			switch {
			case x.OrgSettings == nil:
				v[i] = unknown
			case !ok:
				v[i] = absent
			default:
				v[i] = settingValue(val)
			}
		}
		add("settings", "setting "+k, v[0], v[1])
	}
}

// maxSettingWidth bounds a setting shown in full; longer values (certificates, SAML
// settings) show as their size and a digest, which still compares them exactly.
const maxSettingWidth = 48

// settingValue shows a setting as JSON: true, "DD/MM/YY", ["HS256","RS256"].
func settingValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) <= maxSettingWidth {
		return string(b)
	}
	sum := sha256.Sum256(b)
	return fmt.Sprintf("(%d bytes, sha256 %x)", len(b), sum[:6])
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return itoa(n) + " " + noun + "s"
}

func writeDiff(ios *iostreams.IOStreams, res *DiffResult) error {
	rows := make([][]string, 0, len(res.Rows))
	for _, r := range res.Rows {
		mark := ""
		switch r.Status {
		case RowDifferent:
			mark = "differs"
		case RowUnknown:
			mark = "unknown"
		}
		rows = append(rows, []string{r.Item, r.A, r.B, mark})
	}
	o := output.TableOptions{}
	if ios.IsStdoutTTY() {
		o.Width = ios.TerminalWidth()
	}
	return output.WriteTable(ios.Out, []string{"ITEM", strings.ToUpper(res.Profiles[0]), strings.ToUpper(res.Profiles[1]), ""}, rows, o)
}
