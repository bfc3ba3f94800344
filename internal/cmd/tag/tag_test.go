package tag_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmd/tag"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/selection"
	"github.com/redashctl/redashctl/pkg/plan"
)

func TestNewCmdTag(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		check   func(t *testing.T, o *tag.TagOptions)
		wantErr string
	}{
		{name: "add", args: "add keep finance --ids 1,2 --yes", check: func(t *testing.T, o *tag.TagOptions) {
			assert.False(t, o.Remove)
			assert.Equal(t, []string{"keep", "finance"}, o.Tags)
			assert.Equal(t, []int{1, 2}, o.Selection.IDs)
			assert.Equal(t, "tag", o.PlanAction)
		}},
		{name: "remove with filters", args: "remove keep --owner a@b --dry-run", check: func(t *testing.T, o *tag.TagOptions) {
			assert.True(t, o.Remove)
			assert.Equal(t, selection.ByFilter, o.Selection.Kind())
			assert.Equal(t, "untag", o.PlanAction)
			assert.True(t, o.DryRun)
		}},
		{name: "plan without tags", args: "add --plan p.json --plan-action keep --yes", check: func(t *testing.T, o *tag.TagOptions) {
			assert.Empty(t, o.Tags)
			assert.Equal(t, "keep", o.PlanAction)
		}},
		{name: "no tag", args: "add --ids 1 --yes", wantErr: "no tag given: name the tags to add, e.g. redashctl tag add keep --ids 12"},
		{name: "empty tag", args: "add  --ids 1 --yes ''", wantErr: "a tag must not be empty"},
		{name: "no selection", args: "remove keep --yes", wantErr: "no queries selected: use --ids, --ids-file, --plan or query filters such as --tag or --not-run-since"},
		{name: "bad plan action", args: "add --plan p --plan-action drop --yes", wantErr: `invalid --plan-action "drop": use archive, tag, untag or keep`},
		{name: "plan action without plan", args: "add x --ids 1 --plan-action keep --yes", wantErr: "--plan-action goes with --plan"},
		{name: "no yes", args: "add x --ids 1", wantErr: "--yes is required to add tags when not running in a terminal (or use --dry-run to see what would change)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, func(string) (string, bool) { return "", false })
			var got *tag.TagOptions
			args := strings.Fields(tt.args)
			for i, a := range args {
				if a == "''" {
					args[i] = ""
				}
			}
			cmd := tag.NewCmdAdd(f, func(o *tag.TagOptions) error { got = o; return nil })
			if args[0] == "remove" {
				cmd = tag.NewCmdRemove(f, func(o *tag.TagOptions) error { got = o; return nil })
			}
			cmd.SetArgs(args[1:])
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, got)
		})
	}
}

func tagsOf(srv *fakeredash.Server, ids []int) map[int][]string {
	out := map[int][]string{}
	for _, q := range srv.Snapshot().Queries {
		if slices.Contains(ids, q.ID) {
			out[q.ID] = q.Tags
		}
	}
	return out
}

func posts(srv *fakeredash.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			out = append(out, r.Method+" "+r.Path+" "+string(r.Body))
		}
	}
	slices.Sort(out)
	return out
}

// someQueries returns n queries the admin lists, none tagged keep or
// reviewed.
func someQueries(srv *fakeredash.Server, n int) []int {
	visible := map[int]bool{}
	for _, id := range srv.VisibleQueryIDs(srv.AdminKey()) {
		visible[id] = true
	}
	var out []int
	for _, q := range srv.Snapshot().Queries {
		if len(out) == n {
			break
		}
		if visible[q.ID] && !slices.Contains(q.Tags, "keep") && !slices.Contains(q.Tags, "reviewed") {
			out = append(out, q.ID)
		}
	}
	return out
}

func joinIDs(ids []int) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	return strings.Join(parts, ",")
}

