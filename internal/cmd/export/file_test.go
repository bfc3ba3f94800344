package export_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/cmd/export"
	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmd/root"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/golden"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/retry"
	"github.com/redashctl/redashctl/pkg/redash"
	"github.com/redashctl/redashctl/pkg/results"
)

func TestNewCmdFile(t *testing.T) {
	tests := []struct {
		name     string
		args     string
		env      map[string]string
		want     results.Request
		format   results.Format
		to       string
		disabled bool
		wantErr  string
	}{
		{name: "csv by extension", args: "--query 42 --to out.csv", want: results.Request{QueryID: 42, Args: results.Args{}}, format: results.CSV, to: "out.csv"},
		{name: "json by extension", args: "--query 42 --to OUT.JSON", want: results.Request{QueryID: 42, Args: results.Args{}}, format: results.JSON, to: "OUT.JSON"},
		{name: "ndjson", args: "--query 42 --to out.ndjson", want: results.Request{QueryID: 42, Args: results.Args{}}, format: results.JSONLines, to: "out.ndjson"},
		{name: "stdout is csv", args: "--query 42 --to -", want: results.Request{QueryID: 42, Args: results.Args{}}, format: results.CSV, to: "-"},
		{name: "format overrides", args: "--query 42 --to out.txt --format jsonl", want: results.Request{QueryID: 42, Args: results.Args{}}, format: results.JSONLines, to: "out.txt"},
		{
			name: "every result flag",
			args: "--query 7 --to o.csv --param region=EMEA --param tags=a --param tags=b --param 'note=x = y' --max-age 2d --max-result-age 1d12h --job-timeout 30s",
			want: results.Request{
				QueryID: 7, Args: results.Args{"region": {"EMEA"}, "tags": {"a", "b"}, "note": {"x = y"}},
				Freshness: results.Freshness{MaxAge: 48 * time.Hour}, MaxResultAge: 36 * time.Hour,
			},
			format: results.CSV, to: "o.csv",
		},
		{name: "refresh", args: "--query 7 --to o.csv --refresh", want: results.Request{QueryID: 7, Args: results.Args{}, Freshness: results.Freshness{Refresh: true}}, format: results.CSV, to: "o.csv"},
		{name: "disabled", args: "--query 7 --to o.csv", env: map[string]string{export.DisabledEnv: "1"}, want: results.Request{QueryID: 7, Args: results.Args{}}, format: results.CSV, to: "o.csv", disabled: true},
		{name: "disabled=false", args: "--query 7 --to o.csv", env: map[string]string{export.DisabledEnv: "false"}, want: results.Request{QueryID: 7, Args: results.Args{}}, format: results.CSV, to: "o.csv"},
		{name: "no query", args: "--to out.csv", wantErr: "--query is required: the id of a saved query (a positive number)"},
		{name: "no target", args: "--query 42", wantErr: "--to is required: a file path (.csv, .json, .jsonl) or - for standard output"},
		{name: "unknown extension", args: "--query 42 --to out.xlsx", wantErr: `cannot tell the format of "out.xlsx" from its extension: name it .csv, .json or .jsonl, or give --format csv|json|jsonl`},
		{name: "unknown format", args: "--query 42 --to out.csv --format xml", wantErr: `--format: unknown format "xml": use csv, json or jsonl`},
		{name: "max-age and refresh", args: "--query 42 --to out.csv --max-age 1h --refresh", wantErr: "if any flags in the group [max-age refresh] are set none of the others can be; [max-age refresh] were all set"},
		{name: "bad max-age", args: "--query 42 --to out.csv --max-age soon", wantErr: `--max-age: invalid duration "soon": use a form like 90d, 2w or 12h`},
		{name: "max-age below a second", args: "--query 42 --to out.csv --max-age 500ms", wantErr: "--max-age must be at least 1s (use --refresh to always run the query), got 500ms"},
		{name: "bad max-result-age", args: "--query 42 --to out.csv --max-result-age 0s", wantErr: "--max-result-age must be positive, got 0s"},
		{name: "bad param", args: "--query 42 --to out.csv --param region", wantErr: `--param: invalid parameter "region": use name=value`},
		{name: "bad job timeout", args: "--query 42 --to out.csv --job-timeout 0s", wantErr: "--job-timeout must be positive, got 0s"},
		{name: "positional", args: "--query 42 --to out.csv extra", wantErr: `unexpected argument "extra": file takes no arguments`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, clitest.Env(tt.env).Lookup)
			var got *export.FileOptions
			cmd := export.NewCmdFile(f, func(o *export.FileOptions) error { got = o; return nil })
			args, err := splitArgs(tt.args)
			require.NoError(t, err)
			cmd.SetArgs(args)
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err = cmd.Execute()
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.RequestForTest())
			assert.Equal(t, tt.format, got.FormatForTest())
			assert.Equal(t, tt.to, got.To)
			assert.Equal(t, tt.disabled, got.Disabled)
			assert.NotNil(t, got.Redash)
		})
	}
}

