package demo_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/clitest"
)

func TestDemoTour(t *testing.T) {
	for _, v := range []string{"4.0.2", "26.3.0"} {
		t.Run(v, func(t *testing.T) {
			// The tour must not pick up the user's own Redash settings.
			env := clitest.Env{"REDASHCTL_URL": "http://127.0.0.1:1", "REDASHCTL_API_KEY": "users-own-key"}
			res := clitest.Run(t, env, "demo", "--queries", "400", "--redash-version", v)
			require.Equal(t, 0, res.Code, res.Stderr)
			out := res.Stdout
			assert.Contains(t, out, "$ redashctl profile check")
			assert.Contains(t, out, "version:  "+v)
			assert.Contains(t, out, "admin:    yes")
			assert.Contains(t, out, "$ redashctl query list --limit 10")
			assert.Contains(t, out, "visible queries:")
			assert.NotContains(t, out, "users-own-key")
			assert.Contains(t, out, "$ redashctl export sheet --query ")
			assert.Regexp(t, `\n\S+ ok +query-\d+: query \d+ -> spreadsheet demo-spreadsheet tab "Demo" \(created\): \d+ rows`, out)
			assert.Contains(t, out, "# Read back from the fake Sheets: tab \"Demo\" holds ")
			assert.Equal(t, 5, strings.Count(out, "\n# ")-1, "three steps, a summary, an export and its read-back")
		})
	}
}

func TestDemoBadVersion(t *testing.T) {
	res := clitest.Run(t, nil, "demo", "--redash-version", "3.0")
	assert.Equal(t, 1, res.Code)
	assert.Contains(t, res.Stderr, "error: ")
	assert.Contains(t, res.Stderr, "4.0.2")
	assert.Equal(t, 1, strings.Count(res.Stderr, "\n"))
}
