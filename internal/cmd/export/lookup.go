package export

import (
	"context"
	"fmt"
	"sync"

	"github.com/redashctl/redashctl/pkg/redash"
)

// queryLookup finds jobs' queries in each profile's query lists, read once
// per run. It never reads a query with GET /api/queries/<id>, which Redash 6
// and later record as a view: export validate and the --dry-run of export
// run and sheet use it, so that checking a manifest leaves no usage behind.
type queryLookup struct {
	mu        sync.Mutex
	byProfile map[string]*queryIndex
}

// queryIndex is a profile's query lists, read once.
type queryIndex struct {
	once     sync.Once
	version  redash.Version
	byID     map[int]redash.Query
	archived map[int]bool
	err      error
}

func newQueryLookup() *queryLookup { return &queryLookup{byProfile: map[string]*queryIndex{}} }

func (l *queryLookup) index(profile string) *queryIndex {
	l.mu.Lock()
	defer l.mu.Unlock()
	idx := l.byProfile[profile]
	if idx == nil {
		idx = &queryIndex{}
		l.byProfile[profile] = idx
	}
	return idx
}

// find returns query id of the profile's Redash at url, and that server's
// version. A query the lists do not show is an error matching
// redash.ErrNotFound that says why where it can.
func (l *queryLookup) find(ctx context.Context, profile string, client *redash.Client, url string, id int) (*redash.Query, redash.Version, error) {
	idx := l.index(profile)
	idx.once.Do(func() {
		if idx.version, idx.err = client.Version(ctx); idx.err != nil {
			return
		}
		qs, err := client.Queries.ListAll(ctx, redash.QueryListOptions{})
		if err != nil {
			idx.err = fmt.Errorf("list the queries of %s: %w", url, err)
			return
		}
		idx.byID = make(map[int]redash.Query, len(qs))
		for _, q := range qs {
			idx.byID[q.ID] = q
		}
		idx.archived = map[int]bool{}
		if idx.version.HasArchiveList() {
			// Only to say why a query is missing; a failure changes nothing.
			if arch, err := client.Queries.ListAll(ctx, redash.QueryListOptions{Archived: true}); err == nil {
				for _, q := range arch {
					idx.archived[q.ID] = true
				}
			}
		}
	})
	if idx.err != nil {
		return nil, idx.version, idx.err
	}
	q, ok := idx.byID[id]
	switch {
	case ok && q.DataSourceID == nil:
		return nil, idx.version, fmt.Errorf("query %d has no data source (it was deleted), so it cannot run", id)
	case ok:
		return &q, idx.version, nil
	case idx.archived[id]:
		return nil, idx.version, notFound(fmt.Sprintf("query %d is archived: restore it or remove the job", id))
	}
	return nil, idx.version, notFound(fmt.Sprintf("query %d is not in the query list of %s: it does not exist, is archived, or this API key cannot see it", id, url))
}

// notFound is a message that matches redash.ErrNotFound without repeating
// its text.
type notFound string

func (e notFound) Error() string { return string(e) }
func (notFound) Unwrap() error   { return redash.ErrNotFound }