// TestTagRoundTrip: add then remove leaves every query as it was; the
// whole tag list and the version go in one POST per changed query; a re-run
// and a dry run send nothing; tags are read from the lists only.
func TestTagRoundTrip(t *testing.T) {
	for _, v := range []string{"5.0.2", "8.0.0", "10.1.0", "26.3.0"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			srv, url := clitest.Fake(t, fakeredash.Options{Version: v, Queries: 120, Seed: 5})
			env := clitest.EnvFor(url, srv.AdminKey())
			ids := someQueries(srv, 20)
			before := tagsOf(srv, ids)

			res := clitest.Run(t, env, "tag", "add", "reviewed", "--ids", joinIDs(ids), "--dry-run", "-o", "json")
			require.Equal(t, 0, res.Code, res.Stderr)
			assert.Empty(t, posts(srv), "a dry run changes nothing")
			var recs []tag.Record
			require.NoError(t, json.Unmarshal([]byte(res.Stdout), &recs))
			require.Len(t, recs, len(ids))
			for _, r := range recs {
				assert.Equal(t, "would-update", r.Status)
				assert.Equal(t, before[r.ID], r.TagsBefore)
				assert.Equal(t, append(slices.Clone(before[r.ID]), "reviewed"), r.TagsAfter)
			}

			res = clitest.Run(t, env, "tag", "add", "reviewed", "--ids", joinIDs(ids), "--yes")
			require.Equal(t, 0, res.Code, res.Stderr)
			assert.Contains(t, res.Stdout, "Updated 20 of 20 queries\n")
			mid := tagsOf(srv, ids)
			var wantPosts []string
			for _, id := range ids {
				assert.Equal(t, append(slices.Clone(before[id]), "reviewed"), mid[id])
				body, _ := json.Marshal(map[string]any{"tags": mid[id], "version": 1})
				wantPosts = append(wantPosts, "POST /api/queries/"+strconv.Itoa(id)+" "+string(body))
			}
			slices.Sort(wantPosts)
			assert.Equal(t, wantPosts, posts(srv), "one POST per query: the whole list and the version")
			for _, r := range srv.Requests() {
				if r.Method == "GET" && strings.HasPrefix(r.Path, "/api/queries/") {
					t.Errorf("a query was read one by one: %s", r.Path)
				}
			}

			srv.ResetRequests()
			res = clitest.Run(t, env, "tag", "add", "reviewed", "--ids", joinIDs(ids), "--yes")
			require.Equal(t, 0, res.Code, res.Stderr)
			assert.Empty(t, posts(srv), "a re-run changes nothing")
			assert.Equal(t, "Nothing to change (20 already as asked)\n", lastLine(res.Stdout))

			res = clitest.Run(t, env, "tag", "remove", "reviewed", "--ids", joinIDs(ids), "--yes", "-o", "csv")
			require.Equal(t, 0, res.Code, res.Stderr)
			assert.Equal(t, "id,name,tags_before,tags_after,status,error", strings.SplitN(res.Stdout, "\n", 2)[0])
			assert.Equal(t, before, tagsOf(srv, ids))
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1] + "\n"
}

// TestTagV4: Redash 4 has no tags.
func TestTagV4(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "4.0.2", Queries: 50, Seed: 5})
	res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), "tag", "add", "keep", "--ids", "1", "--yes")
	assert.Equal(t, 1, res.Code)
	assert.Equal(t, "error: tags need Redash 5 or later: Redash 4.0.2 has no tags\n", res.Stderr)
}

// conflicts answers 409 to the first n POSTs of each chosen query, as Redash
// does for a stale version.
type conflicts struct {
	next http.Handler
	mu   sync.Mutex
	left map[string]int
}

