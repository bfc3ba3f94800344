package bulk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/redashctl/redashctl/pkg/redash"
)

// TagStatus is where one query of a tag run stands.
type TagStatus string

// The statuses of a tag item.
const (
	// TagPending: its tags will change (or would, in a dry run).
	TagPending TagStatus = "pending"
	// TagUpdated: its tags were written.
	TagUpdated TagStatus = "updated"
	// TagUnchanged: it already is as asked; nothing is written.
	TagUnchanged TagStatus = "unchanged"
	// TagNotFound: the query list does not show it (unknown, archived, or
	// invisible to the key); skipped.
	TagNotFound TagStatus = "not-found"
	// TagFailed: writing failed.
	TagFailed TagStatus = "failed"
)

// TagItem is the tag change of one query.
type TagItem struct {
	QueryID int
	Name    string
	// Add and Remove are the tags asked for.
	Add, Remove []string
	// Before and After are the whole tag lists.
	Before, After []string
	// Version is the query's version, sent with the update.
	Version int
	Status  TagStatus
	Error   string
}

// NewTagItem plans adding and removing tags on a listed query: tags to add
// that it lacks are appended in the given order, tags to remove are dropped,
// and a query that already is as asked is TagUnchanged.
func NewTagItem(q redash.Query, add, remove []string) *TagItem {
	it := &TagItem{QueryID: q.ID, Name: q.Name, Add: add, Remove: remove, Version: q.Version}
	it.retag(q.Tags)
	return it
}

func (it *TagItem) retag(current []string) {
	it.Before = slices.Clone(current)
	if it.Before == nil {
		it.Before = []string{}
	}
	it.After = ApplyTags(current, it.Add, it.Remove)
	if slices.Equal(it.Before, it.After) {
		it.Status = TagUnchanged
	} else {
		it.Status = TagPending
	}
}

// ApplyTags returns tags with add appended (those not there yet) and remove
// dropped; the order of the tags kept does not change.
func ApplyTags(tags, add, remove []string) []string {
	out := make([]string, 0, len(tags)+len(add))
	for _, t := range tags {
		if !slices.Contains(remove, t) && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	for _, t := range add {
		if !slices.Contains(remove, t) && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// Tagger writes planned tag changes.
type Tagger struct {
	Client *redash.Client
	// Workers is how many queries are updated at once; 0 means the client's
	// concurrency.
	Workers int
	// OnItem is called (from several goroutines) when an item is settled.
	OnItem func(*TagItem)
}

// Apply writes the pending items: the whole tag list and the version in
// one POST /api/queries/<id>. On a 409 it reads the query again, re-plans
// and retries once. It returns an error only when ctx ends.
func (t *Tagger) Apply(ctx context.Context, items []*TagItem) error {
	workers := t.Workers
	if workers <= 0 {
		workers = t.Client.Concurrency()
	}
	var pending []*TagItem
	for _, it := range items {
		if it.Status == TagPending {
			pending = append(pending, it)
		}
	}
	next := make(chan *TagItem)
	var wg sync.WaitGroup
	for range min(workers, len(pending)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range next {
				t.applyOne(ctx, it)
				if ctx.Err() == nil && t.OnItem != nil {
					t.OnItem(it)
				}
			}
		}()
	}
feed:
	for _, it := range pending {
		select {
		case next <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return ctx.Err()
}

func (t *Tagger) applyOne(ctx context.Context, it *TagItem) {
	err := t.write(ctx, it)
	if errors.Is(err, redash.ErrConflict) {
		// The version we sent is stale: read the query again, re-plan and
		// try once more.
		q, gerr := t.Client.Queries.Get(ctx, it.QueryID)
		if gerr != nil {
			err = fmt.Errorf("%w; reading it again: %w", err, gerr)
		} else {
			it.Version = q.Version
			it.retag(q.Tags)
			if it.Status == TagUnchanged {
				return
			}
			err = t.write(ctx, it)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		it.Status, it.Error = TagFailed, err.Error()
		return
	}
	it.Status = TagUpdated
}

func (t *Tagger) write(ctx context.Context, it *TagItem) error {
	tags, version := slices.Clone(it.After), it.Version
	_, err := t.Client.Queries.Update(ctx, it.QueryID, redash.UpdateQueryRequest{Tags: &tags, Version: &version})
	return err
}
