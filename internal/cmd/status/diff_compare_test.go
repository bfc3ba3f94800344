package status

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	live "github.com/redashctl/redashctl/internal/livestatus"
)

// TestCompareGroupsAndSettings: the fakes serve the same groups in every release, so the
// rows for a permission one side lacks, an unreadable side and long settings are checked
// here on hand-made snapshots.
func TestCompareGroupsAndSettings(t *testing.T) {
	cert := strings.Repeat("MIIC", 30)
	a := &live.Snapshot{
		Groups: []live.Group{
			{ID: 1, Name: "admin", Type: "builtin", Permissions: []string{"admin", "super_admin"}},
			{ID: 3, Name: "Finance", Type: "regular", Permissions: []string{"create_query", "view_query"}},
		},
		OrgSettings: map[string]any{"auth_saml_x509_cert": cert, "date_format": "DD/MM/YY", "only_a": true},
	}
	b := &live.Snapshot{
		Groups: []live.Group{
			{ID: 1, Name: "admin", Type: "builtin", Permissions: []string{"admin", "super_admin"}},
			{ID: 9, Name: "finance", Type: "regular", Permissions: []string{"execute_query", "view_query"}},
		},
		OrgSettings: map[string]any{"auth_saml_x509_cert": cert + "x", "date_format": "YYYY-MM-DD"},
	}
	res := compare([2]string{"a", "b"}, [2]*live.Snapshot{a, b})
	got := map[string][3]string{}
	for _, r := range res.Rows {
		if r.Section == "groups" || r.Section == "settings" {
			got[r.Item] = [3]string{r.A, r.B, r.Status}
		}
	}
	assert.Equal(t, [3]string{"builtin, 2 permissions", "builtin, 2 permissions", RowSame}, got["group admin"])
	assert.Equal(t, [3]string{"regular, 2 permissions", "regular, 2 permissions", RowSame}, got["group Finance"], "names match case-insensitively")
	assert.Equal(t, [3]string{"yes", "no", RowDifferent}, got["group Finance: permission create_query"])
	assert.Equal(t, [3]string{"no", "yes", RowDifferent}, got["group Finance: permission execute_query"])
	assert.NotContains(t, got, "group Finance: permission view_query")
	assert.Equal(t, [3]string{`"DD/MM/YY"`, `"YYYY-MM-DD"`, RowDifferent}, got["setting date_format"])
	assert.Equal(t, [3]string{"true", absent, RowDifferent}, got["setting only_a"])
	cr := got["setting auth_saml_x509_cert"]
	assert.Equal(t, RowDifferent, cr[2])
	assert.Regexp(t, `^\(122 bytes, sha256 [0-9a-f]{12}\)$`, cr[0])
	assert.NotEqual(t, cr[0], cr[1])
	assert.Equal(t, 5, res.Differences)

	// One side unreadable: every row of that part is unknown; both unreadable: one row.
	b.Groups, b.OrgSettings = nil, nil
	res = compare([2]string{"a", "b"}, [2]*live.Snapshot{a, b})
	for _, r := range res.Rows {
		if r.Section == "groups" || r.Section == "settings" {
			assert.Equal(t, RowUnknown, r.Status, r.Item)
			assert.Equal(t, unknown, r.B, r.Item)
		}
	}
	a.Groups, a.OrgSettings = nil, nil
	res = compare([2]string{"a", "b"}, [2]*live.Snapshot{a, b})
	var items []string
	for _, r := range res.Rows {
		if r.Section == "groups" || r.Section == "settings" {
			items = append(items, r.Item)
		}
	}
	assert.Equal(t, []string{"groups", "organization settings"}, items)
}
