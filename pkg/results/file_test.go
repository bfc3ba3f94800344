package results

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/golden"
	"github.com/redashctl/redashctl/pkg/redash"
)

var typedCols = []redash.Column{
	{Name: "id", Type: "integer"},
	{Name: "name", Type: "string"},
	{Name: "amount", Type: "float"},
	{Name: "ok", Type: "boolean"},
	{Name: "day", Type: "date"},
	{Name: "at", Type: "datetime"},
	{Name: "misc"},
	{Name: "nested", Type: "string"},
}

var typedRows = [][]any{
	{
		json.Number("1"), "Zoë, \"the\" café\nline 2", json.Number("1234.5000"), true, "2025-01-02", "2025-01-02T03:04:05.123+00:00", nil,
		map[string]any{"a": []any{json.Number("1"), "x"}},
	},
	{json.Number("-9007199254740993"), "=SUM(A1)", json.Number("1e-7"), false, nil, nil, "tab\there \u2028 ctrl\x01 bad\xff", nil},
	{json.Number("0"), "", nil, nil, nil, nil, "😀 日本語", []any{}},
	{json.Number("4"), " leading space"},
}

func writeAll(t *testing.T, s Sink, cols []redash.Column, rows [][]any) {
	t.Helper()
	require.NoError(t, s.Begin(cols))
	buf := make([]any, len(cols))
	for _, r := range rows {
		clear(buf)
		copy(buf, r)
		require.NoError(t, s.Row(buf[:len(r)]))
	}
}

func TestFileSinkGolden(t *testing.T) {
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out."+string(f))
			s, err := NewFileSink(path, f)
			require.NoError(t, err)
			writeAll(t, s, typedCols, typedRows)
			require.NoError(t, s.Commit(Info{}))
			require.NoError(t, s.Abort(), "abort after commit does nothing")
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			golden.Assert(t, string(b))
			assertOnlyFile(t, path)
			if f != CSV {
				for _, line := range strings.Split(strings.Trim(string(b), "[]\n"), "\n") {
					var obj map[string]any
					require.NoError(t, json.Unmarshal([]byte(strings.TrimSuffix(line, ",")), &obj), line)
				}
			}
		})
	}
}

func TestFileSinkEmptyResult(t *testing.T) {
	want := map[Format]string{CSV: "id,name\n", JSON: "[]\n", JSONLines: ""}
	for f, w := range want {
		path := filepath.Join(t.TempDir(), "out")
		s, err := NewFileSink(path, f)
		require.NoError(t, err)
		require.NoError(t, s.Begin(typedCols[:2]))
		require.NoError(t, s.Commit(Info{}))
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, w, string(b), f)
	}
}

// assertOnlyFile checks that path's directory holds nothing else (no
// temporary file left behind).
func assertOnlyFile(t *testing.T, path string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if path == "" {
		assert.Empty(t, names)
		return
	}
	assert.Equal(t, []string{filepath.Base(path)}, names)
}

func TestFileSinkRestartKeepsOnlyTheLastAttempt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.csv")
	s, err := NewFileSink(path, CSV)
	require.NoError(t, err)
	writeAll(t, s, typedCols, typedRows)
	writeAll(t, s, typedCols[:1], [][]any{{json.Number("7")}})
	require.NoError(t, s.Commit(Info{}))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "id\n7\n", string(b))
}

func TestFileSinkAbortLeavesTheTargetAlone(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o600))
	s, err := NewFileSink(path, JSON)
	require.NoError(t, err)
	writeAll(t, s, typedCols, typedRows)
	require.NoError(t, s.Abort())
	require.NoError(t, s.Abort())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "old", string(b))
	assertOnlyFile(t, path)
	assert.Error(t, s.Commit(Info{}), "nothing to commit after an abort")

	s, err = NewFileSink(path, JSON)
	require.NoError(t, err)
	require.NoError(t, s.Abort(), "abort before begin")
	assertOnlyFile(t, path)
}

func TestFileSinkModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix modes")
	}
	dir := t.TempDir()
	existing := filepath.Join(dir, "private.csv")
	require.NoError(t, os.WriteFile(existing, []byte("old"), 0o600))
	for path, mode := range map[string]os.FileMode{existing: 0o600, filepath.Join(dir, "new.csv"): 0o644} {
		s, err := NewFileSink(path, CSV)
		require.NoError(t, err)
		writeAll(t, s, typedCols[:1], nil)
		require.NoError(t, s.Commit(Info{}))
		fi, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, mode, fi.Mode().Perm(), path)
	}
}

func TestFileSinkCannotWrite(t *testing.T) {
	dir := t.TempDir()
	_, err := NewFileSink(dir, CSV)
	assert.EqualError(t, err, "cannot write "+dir+": it is a directory")
	missing := filepath.Join(dir, "nope", "out.csv")
	_, err = NewFileSink(missing, CSV)
	assert.EqualError(t, err, "cannot write "+missing+": directory "+filepath.Join(dir, "nope")+" does not exist")
	_, err = NewFileSink(filepath.Join(dir, "x.csv"), "xml")
	assert.EqualError(t, err, `unknown format "xml": use csv, json or jsonl`)
	if os.Geteuid() != 0 && runtime.GOOS != "windows" {
		ro := filepath.Join(dir, "ro")
		require.NoError(t, os.Mkdir(ro, 0o500))
		_, err = NewFileSink(filepath.Join(ro, "out.csv"), CSV)
		assert.EqualError(t, err, "cannot write "+filepath.Join(ro, "out.csv")+": permission denied")
	}
}

func TestWriterSinkWritesOnlyAtCommit(t *testing.T) {
	var out bytes.Buffer
	s, err := NewWriterSink(&out, JSONLines)
	require.NoError(t, err)
	assert.Equal(t, "-", s.Target())
	tmp := s.tmp.Name()
	writeAll(t, s, typedCols[:2], [][]any{{json.Number("1"), "a"}})
	assert.Empty(t, out.String(), "nothing before commit")
	writeAll(t, s, typedCols[:2], [][]any{{json.Number("2"), "b"}})
	require.NoError(t, s.Commit(Info{}))
	assert.Equal(t, "{\"id\":2,\"name\":\"b\"}\n", out.String())
	_, err = os.Stat(tmp)
	assert.True(t, os.IsNotExist(err), "temporary file removed")

	out.Reset()
	s, err = NewWriterSink(&out, CSV)
	require.NoError(t, err)
	tmp = s.tmp.Name()
	writeAll(t, s, typedCols[:2], [][]any{{json.Number("1"), "a"}})
	require.NoError(t, s.Abort())
	assert.Empty(t, out.String())
	_, err = os.Stat(tmp)
	assert.True(t, os.IsNotExist(err), "temporary file removed")
}

func TestFormats(t *testing.T) {
	for in, want := range map[string]Format{"csv": CSV, "JSON": JSON, "jsonl": JSONLines, "ndjson": JSONLines} {
		f, err := ParseFormat(in)
		require.NoError(t, err)
		assert.Equal(t, want, f)
	}
	for path, want := range map[string]Format{"a.csv": CSV, "b.JSON": JSON, "c.jsonl": JSONLines, "d.ndjson": JSONLines} {
		f, ok := FormatForPath(path)
		assert.True(t, ok)
		assert.Equal(t, want, f)
	}
	_, ok := FormatForPath("out.xlsx")
	assert.False(t, ok)
	_, ok = FormatForPath("-")
	assert.False(t, ok)
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\" back\\slash", "\n\r\t\x00\x1f", "<html>&", "é 😀", "bad\xff\xfeutf8", "\u2028\u2029"} {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		want = bytes.ReplaceAll(want, []byte(`\u003c`), []byte("<"))
		want = bytes.ReplaceAll(want, []byte(`\u003e`), []byte(">"))
		want = bytes.ReplaceAll(want, []byte(`\u0026`), []byte("&"))
		assert.Equal(t, string(want), string(appendJSONString(nil, s)), "%q", s)
	}
}
