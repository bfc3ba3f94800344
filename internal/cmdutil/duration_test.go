package cmdutil

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "90d", want: 90 * 24 * time.Hour},
		{in: "2w", want: 14 * 24 * time.Hour},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "0s", want: 0},
		{in: "", err: `empty duration: use a form like 90d, 2w or 12h`},
		{in: "90", err: `invalid duration "90": unknown unit "" (use w, d, h, m, s)`},
		{in: "3y", err: `invalid duration "3y": unknown unit "y" (use w, d, h, m, s)`},
		{in: "d", err: `invalid duration "d": use a form like 90d, 2w or 12h`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseDate(t *testing.T) {
	d, err := ParseDate("2024-02-29")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), d)
	_, err = ParseDate("29/02/2024")
	assert.EqualError(t, err, `invalid date "29/02/2024": use YYYY-MM-DD or an RFC 3339 time`)
}
