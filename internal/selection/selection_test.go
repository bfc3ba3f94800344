package selection

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/pkg/bulk"
	"github.com/redashctl/redashctl/pkg/plan"
)

func parse(t *testing.T, args ...string) (*Selection, error) {
	t.Helper()
	s := &Selection{}
	cmd := &cobra.Command{Use: "x", RunE: func(cmd *cobra.Command, _ []string) error { return s.Parse(cmd) }}
	s.AddFlags(cmd)
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return s, cmd.Execute()
}

// TestKeys: the same ids give the same key whether given with --ids or in
// a file (from stdin too); other ids and filters give other keys.
func TestKeys(t *testing.T) {
	a, err := parse(t, "--ids", "3,1,2,3")
	require.NoError(t, err)
	require.NoError(t, a.Load(nil))
	assert.Equal(t, []int{1, 2, 3}, a.IDs)
	assert.Equal(t, "--ids 1,2,3", a.Describe())

	file := filepath.Join(t.TempDir(), "ids.txt")
	require.NoError(t, os.WriteFile(file, []byte("# to archive\n2\n\n 1 \n3 # the third\n"), 0o600))
	b, err := parse(t, "--ids-file", file)
	require.NoError(t, err)
	require.NoError(t, b.Load(nil))
	assert.Equal(t, a.Key(), b.Key())
	assert.Equal(t, "--ids-file "+file+" (3 ids)", b.Describe())

	c, err := parse(t, "--ids-file", "-")
	require.NoError(t, err)
	require.NoError(t, c.Load(strings.NewReader("1\n2\n3\n")))
	assert.Equal(t, a.Key(), c.Key())

	d, err := parse(t, "--ids", "1,2")
	require.NoError(t, err)
	assert.NotEqual(t, a.Key(), d.Key())

	f1, err := parse(t, "--tag", "b", "--tag", "a", "--owner", "Ann@X")
	require.NoError(t, err)
	f2, err := parse(t, "--owner", "ann@x", "--tag", "a", "--tag", "b")
	require.NoError(t, err)
	assert.Equal(t, f1.Key(), f2.Key(), "filters in any order, e-mail in any case")
	assert.Equal(t, `--tag "a" --tag "b" --owner "ann@x"`, f1.Describe())
	f3, err := parse(t, "--owner", "ann@x", "--tag", "a", "--tag", "b", "--limit", "5")
	require.NoError(t, err)
	assert.NotEqual(t, f1.Key(), f3.Key())

	empty := filepath.Join(t.TempDir(), "empty.txt")
	require.NoError(t, os.WriteFile(empty, []byte("# nothing\n"), 0o600))
	e, err := parse(t, "--ids-file", empty)
	require.NoError(t, err)
	assert.EqualError(t, e.Load(nil), "ids file "+empty+" holds no query ids")
	s, err := parse(t, "--ids-file", "-")
	require.NoError(t, err)
	assert.EqualError(t, s.Load(strings.NewReader("1\n-4\n")), `ids file standard input, line 2: "-4" is not a query id (one id a line; # starts a comment)`)
}

func TestPlanSelection(t *testing.T) {
	p := plan.New(t0(), plan.Source{URL: "https://Redash.Example.com/", Org: "acme"}, plan.Criteria{Command: "audit"})
	p.Items = []plan.Item{{QueryID: 4, Action: plan.Archive, Reasons: []plan.Reason{}}, {QueryID: 9, Action: plan.Keep, Reasons: []plan.Reason{}}}
	file := filepath.Join(t.TempDir(), "plan.json")
	f, err := os.Create(file)
	require.NoError(t, err)
	require.NoError(t, p.Write(f))
	require.NoError(t, f.Close())
	s, err := parse(t, "--plan", file)
	require.NoError(t, err)
	require.NoError(t, s.Load(nil))
	require.NotNil(t, s.Plan())
	assert.True(t, strings.HasPrefix(s.Key(), "plan:"))
	assert.NoError(t, CheckPlanSource(s.Plan(), file, bulk.Source{URL: "https://redash.example.com", Org: "acme"}))
	assert.EqualError(t, CheckPlanSource(s.Plan(), file, bulk.Source{URL: "https://redash.example.com/"}),
		"plan "+file+" was made for https://Redash.Example.com/ (org acme), not https://redash.example.com/: refusing to apply it to another instance")
}

func TestConfirm(t *testing.T) {
	ios, in, _, errOut := iostreams.Test()
	assert.EqualError(t, CheckConfirm(ios, false, false, "archive queries"),
		"--yes is required to archive queries when not running in a terminal (or use --dry-run to see what would change)")
	assert.NoError(t, CheckConfirm(ios, true, false, "x"))
	assert.NoError(t, CheckConfirm(ios, false, true, "x"))
	ios.SetStdinTTY(true)
	ios.SetStdoutTTY(true)
	assert.NoError(t, CheckConfirm(ios, false, false, "x"))
	in.WriteString(" Y \n")
	ok, err := Confirm(ios, "Go?")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "Go? [y/N] ", errOut.String())
	ok, err = Confirm(ios, "Go?")
	require.NoError(t, err)
	assert.False(t, ok, "end of input declines")
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 9812: "9,812", 1234567: "1,234,567", -1500: "-1,500"} {
		assert.Equal(t, want, Thousands(n))
	}
}

func t0() time.Time { return time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC) }
