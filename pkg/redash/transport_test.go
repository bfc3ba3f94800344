package redash

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/go-resty/resty/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadBody checks what the transport hands on after reading a body
// itself: the bytes for checkResponse, and for resty an empty body that
// ends with the read's error, exactly what resty would have met reading.
func TestReadBody(t *testing.T) {
	const limit = 10
	for _, tc := range []struct {
		name    string
		body    io.Reader
		size    int64 // Content-Length, -1 unknown
		want    string
		wantErr error
	}{
		{name: "sized", body: strings.NewReader(`{"a": 1}`), size: 8, want: `{"a": 1}`},
		{name: "chunked", body: strings.NewReader(`{"a": 1}`), size: -1, want: `{"a": 1}`},
		{name: "at the limit", body: strings.NewReader(`0123456789`), size: 10, want: `0123456789`},
		{name: "over the limit", body: strings.NewReader(`0123456789x`), size: -1, wantErr: resty.ErrResponseBodyTooLarge},
		{name: "Content-Length over the limit", body: strings.NewReader(`0123456789xyz`), size: 13, wantErr: resty.ErrResponseBodyTooLarge},
		{name: "cut short", body: io.MultiReader(strings.NewReader(`{"a"`), iotest.ErrReader(io.ErrUnexpectedEOF)), size: 8, want: `{"a"`, wantErr: io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			closed := false
			body := readCloser{Reader: tc.body, close: func() { closed = true }}
			var cl call
			rest := cl.readBody(body, tc.size, limit)
			assert.True(t, closed, "the network body is closed once read")
			got, err := io.ReadAll(rest)
			assert.Empty(t, got, "resty gets no bytes")
			if tc.wantErr != nil {
				require.Error(t, err)
				assert.True(t, errors.Is(err, tc.wantErr), "error %v", err)
			} else {
				require.NoError(t, err)
			}
			if tc.want != "" {
				assert.Equal(t, tc.want, string(cl.body))
			}
			assert.NoError(t, rest.Close())
		})
	}
}

type readCloser struct {
	io.Reader
	close func()
}

func (r readCloser) Close() error { r.close(); return nil }
