package results

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/pkg/redash"
)

// recordingConsumer keeps what each run of it saw, like a writer that stages
// rows and publishes them only at the end of the iterator.
type recordingConsumer struct {
	mu        sync.Mutex
	runs      int
	published [][]any
	cols      []redash.Column
	stopped   []error
	failAfter int // fail after this many rows (0: never)
}

func (c *recordingConsumer) consume(ctx context.Context, cols []redash.Column, rows iter.Seq2[[]any, error]) error {
	c.mu.Lock()
	c.runs++
	c.mu.Unlock()
	var staged [][]any
	for row, err := range rows {
		if err != nil {
			c.mu.Lock()
			c.stopped = append(c.stopped, err)
			c.mu.Unlock()
			return err
		}
		staged = append(staged, append([]any(nil), row...))
		if c.failAfter > 0 && len(staged) == c.failAfter {
			return errors.New("quota exceeded")
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cols, c.published = cols, staged
	return nil
}

func pushRows(t *testing.T, s Sink, n int) error {
	t.Helper()
	row := make([]any, 2)
	for i := range n {
		row[0], row[1] = json.Number(fmt.Sprint(i)), fmt.Sprintf("row %d", i)
		if err := s.Row(row); err != nil {
			return err
		}
	}
	return nil
}

var twoCols = []redash.Column{{Name: "n", Type: "integer"}, {Name: "s", Type: "string"}}

func TestPullSinkDeliversEveryRowInOrder(t *testing.T) {
	for _, n := range []int{0, 1, 511, 512, 513, 5000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			c := &recordingConsumer{}
			s := NewPullSink(context.Background(), c.consume)
			require.NoError(t, s.Begin(twoCols))
			require.NoError(t, pushRows(t, s, n))
			require.NoError(t, s.Commit(Info{}))
			require.NoError(t, s.Abort(), "abort after commit does nothing")
			assert.Equal(t, twoCols, c.cols)
			require.Len(t, c.published, n)
			for i, r := range c.published {
				assert.Equal(t, []any{json.Number(fmt.Sprint(i)), fmt.Sprintf("row %d", i)}, r)
			}
		})
	}
}

func TestPullSinkShortRowsArePadded(t *testing.T) {
	c := &recordingConsumer{}
	s := NewPullSink(context.Background(), c.consume)
	require.NoError(t, s.Begin(twoCols))
	require.NoError(t, s.Row([]any{json.Number("1")}))
	require.NoError(t, s.Row([]any{json.Number("2"), "b", "extra"}))
	require.NoError(t, s.Commit(Info{}))
	assert.Equal(t, [][]any{{json.Number("1"), nil}, {json.Number("2"), "b"}}, c.published)
}

func TestPullSinkRestartAndAbort(t *testing.T) {
	c := &recordingConsumer{}
	s := NewPullSink(context.Background(), c.consume)
	require.NoError(t, s.Begin(twoCols))
	require.NoError(t, pushRows(t, s, 1500))
	require.NoError(t, s.Begin(twoCols), "the download starts again")
	require.NoError(t, pushRows(t, s, 3))
	require.NoError(t, s.Commit(Info{}))
	assert.Len(t, c.published, 3, "only the last attempt is published")
	assert.Equal(t, 2, c.runs)
	assert.Equal(t, []error{ErrRestart}, c.stopped)

	c = &recordingConsumer{}
	s = NewPullSink(context.Background(), c.consume)
	require.NoError(t, s.Begin(twoCols))
	require.NoError(t, pushRows(t, s, 700))
	require.NoError(t, s.Abort())
	assert.Nil(t, c.published)
	assert.Equal(t, []error{ErrAborted}, c.stopped)
	assert.Error(t, s.Commit(Info{}))
}

func TestPullSinkConsumerFails(t *testing.T) {
	c := &recordingConsumer{failAfter: 10}
	s := NewPullSink(context.Background(), c.consume)
	require.NoError(t, s.Begin(twoCols))
	err := pushRows(t, s, 5000)
	require.EqualError(t, err, "quota exceeded", "rows stop as soon as the consumer gave up")
	require.NoError(t, s.Abort())

	c = &recordingConsumer{failAfter: 3}
	s = NewPullSink(context.Background(), c.consume)
	require.NoError(t, s.Begin(twoCols))
	require.NoError(t, pushRows(t, s, 5), "the rows fit one batch")
	assert.EqualError(t, s.Commit(Info{}), "quota exceeded")
}

func TestPullSinkConsumerReturnsEarly(t *testing.T) {
	s := NewPullSink(context.Background(), func(ctx context.Context, cols []redash.Column, rows iter.Seq2[[]any, error]) error {
		return nil
	})
	require.NoError(t, s.Begin(twoCols))
	err := pushRows(t, s, 5000)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "before the end of the rows")
	require.NoError(t, s.Abort())
}