func (c *conflicts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		c.mu.Lock()
		n := c.left[r.URL.Path]
		if n > 0 {
			c.left[r.URL.Path] = n - 1
		}
		c.mu.Unlock()
		if n > 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"message": "A conflict happened while processing the request."}`))
			return
		}
	}
	c.next.ServeHTTP(w, r)
}

// TestTagConflict: a 409 makes the query be read again and the update tried
// once more; a second 409 fails that query (exit 3), the others go through.
func TestTagConflict(t *testing.T) {
	srv, err := fakeredash.New(fakeredash.Options{Version: "10.1.0", Queries: 60, Seed: 5, Now: clitest.Now})
	require.NoError(t, err)
	ids := someQueries(srv, 4)
	c := &conflicts{next: srv, left: map[string]int{
		"/api/queries/" + strconv.Itoa(ids[0]): 1,
		"/api/queries/" + strconv.Itoa(ids[1]): 2,
	}}
	hs := httptest.NewServer(c)
	t.Cleanup(hs.Close)
	res := clitest.Run(t, clitest.EnvFor(hs.URL, srv.AdminKey()), "tag", "add", "reviewed", "--ids", joinIDs(ids), "--yes")
	assert.Equal(t, 3, res.Code, res.Stderr)
	assert.Contains(t, res.Stdout, "Updated 3 of 4 queries; 1 failed: "+strconv.Itoa(ids[1])+"\n")
	assert.Contains(t, res.Stdout, "409")
	tags := tagsOf(srv, ids)
	assert.Contains(t, tags[ids[0]], "reviewed", "retried once after a 409")
	assert.NotContains(t, tags[ids[1]], "reviewed")
	reads := 0
	for _, r := range srv.Requests() {
		if r.Method == "GET" && (r.Path == "/api/queries/"+strconv.Itoa(ids[0]) || r.Path == "/api/queries/"+strconv.Itoa(ids[1])) {
			reads++
		}
	}
	assert.Equal(t, 2, reads, "each conflicting query is read again once")
}

// TestTagFromPlan: the keepers of a reviewed plan get the keep tag; a plan
// of another instance is refused; the items' own tags apply when no tag is
// named.
func TestTagFromPlan(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 80, Seed: 5})
	env := clitest.EnvFor(url, srv.AdminKey())
	ids := someQueries(srv, 6)
	p := plan.New(clitest.Now.Add(-time.Hour), plan.Source{URL: url + "/", RedashVersion: "10.1.0"}, plan.Criteria{Command: "audit"})
	for i, id := range ids {
		it := plan.Item{QueryID: id, Action: plan.Keep, Reasons: []plan.Reason{}}
		switch i {
		case 0, 1:
			it.Action = plan.Archive
		case 2:
			it.Action, it.Tags = plan.Tag, []string{"legacy", "q3"}
		}
		p.Items = append(p.Items, it)
	}
	file := writePlan(t, p)
	res := clitest.Run(t, env, "tag", "add", "keep", "--plan", file, "--plan-action", "keep", "--yes")
	require.Equal(t, 0, res.Code, res.Stderr)
	tags := tagsOf(srv, ids)
	for i, id := range ids {
		assert.Equal(t, i >= 3, slices.Contains(tags[id], "keep"), "query %d", id)
	}
	res = clitest.Run(t, env, "tag", "add", "--plan", file, "--yes")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stdout, "Updated 1 of 1 queries\n")
	assert.Subset(t, tagsOf(srv, ids)[ids[2]], []string{"legacy", "q3"})

	p.Source.URL = "https://other.example.com/"
	res = clitest.Run(t, env, "tag", "add", "keep", "--plan", writePlan(t, p), "--yes")
	assert.Equal(t, 1, res.Code)
	assert.Contains(t, res.Stderr, "was made for https://other.example.com/, not "+url+"/: refusing to apply it to another instance\n")

	bad := filepath.Join(t.TempDir(), "v2.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"format": "redashctl-plan/v2", "source": {"url": "x"}, "items": []}`), 0o600))
	res = clitest.Run(t, env, "tag", "add", "keep", "--plan", bad, "--yes")
	assert.Equal(t, 1, res.Code)
	assert.Equal(t, `error: read plan `+bad+`: unsupported plan format "redashctl-plan/v2": this redashctl reads redashctl-plan/v1`+"\n", res.Stderr)
}

func writePlan(t *testing.T, p *plan.Plan) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, p.Write(&buf))
	path := filepath.Join(t.TempDir(), "plan.json")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	return path
}

// TestTagFaults: a 429 with Retry-After and a truncated answer are retried
// (an update writes absolute values, so repeating it is safe).
func TestTagFaults(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 60, Seed: 5})
	ids := someQueries(srv, 5)
	srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultRateLimit, RetryAfter: 1, Method: "POST", Times: 1})
	srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultTruncate, Method: "POST", Times: 2})
	srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, Status: 503, Method: "GET", PathPrefix: "/api/queries", Times: 1})
	res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), "tag", "add", "reviewed", "--ids", joinIDs(ids), "--yes")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stdout, "Updated 5 of 5 queries\n")
	for id, tags := range tagsOf(srv, ids) {
		assert.Equal(t, 1, strings.Count(strings.Join(tags, ","), "reviewed"), "query %d", id)
	}
}
