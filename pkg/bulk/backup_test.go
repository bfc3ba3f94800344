package bulk

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/pkg/plan"
	"github.com/redashctl/redashctl/pkg/redash"
)

const secretKey = "Xh3kq0Zz9secretsecretsecretsecretsecret0"

func sampleBackup(t *testing.T, id int) *Backup {
	t.Helper()
	var q redash.Query
	require.NoError(t, json.Unmarshal([]byte(`{"id": `+strconv.Itoa(id)+`, "name": "Daily revenue", "query": "select 1", "api_key": "`+secretKey+`",
		"schedule": {"interval": "86400", "time": "06:00", "day_of_week": null, "until": null}, "tags": ["finance"], "version": 1,
		"options": {"parameters": [], "apply_auto_limit": false}, "user": {"id": 7, "email": "ann@example.com"},
		"visualizations": [{"id": 30, "type": "CHART", "name": "Chart", "options": {"x": 1}}],
		"created_at": "2023-04-05T06:07:08Z", "updated_at": "2025-01-02T10:11:12.345Z"}`), &q))
	rearm := 3600
	return &Backup{
		TakenAt: t0, Source: Source{URL: "https://redash.example.com/", RedashVersion: "10.1.0"}, Query: q, Schedule: q.Schedule, Tags: q.Tags,
		Widgets: []Widget{{
			ID: 50, DashboardID: 5, DashboardSlug: "sales", DashboardName: "Sales", VisualizationID: 30, Width: 1,
			Options: json.RawMessage(`{"position":{"col":3,"row":0,"sizeX":3,"sizeY":8}}`),
		}},
		Alerts: []Alert{{
			ID: 9, Name: "Revenue drop", Options: json.RawMessage(`{"column":"amount","op":"<","value":10}`), Rearm: &rearm,
			State: "ok", Owner: Person{ID: 7, Email: "ann@example.com"},
			Subscriptions: []Subscription{{ID: 1, User: Person{ID: 7}, Destination: &redash.Destination{ID: 2, Name: "Slack", Type: "slack"}}},
		}},
	}
}

// TestBackupRoundTrip: a backup is 0600, holds no API key, round-trips, and
// leaves no temporary file behind.
func TestBackupRoundTrip(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, BackupSubdir), 0o700))
	b := sampleBackup(t, 42)
	require.NoError(t, WriteBackup(dir, b))
	path := BackupPath(dir, 42)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(data), secretKey)
	assert.Contains(t, string(data), `"api_key": "REDACTED"`)
	assert.Equal(t, secretKey, b.Query.APIKey, "the caller's value is not changed")

	got, err := ReadBackup(path)
	require.NoError(t, err)
	want := *b
	want.Format = BackupFormat
	want.Query.APIKey = RedactedKey
	// The migrated string interval is written back as a number (below).
	require.True(t, want.Schedule.StringInterval())
	require.NoError(t, json.Unmarshal([]byte(mustJSON(t, want.Schedule)), &want.Schedule))
	want.Query.Schedule = want.Schedule
	assert.Empty(t, cmp.Diff(&want, got, cmp.AllowUnexported(redash.Schedule{}), rawJSON))
	assert.Equal(t, `{"interval":86400,"time":"06:00","day_of_week":null,"until":null}`, mustJSON(t, got.Schedule),
		"a v7+ schedule stays an object (a migrated string interval becomes a number)")

	entries, err := os.ReadDir(filepath.Join(dir, BackupSubdir))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left")
}

// rawJSON compares raw JSON by value, not by layout.
var rawJSON = cmp.Transformer("json", func(r json.RawMessage) any {
	var v any
	if json.Unmarshal(r, &v) != nil {
		return string(r)
	}
	return v
})

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestWriteBackupConcurrently: concurrent writers share directory syncs and
// all land.
func TestWriteBackupConcurrently(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, BackupSubdir), 0o700))
	ds := newDirSyncer(filepath.Join(dir, BackupSubdir))
	var wg sync.WaitGroup
	for id := 1; id <= 40; id++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, writeBackup(dir, sampleBackup(t, id), ds))
		}()
	}
	wg.Wait()
	files, err := ReadBackupDir(dir, nil)
	require.NoError(t, err)
	require.Len(t, files, 40)
	for i, f := range files {
		require.NoError(t, f.Err)
		assert.Equal(t, i+1, f.QueryID)
	}
}

