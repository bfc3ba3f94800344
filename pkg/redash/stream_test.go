package redash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func resultJSON(rows int, columnsFirst bool) string {
	var b strings.Builder
	cols := `"columns": [{"name": "n", "friendly_name": "N", "type": "integer"}, {"name": "s", "friendly_name": "s", "type": "string"}]`
	var rs strings.Builder
	rs.WriteString(`"rows": [`)
	for i := range rows {
		if i > 0 {
			rs.WriteString(",")
		}
		fmt.Fprintf(&rs, `{"n": %d, "s": "row %d"}`, i, i)
	}
	rs.WriteString("]")
	data := cols + ", " + rs.String()
	if !columnsFirst {
		data = rs.String() + ", " + cols
	}
	fmt.Fprintf(&b, `{"query_result": {"id": 55, "query_hash": "h", "query": "select", "data": {%s, "metadata": {"x": 1}}, "data_source_id": 3, "runtime": 0.5, "retrieved_at": "2025-01-01T00:00:00Z"}}`, data)
	return b.String()
}

type collected struct {
	cols      []Column
	rows      []map[string]any
	colsFirst bool
}

func (c *collected) handler() ResultHandler {
	return ResultHandler{
		Columns: func(cols []Column) error {
			c.cols = cols
			c.colsFirst = len(c.rows) == 0
			return nil
		},
		Row: func(row map[string]any) error {
			c.rows = append(c.rows, row)
			return nil
		},
	}
}

func serveRaw(f *fakeRedash, path, body string) {
	f.routes["GET "+path] = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

func TestStreamResult(t *testing.T) {
	for _, columnsFirst := range []bool{true, false} {
		t.Run(fmt.Sprint("columns first ", columnsFirst), func(t *testing.T) {
			f := newFake(t, "10.1.0")
			serveRaw(f, "/api/query_results/55", resultJSON(1000, columnsFirst))
			c, _ := f.start()
			var got collected
			res, err := c.Queries.StreamResult(context.Background(), 55, got.handler())
			require.NoError(t, err)
			assert.Equal(t, 55, res.ID)
			assert.Equal(t, 3, res.DataSourceID)
			assert.Equal(t, 0.5, res.Runtime)
			assert.Empty(t, res.Data.Rows)
			assert.Equal(t, []Column{{"n", "N", "integer"}, {"s", "s", "string"}}, res.Data.Columns)
			assert.True(t, got.colsFirst, "columns are handed over before any row")
			require.Len(t, got.rows, 1000)
			for i, r := range got.rows {
				require.Equal(t, json.Number(fmt.Sprint(i)), r["n"])
				require.Equal(t, fmt.Sprintf("row %d", i), r["s"])
			}
		})
	}
}

func TestStreamResultEmptyAndNull(t *testing.T) {
	for name, body := range map[string]string{
		"no rows":   resultJSON(0, true),
		"null data": `{"query_result": {"id": 55, "data": null}}`,
		"null rows": `{"query_result": {"id": 55, "data": {"columns": [], "rows": null}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, "10.1.0")
			serveRaw(f, "/api/query_results/55", body)
			c, _ := f.start()
			called := 0
			res, err := c.Queries.StreamResult(context.Background(), 55, ResultHandler{Columns: func([]Column) error { called++; return nil }})
			require.NoError(t, err)
			assert.Equal(t, 55, res.ID)
			assert.Equal(t, 1, called, "Columns is called once even for an empty result")
		})
	}
}

func TestStreamResultErrors(t *testing.T) {
	t.Run("not found", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		f.routes["GET /api/query_results/55"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 404, map[string]string{"message": "Not found"})
		}
		c, _ := f.start()
		_, err := c.Queries.StreamResult(context.Background(), 55, ResultHandler{})
		assertOneLine(t, err)
		assert.ErrorIs(t, err, ErrNotFound)
	})
	t.Run("auth", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		f.key = "other"
		c, _ := f.start(WithAPIKey(testKey))
		_, err := c.Queries.StreamResult(context.Background(), 55, ResultHandler{})
		assert.ErrorIs(t, err, ErrUnauthorized)
	})
	t.Run("proxy errors are retried and free their slot", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		var calls atomic.Int32
		f.routes["GET /api/query_results/55"] = func(w http.ResponseWriter, _ *http.Request) {
			if calls.Add(1) <= 2 {
				writeHTML(w, 502, "Bad Gateway")
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, resultJSON(3, true))
		}
		c, _ := f.start(WithConcurrency(1)) // a leaked slot would hang here
		var got collected
		_, err := c.Queries.StreamResult(context.Background(), 55, got.handler())
		require.NoError(t, err)
		assert.Len(t, got.rows, 3)
		assert.EqualValues(t, 3, calls.Load())
		_, err = c.Session(context.Background())
		require.NoError(t, err, "the slot was freed")
	})
	t.Run("html page", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		f.routes["GET /api/query_results/55"] = func(w http.ResponseWriter, _ *http.Request) { writeHTML(w, 200, "Redash") }
		c, _ := f.start()
		_, err := c.Queries.StreamResult(context.Background(), 55, ResultHandler{})
		var he *HTMLError
		require.ErrorAs(t, err, &he)
	})
	t.Run("broken off", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		full := resultJSON(100, true)
		f.routes["GET /api/query_results/55"] = func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, full[:len(full)/2])
		}
		c, _ := f.start()
		var got collected
		_, err := c.Queries.StreamResult(context.Background(), 55, got.handler())
		assertOneLine(t, err)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		assert.NotEmpty(t, got.rows, "rows before the break were handed over")
		assert.Equal(t, 1, f.count("GET", "/api/query_results/55"), "not retried once rows were handed over")
	})
	t.Run("handler error", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		serveRaw(f, "/api/query_results/55", resultJSON(100, true))
		c, _ := f.start()
		stop := errors.New("sheet is full")
		n := 0
		_, err := c.Queries.StreamResult(context.Background(), 55, ResultHandler{Row: func(map[string]any) error {
			n++
			if n == 10 {
				return stop
			}
			return nil
		}})
		assert.ErrorIs(t, err, stop)
		assert.Equal(t, 10, n)
	})
	t.Run("too large", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		serveRaw(f, "/api/query_results/55", resultJSON(1000, true))
		c, _ := f.start(WithMaxResultSize(4096))
		_, err := c.Queries.StreamResult(context.Background(), 55, ResultHandler{})
		assertOneLine(t, err)
		assert.ErrorIs(t, err, ErrBodyTooLarge)
	})
}
