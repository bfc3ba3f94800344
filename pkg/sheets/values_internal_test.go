package sheets

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSerial(t *testing.T) {
	assert.Equal(t, 2.5, Serial(time.Date(1900, 1, 1, 12, 0, 0, 0, time.UTC)), "Google's example: noon, January 1st 1900")
	assert.Equal(t, 33.625, Serial(time.Date(1900, 2, 1, 15, 0, 0, 0, time.UTC)))
	assert.Equal(t, 45293.0, Serial(time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)))
	assert.Equal(t, 2958465.0, Serial(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)))
	zoned := time.Date(2024, 1, 2, 6, 0, 0, 0, time.FixedZone("X", -5*3600))
	assert.Equal(t, 45293.25, Serial(zoned), "the wall clock of the value's own zone")
}

func TestConverterLocationAndDates(t *testing.T) {
	c := newConverter([]Column{{Name: "d", Type: TypeDate}, {Name: "dt", Type: TypeDatetime}}, time.FixedZone("CET", 3600), MaxCellChars)
	v, _, err := c.value("2024-01-02T23:30:00Z", 1)
	require.NoError(t, err)
	assert.Equal(t, json.Number("45294.020833333336"), v, "converted to the location: 00:30 on January 3rd")
	v, _, err = c.value("2024-01-02T23:30:00Z", 0)
	require.NoError(t, err)
	assert.Equal(t, json.Number("45293"), v, "a date column keeps the date as written")
	v, _, err = c.value("2024-01-02", 1)
	require.NoError(t, err)
	assert.Equal(t, json.Number("45293"), v, "a date-only value in a date-time column is not shifted")
	for _, s := range []string{"2024-01-02 03:04", "2024-01-02T03:04:05.123456", "2024-01-02 03:04:05+02:00", "2024-01-02T03:04:05+0200"} {
		_, dateOnly, ok := parseDateTime(s)
		assert.True(t, ok, s)
		assert.False(t, dateOnly, s)
	}
	for _, s := range []string{"01/02/2024", "2024-1-2", "2024-01-02X", "tomorrow", ""} {
		_, _, ok := parseDateTime(s)
		assert.False(t, ok, s)
	}
}

func TestJSONStringLenMatchesEncoding(t *testing.T) {
	samples := []string{
		"", "plain", `quote " and \ backslash`, "<tag>&amp;", "tab\tnew\nline\r", "\x00\x01\x1f",
		"emoji 😀 and 日本語", "\u2028\u2029", "bad \xff utf8", strings.Repeat("é", 100),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		b := make([]byte, rng.IntN(40))
		for j := range b {
			b[j] = byte(rng.IntN(256))
		}
		samples = append(samples, string(b))
	}
	for _, s := range samples {
		enc, err := json.Marshal(s)
		require.NoError(t, err)
		got := jsonStringLen(s)
		assert.GreaterOrEqual(t, got, len(enc), "%q never underestimated", s)
		assert.LessOrEqual(t, got, len(enc)+4*strings.Count(s, "\b")+4*strings.Count(s, "\f"), "%q", s)
	}
}

func TestRowSizeMatchesEncoding(t *testing.T) {
	c := newConverter(nil, nil, MaxCellChars)
	row, size, err := c.row([]any{1, "a<b", true, nil, 2.5, json.Number("7"), nil, nil}, 8)
	require.NoError(t, err)
	enc, err := json.Marshal(row)
	require.NoError(t, err)
	assert.Equal(t, len(enc), size)
	assert.Len(t, row, 6, "trailing nulls are dropped")
	_, size, err = c.row(nil, 3)
	require.NoError(t, err)
	assert.Equal(t, 2, size)
}