// runEnv is a fake Redash and the options of one `export file` run on it.
type runEnv struct {
	srv *fakeredash.Server
	url string
}

func newRunEnv(t *testing.T, version string) *runEnv {
	t.Helper()
	srv, url := clitest.Fake(t, fakeredash.Options{Version: version, Queries: 40, Seed: 7})
	return &runEnv{srv: srv, url: url}
}

func (e *runEnv) options(t *testing.T, args string) (*export.FileOptions, *iostreams.IOStreams) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := factory.New(ios, clitest.Env{}.Lookup)
	var opts *export.FileOptions
	cmd := export.NewCmdFile(f, func(o *export.FileOptions) error { opts = o; return nil })
	a, err := splitArgs(args)
	require.NoError(t, err)
	cmd.SetArgs(a)
	require.NoError(t, cmd.Execute())
	opts.Redash = func() (*redash.Client, error) {
		return redash.NewClient(e.url, redash.WithAPIKey(e.srv.AdminKey()),
			redash.WithRetryPolicy(retry.Policy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: 5 * time.Second}))
	}
	opts.Now = func() time.Time { return clitest.Now }
	opts.PollInterval = time.Millisecond
	opts.RestartDelay = time.Millisecond
	return opts, ios
}

func (e *runEnv) paths() []string {
	var out []string
	for _, r := range e.srv.Requests() {
		if r.Path != "/api/session" {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

const salesSQL = "SELECT day, region, total AS total FROM sales WHERE region = '{{ region }}' AND day BETWEEN '{{ period.start }}' AND '{{ period.end }}'"

const salesParams = `{"parameters": [
 {"name": "region", "title": "Region", "type": "enum", "enumOptions": "EMEA\nAMER\nAPAC", "value": "EMEA"},
 {"name": "period", "title": "Period", "type": "date-range", "value": "d_last_month"}
]}`

func (e *runEnv) salesQuery() int {
	return e.srv.AddQuery(fakeredash.QuerySpec{Name: "Sales", SQL: salesSQL, Options: json.RawMessage(salesParams)})
}

// cachedQuery finds a generated query without parameters whose latest
// result is at least two days old.
func (e *runEnv) cachedQuery(t *testing.T) (fakeredash.Query, fakeredash.QueryResult) {
	t.Helper()
	snap := e.srv.Snapshot()
	res := map[int]fakeredash.QueryResult{}
	for _, r := range snap.Results {
		res[r.ID] = r
	}
	for _, q := range snap.Queries {
		r, ok := res[q.LatestQueryDataID]
		if ok && !q.IsArchived && q.DataSourceID == 1 && len(q.Parameters) == 0 && !strings.Contains(q.SQL, "{{") &&
			!strings.Contains(q.SQL, "deprecated_") && clitest.Now.Sub(r.RetrievedAt) > 48*time.Hour && r.QueryHash == q.QueryHash {
			return q, r
		}
	}
	t.Fatal("no query with an old cached result in the generated world")
	return fakeredash.Query{}, fakeredash.QueryResult{}
}

func stdout(ios *iostreams.IOStreams) string { return ios.Out.(interface{ String() string }).String() }

func stderr(ios *iostreams.IOStreams) string {
	return ios.ErrOut.(interface{ String() string }).String()
}

func TestFileRun(t *testing.T) {
	for _, v := range []string{"4.0.2", "10.1.0", "26.3.0"} {
		t.Run(v, func(t *testing.T) {
			e := newRunEnv(t, v)
			id := e.salesQuery()
			path := filepath.Join(t.TempDir(), "sales.csv")
			opts, ios := e.options(t, fmt.Sprintf("--query %d --to %s --param region=AMER --param period=2026-01-01..2026-01-31", id, path))
			require.NoError(t, export.FileRunForTest(context.Background(), opts))
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			assert.Equal(t, "day,region,total", lines[0])
			assert.Empty(t, stdout(ios))
			assert.Regexp(t, regexp.MustCompile(fmt.Sprintf(`^exported %d rows, 3 columns of query %d to %s \(ran now, result \d+\)\n$`, len(lines)-1, id, regexp.QuoteMeta(path))), stderr(ios))
			var post fakeredash.Request
			for _, r := range e.srv.Requests() {
				if r.Method == http.MethodPost {
					post = r
				}
			}
			if v == "4.0.2" {
				assert.Contains(t, string(post.Body), `region = 'AMER' AND day BETWEEN '2026-01-01' AND '2026-01-31'`)
			} else {
				assert.Contains(t, string(post.Body), `"parameters":{"period":{"end":"2026-01-31","start":"2026-01-01"},"region":"AMER"}`)
			}
		})
	}
}

func TestFileRunGoldenOutputs(t *testing.T) {
	e := newRunEnv(t, "10.1.0")
	id := e.srv.AddQuery(fakeredash.QuerySpec{Name: "Golden", SQL: "SELECT day, created_at, region, total AS total, amount FROM sales"})
	for _, f := range []string{"csv", "json", "jsonl"} {
		t.Run(f, func(t *testing.T) {
			opts, ios := e.options(t, fmt.Sprintf("--query %d --to - --format %s", id, f))
			require.NoError(t, export.FileRunForTest(context.Background(), opts))
			golden.Assert(t, stdout(ios))
			assert.Contains(t, stderr(ios), "to standard output (")
		})
	}
}

func TestFileRunCachedAndQuiet(t *testing.T) {
	e := newRunEnv(t, "8.0.0")
	q, r := e.cachedQuery(t)
	path := filepath.Join(t.TempDir(), "out.json")
	opts, ios := e.options(t, fmt.Sprintf("--query %d --to %s", q.ID, path))
	require.NoError(t, export.FileRunForTest(context.Background(), opts))
	assert.Regexp(t, fmt.Sprintf(`^exported \d+ rows, \d+ columns of query %d to %s \(cached result %d, \d+d(\d+h)? old\)\n$`, q.ID, regexp.QuoteMeta(path), r.ID), stderr(ios))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var rows []map[string]any
	require.NoError(t, json.Unmarshal(b, &rows))
	assert.NotEmpty(t, rows)

	opts, ios = e.options(t, fmt.Sprintf("--query %d --to %s", q.ID, path))
	opts.Quiet = true
	require.NoError(t, export.FileRunForTest(context.Background(), opts))
	assert.Empty(t, stderr(ios))
}

func TestFileRunDisabled(t *testing.T) {
	e := newRunEnv(t, "10.1.0")
	e.srv.ResetRequests()
	path := filepath.Join(t.TempDir(), "out.csv")
	opts, ios := e.options(t, "--query 5 --to "+path)
	opts.Disabled = true
	require.NoError(t, export.FileRunForTest(context.Background(), opts))
	assert.Equal(t, "export disabled by REDASHCTL_EXPORT_DISABLED: query 5 was not exported to "+path+"\n", stderr(ios))
	assert.Empty(t, e.srv.Requests())
	_, err := os.Stat(path)
	assert.True(t, os.IsNotExist(err))
}

func TestFileRunTruncatedDownload(t *testing.T) {
	e := newRunEnv(t, "26.3.0")
	id := e.salesQuery()
	e.srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultTruncate, PathPrefix: "/api/query_results/", Times: 1})
	path := filepath.Join(t.TempDir(), "sales.jsonl")
	opts, ios := e.options(t, fmt.Sprintf("--query %d --to %s", id, path))
	require.NoError(t, export.FileRunForTest(context.Background(), opts))
	assert.Contains(t, stderr(ios), ", 2 attempts)")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		var row map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &row))
	}
}

