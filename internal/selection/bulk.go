package selection

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redashctl/redashctl/pkg/bulk"
	"github.com/redashctl/redashctl/pkg/plan"
	"github.com/redashctl/redashctl/pkg/redash"
)

// ParseIDs reads query ids given as flag values ("1,2,3", repeatable) for
// the flag named flag; errors are usage errors.
func ParseIDs(raw []string, flag string) ([]int, error) {
	return parseIDList(raw, flag)
}

// ListIDs reads the live query list once and returns the queries among ids
// that it shows.
func ListIDs(ctx context.Context, client *redash.Client, ids []int) (map[int]redash.Query, error) {
	want := make(map[int]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	out := map[int]redash.Query{}
	for q, err := range client.Queries.ListIter(ctx, redash.QueryListOptions{}) {
		if err != nil {
			return nil, fmt.Errorf("list queries: %w", err)
		}
		if want[q.ID] {
			out[q.ID] = q
		}
	}
	return out, nil
}

// SourceOf describes the instance a client talks to: its URL without the
// org prefix, the org and the Redash version.
func SourceOf(client *redash.Client, v redash.Version) bulk.Source {
	src := bulk.Source{URL: client.BaseURL(), RedashVersion: v.String()}
	if org := client.Org(); org != "" {
		src.URL = strings.TrimSuffix(strings.TrimSuffix(src.URL, "/"), "/"+org) + "/"
		src.Org = org
	}
	return src
}

// CheckPlanSource refuses a plan made against another instance.
func CheckPlanSource(p *plan.Plan, file string, here bulk.Source) error {
	there := bulk.Source{URL: p.Source.URL, Org: p.Source.Org}
	if there.SameInstance(here) {
		return nil
	}
	return fmt.Errorf("plan %s was made for %s, not %s: refusing to apply it to another instance", file, describe(there), describe(here))
}

func describe(s bulk.Source) string {
	if s.Org != "" {
		return fmt.Sprintf("%s (org %s)", s.URL, s.Org)
	}
	return s.URL
}

// PlanAge returns how old a plan is at now.
func PlanAge(p *plan.Plan, now time.Time) time.Duration { return now.Sub(p.CreatedAt) }

// Thousands writes n with comma separators: 9,812.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Days renders a duration in days (or hours below two days) for messages.
func Days(d time.Duration) string {
	if d < 48*time.Hour {
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