// TestReadBackupDirPartial: the folder of an interrupted run is read as it
// is: temporary files are ignored, a damaged file is reported on its own.
func TestReadBackupDirPartial(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, BackupSubdir)
	require.NoError(t, os.MkdirAll(sub, 0o700))
	require.NoError(t, WriteBackup(dir, sampleBackup(t, 3)))
	require.NoError(t, WriteBackup(dir, sampleBackup(t, 12)))
	require.NoError(t, os.WriteFile(filepath.Join(sub, ".12.json.123.tmp"), []byte(`{"form`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(sub, "7.json"), []byte(`{"format": "redashctl-backup/v1", "query": {"id`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(sub, "8.json"), []byte(`{"format": "redashctl-backup/v2", "query": {"id": 8}}`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, JournalName), []byte("{}\n"), 0o600))

	files, err := ReadBackupDir(dir, nil)
	require.NoError(t, err)
	require.Len(t, files, 4)
	assert.Equal(t, 3, files[0].QueryID)
	require.NoError(t, files[0].Err)
	assert.Equal(t, 7, files[1].QueryID)
	assert.ErrorContains(t, files[1].Err, "7.json: not valid JSON")
	assert.EqualError(t, files[2].Err, `backup `+filepath.Join(sub, "8.json")+` has format "redashctl-backup/v2": this redashctl reads redashctl-backup/v1`)
	require.NoError(t, files[3].Err)
	assert.Equal(t, "Daily revenue", files[3].Backup.Query.Name)

	files, err = ReadBackupDir(dir, []int{12, 99})
	require.NoError(t, err)
	require.Len(t, files, 2)
	require.NoError(t, files[0].Err)
	assert.ErrorIs(t, files[1].Err, fs.ErrNotExist)
	assert.ErrorContains(t, files[1].Err, "no backup of query 99 in "+dir)

	_, err = ReadBackupDir(t.TempDir(), nil)
	assert.ErrorContains(t, err, "holds no backups (no queries folder)")
}

func TestApplyTags(t *testing.T) {
	tests := []struct {
		tags, add, remove, want []string
	}{
		{tags: nil, add: []string{"keep"}, want: []string{"keep"}},
		{tags: []string{"a", "keep"}, add: []string{"keep", "b"}, want: []string{"a", "keep", "b"}},
		{tags: []string{"a", "keep", "b"}, remove: []string{"keep"}, want: []string{"a", "b"}},
		{tags: []string{"a"}, remove: []string{"keep"}, want: []string{"a"}},
		{tags: []string{"a", "a"}, add: []string{"a"}, want: []string{"a"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, ApplyTags(tt.tags, tt.add, tt.remove), "%v +%v -%v", tt.tags, tt.add, tt.remove)
	}
	it := NewTagItem(redash.Query{ID: 1, Tags: []string{"a", "keep"}, Version: 3}, []string{"keep"}, nil)
	assert.Equal(t, TagUnchanged, it.Status)
	it = NewTagItem(redash.Query{ID: 1, Tags: nil}, []string{"keep"}, nil)
	assert.Equal(t, TagPending, it.Status)
	assert.Equal(t, []string{}, it.Before)
	assert.Equal(t, []string{"keep"}, it.After)
}

func TestDrift(t *testing.T) {
	var q redash.Query
	require.NoError(t, json.Unmarshal([]byte(`{"id": 1, "name": "A", "tags": ["x", "y"], "is_draft": false,
		"schedule": {"interval": 3600, "time": null, "day_of_week": null, "until": null},
		"user": {"id": 2, "email": "ann@example.com"}, "updated_at": "2025-01-02T10:11:12Z"}`), &q))
	before := plan.Snapshot{
		Name: "A", Tags: []string{"y", "x"}, Schedule: json.RawMessage(`{"interval": "3600", "time": null, "day_of_week": null, "until": null}`),
		OwnerEmail: "ANN@example.com", UpdatedAt: time.Date(2025, 1, 2, 10, 11, 12, 0, time.UTC),
	}
	v10 := redash.MustParseVersion("10.1.0")
	assert.Empty(t, Drift(&q, &before, v10), "same state, whatever the order of tags or the type of the interval")

	changed := before
	changed.Tags = []string{"x"}
	changed.Schedule = nil
	changed.UpdatedAt = before.UpdatedAt.Add(-time.Hour)
	assert.Equal(t, []string{"tags", "schedule", "edited 2025-01-02T10:11:12Z"}, Drift(&q, &changed, v10))
	assert.Equal(t, []string{"tags", "schedule"}, Drift(&q, &changed, redash.MustParseVersion("5.0.2")),
		"v4 and v5 bump updated_at on every run: it is no sign of an edit there")
}

func TestPrepareDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b", "run")
	require.NoError(t, PrepareDir(dir))
	st, err := os.Stat(filepath.Join(dir, BackupSubdir))
	require.NoError(t, err)
	assert.True(t, st.IsDir())
	assert.Equal(t, os.FileMode(0o700), st.Mode().Perm())
	require.NoError(t, PrepareDir(dir), "an existing folder is fine")

	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	assert.Error(t, PrepareDir(filepath.Join(file, "run")))
}