// The exit codes, through root.Main with the real factory.
func TestFileExitCodes(t *testing.T) {
	e := newRunEnv(t, "10.1.0")
	cached, _ := e.cachedQuery(t)
	sales := e.salesQuery()
	broken := e.srv.AddQuery(fakeredash.QuerySpec{Name: "Broken", SQL: "SELECT day FROM deprecated_orders"})
	env := clitest.EnvFor(e.url, e.srv.AdminKey())
	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv")

	tests := []struct {
		name     string
		env      clitest.Env
		args     string
		code     int
		stderr   string // a regexp
		file     bool
		requests bool // the fake saw requests
	}{
		{
			name: "cached result", args: fmt.Sprintf("--query %d --to %s", cached.ID, out), code: 0,
			stderr: fmt.Sprintf(`^exported \d+ rows, \d+ columns of query %d to .*out.csv \(cached result \d+, .* old\)\n$`, cached.ID), file: true, requests: true,
		},
		{
			name: "disabled", env: clitest.Env{export.DisabledEnv: "yes"}, args: fmt.Sprintf("--query %d --to %s", cached.ID, out), code: 0,
			stderr: `^export disabled by REDASHCTL_EXPORT_DISABLED: query \d+ was not exported to .*out.csv\n$`,
		},
		{
			name: "bad parameter", args: fmt.Sprintf("--query %d --to %s --param region=Mars --param colour=red", sales, out), code: 2,
			stderr: fmt.Sprintf(`^error: query %d: parameter "colour": unknown parameter: the query's parameters are region, period; parameter "region": "Mars" is not one of "EMEA", "AMER", "APAC"\n$`, sales), requests: true,
		},
		{
			name: "unknown query", args: "--query 99999 --to " + out, code: 1,
			stderr: `^error: query 99999 does not exist or this API key cannot see it: get query 99999: redash returned 404 Not Found .*\n$`, requests: true,
		},
		{
			name: "failing query", args: fmt.Sprintf("--query %d --to %s", broken, out), code: 1,
			stderr: fmt.Sprintf(`^error: query %d: query job \S+ failed: relation "deprecated_orders" does not exist\n$`, broken), requests: true,
		},
		{
			name: "stale result", args: fmt.Sprintf("--query %d --to %s --max-result-age 1d", cached.ID, out), code: 1,
			stderr: fmt.Sprintf(`^error: query %d: result \d+ is \S+ old \(retrieved \S+\), older than the allowed 1d: nothing was written\n$`, cached.ID), requests: true,
		},
		{
			name: "unwritable path", args: fmt.Sprintf("--query %d --to %s", cached.ID, filepath.Join(dir, "missing", "out.csv")), code: 1,
			stderr: `^error: cannot write .*/missing/out.csv: directory .*/missing does not exist\n$`,
		},
		{
			name: "bad key", env: clitest.Env{"REDASHCTL_API_KEY": "wrong"}, args: fmt.Sprintf("--query %d --to %s", cached.ID, out), code: 4,
			stderr: `^error: .*check the API key.*\n$`,
		},
		{name: "usage", args: "--query 1", code: 2, stderr: `^error: --to is required.*\nRun 'redashctl export file --help' for usage.\n$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_ = os.Remove(out)
			e.srv.ResetRequests()
			runEnv := clitest.Env{}
			for k, v := range env {
				runEnv[k] = v
			}
			for k, v := range tt.env {
				runEnv[k] = v
			}
			args, err := splitArgs("export file " + tt.args)
			require.NoError(t, err)
			res := clitest.Run(t, runEnv, args...)
			assert.Equal(t, tt.code, res.Code, res.Stderr)
			assert.Regexp(t, tt.stderr, res.Stderr)
			assert.Empty(t, res.Stdout)
			_, err = os.Stat(out)
			assert.Equal(t, tt.file, err == nil, "file written")
			entries, _ := os.ReadDir(dir)
			for _, en := range entries {
				assert.False(t, strings.HasSuffix(en.Name(), ".tmp"), "temporary file %s left behind", en.Name())
			}
			assert.Equal(t, tt.requests, len(e.paths()) > 0, "%v", e.paths())
			if tt.code == 2 {
				for _, p := range e.paths() {
					assert.False(t, strings.HasPrefix(p, "POST "), "nothing runs on bad input: %s", p)
				}
			}
		})
	}
}

func TestSummaryLine(t *testing.T) {
	sum := &results.Summary{QueryID: 4, ResultID: 9, Rows: 1, Columns: 1, Age: 26*time.Hour + 5*time.Minute}
	assert.Equal(t, "exported 1 row, 1 column of query 4 to x.csv (cached result 9, 1d2h old)", export.SummaryLineForTest(sum, "x.csv"))
	sum = &results.Summary{QueryID: 4, ResultID: 9, Rows: 0, Columns: 3, Ran: true, Attempts: 2}
	assert.Equal(t, "exported 0 rows, 3 columns of query 4 to x.csv (ran now, result 9, 2 attempts)", export.SummaryLineForTest(sum, "x.csv"))
	for d, want := range map[time.Duration]string{
		0: "0s", 59 * time.Second: "59s", 90 * time.Second: "1m", 3 * time.Hour: "3h",
		3*time.Hour + 4*time.Minute: "3h4m", 48 * time.Hour: "2d", 50 * time.Hour: "2d2h",
	} {
		assert.Equal(t, want, export.HumanAgeForTest(d))
	}
}

// splitArgs splits a command line on spaces, keeping 'single-quoted' parts
// together.
func splitArgs(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in, quoted := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted, in = !quoted, true
		case r == ' ' && !quoted:
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("unclosed quote in %q", s)
	}
	if in {
		out = append(out, cur.String())
	}
	return out, nil
}

// Ctrl-C while Redash runs the query: exit 130 and nothing written.
func TestFileInterrupted(t *testing.T) {
	srv, err := fakeredash.New(fakeredash.Options{Version: "10.1.0", Queries: 40, Seed: 7, Now: clitest.Now})
	require.NoError(t, err)
	id := srv.AddQuery(fakeredash.QuerySpec{Name: "Slow", SQL: "SELECT day, total AS total FROM big"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/jobs/") {
			cancel()
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv")
	ios, _, stdoutBuf, stderrBuf := iostreams.Test()
	env := clitest.EnvFor(hs.URL, srv.AdminKey())
	env["HOME"] = t.TempDir()
	code := root.RunWithClock(ctx, []string{"export", "file", "--query", fmt.Sprint(id), "--to", out}, ios, env.Lookup, func() time.Time { return clitest.Now })
	assert.Equal(t, 130, code, stderrBuf.String())
	assert.Equal(t, "interrupted\n", stderrBuf.String())
	assert.Empty(t, stdoutBuf.String())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "no file, no temporary file")
}
