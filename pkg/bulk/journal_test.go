package bulk

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func testHeader() JournalHeader {
	return JournalHeader{Kind: "archive", CreatedAt: t0, RunKey: "k1", Selection: "--ids 1,2", Source: Source{URL: "http://x/"}, Targets: []int{1, 2}}
}

// TestJournalConcurrentAppends: every entry appended by concurrent writers
// is on disk, one per line, behind the header.
func TestJournalConcurrentAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), JournalName)
	j, err := CreateJournal(path, testHeader())
	require.NoError(t, err)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	const writers, each = 16, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				assert.NoError(t, j.Append(Entry{Time: t0, Step: StepBackup, QueryID: w*each + i + 1, File: "queries/x.json"}))
			}
		}()
	}
	wg.Wait()
	require.NoError(t, j.Close())
	assert.Error(t, j.Append(Entry{Step: StepEnd}), "a closed journal takes nothing more")

	h, entries, err := ReadJournal(path)
	require.NoError(t, err)
	assert.Equal(t, JournalFormat, h.Format)
	assert.Equal(t, "k1", h.RunKey)
	assert.Equal(t, []int{1, 2}, h.Targets)
	require.Len(t, entries, writers*each)
	seen := map[int]bool{}
	for _, e := range entries {
		seen[e.QueryID] = true
	}
	assert.Len(t, seen, writers*each)
}

// TestJournalTornTail: a last line cut short by a crash is dropped and cut
// from the file, so that appending goes on cleanly; a damaged line in the
// middle is an error.
func TestJournalTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), JournalName)
	j, err := CreateJournal(path, testHeader())
	require.NoError(t, err)
	require.NoError(t, j.Append(Entry{Time: t0, Step: StepBackup, QueryID: 1, File: "queries/1.json"}))
	require.NoError(t, j.Append(Entry{Time: t0, Step: StepDelete, QueryID: 1}))
	require.NoError(t, j.Close())
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"time":"2026-11-01T12:00:00Z","step":"archi`)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	j, entries, err := OpenJournal(path)
	require.NoError(t, err)
	require.Len(t, entries, 2)
	require.NoError(t, j.Append(Entry{Time: t0, Step: StepArchived, QueryID: 1}))
	require.NoError(t, j.Close())
	_, entries, err = ReadJournal(path)
	require.NoError(t, err)
	require.Len(t, entries, 3)
	st := Replay(entries)[1]
	assert.Equal(t, &QueryState{BackupFile: "queries/1.json", DeleteSent: true, Archived: true}, st)

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	lines[1] = "{not json"
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	_, _, err = OpenJournal(path)
	assert.EqualError(t, err, "journal "+path+": line 2 is damaged")
}

func TestJournalBadFiles(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.jsonl")
	require.NoError(t, os.WriteFile(other, []byte(`{"format":"redashctl-journal/v9"}`+"\n"), 0o600))
	_, _, err := ReadJournal(other)
	assert.EqualError(t, err, `journal `+other+` has format "redashctl-journal/v9": this redashctl reads redashctl-journal/v1`)

	notJournal := filepath.Join(dir, "x.jsonl")
	require.NoError(t, os.WriteFile(notJournal, []byte("hello\n"), 0o600))
	_, _, err = ReadJournal(notJournal)
	assert.EqualError(t, err, notJournal+" is not a redashctl journal")

	_, err = CreateJournal(other, testHeader())
	assert.Error(t, err, "a journal is never overwritten")
}

func TestReplay(t *testing.T) {
	st := Replay([]Entry{
		{Step: StepBackup, QueryID: 1, File: "queries/1.json"},
		{Step: StepDelete, QueryID: 1},
		{Step: StepFailed, QueryID: 1, Error: "502"},
		{Step: StepDelete, QueryID: 1},
		{Step: StepArchived, QueryID: 1},
		{Step: StepVerified, QueryID: 1},
		{Step: StepSkipped, QueryID: 2, Reason: "already archived"},
		{Step: StepBackup, QueryID: 3, File: "queries/3.json"},
		{Step: StepEnd, Reason: "interrupted"},
	})
	assert.Equal(t, &QueryState{BackupFile: "queries/1.json", DeleteSent: true, Archived: true, Verified: true}, st[1])
	assert.Equal(t, &QueryState{Skipped: "already archived"}, st[2])
	assert.Equal(t, &QueryState{BackupFile: "queries/3.json"}, st[3])
	assert.Len(t, st, 3)
}
