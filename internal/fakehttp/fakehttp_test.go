package fakehttp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wrapped stands for a fake's own ResponseWriter wrapper.
type wrapped struct{ http.ResponseWriter }

func (w wrapped) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func TestWriteTruncated(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		rec := NewRecorder()
		rec.Header().Set("Content-Type", "application/json")
		rec.WriteHeader(http.StatusCreated)
		_, _ = rec.Write([]byte(`{"id": 12345678}`))
		WriteTruncated(wrapped{w}, rec)
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.EqualValues(t, 16, resp.ContentLength, "the full length is announced")
	body, err := io.ReadAll(resp.Body)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, `{"id": 1`, string(body), "half the body arrives")
}

func TestReset(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { Reset(wrapped{w}) }))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err, "no response at all")
}

func TestRecorderStatus(t *testing.T) {
	assert.Equal(t, http.StatusOK, NewRecorder().Status(), "nothing written")
	rec := NewRecorder()
	rec.WriteHeader(http.StatusNotFound)
	rec.WriteHeader(http.StatusOK)
	assert.Equal(t, http.StatusNotFound, rec.Status(), "the first status counts")
}

func TestSleep(t *testing.T) {
	assert.True(t, Sleep(context.Background(), time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	assert.False(t, Sleep(ctx, time.Hour))
	assert.Less(t, time.Since(start), time.Minute)
}
