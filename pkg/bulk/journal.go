package bulk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// JournalFormat is the format of the first line of a journal.
const JournalFormat = "redashctl-journal/v1"

// JournalName is the journal's file name inside a backup directory.
const JournalName = "journal.jsonl"

// JournalHeader is the first line of a journal: which run it belongs to.
type JournalHeader struct {
	// Format is JournalFormat.
	Format string `json:"format"`
	// Kind is "archive".
	Kind string `json:"kind"`
	// CreatedAt is when the run started.
	CreatedAt time.Time `json:"created_at"`
	// RunKey identifies the selection (the same ids, plan content or
	// filters give the same key); a re-run resumes only a matching journal.
	RunKey string `json:"run_key"`
	// Selection describes the selection for people ("--plan plan.json").
	Selection string `json:"selection"`
	// Source is the instance.
	Source Source `json:"source"`
	// Targets are the query ids the run works on, fixed when it started:
	// a resumed run works on these, whatever the selection matches now.
	Targets []int `json:"targets"`
}

// Step is one recorded step of a query's archiving.
type Step string

// The steps, in the order they happen to one query.
const (
	// StepBackup: the backup file is written and synced (Entry.File).
	StepBackup Step = "backup"
	// StepDelete: DELETE /api/queries/<id> is about to be sent. A query
	// with this step and no later one may or may not be archived: a re-run
	// checks before sending it again.
	StepDelete Step = "delete"
	// StepArchived: Redash answered the DELETE with success.
	StepArchived Step = "archived"
	// StepVerified: the query showed as archived afterwards.
	StepVerified Step = "verified"
	// StepFailed: the query could not be archived (Entry.Error); a re-run
	// tries again.
	StepFailed Step = "failed"
	// StepSkipped: the query was not archived on purpose (Entry.Reason):
	// already archived, unknown, refused.
	StepSkipped Step = "skipped"
	// StepEnd: one invocation of the run ended (Entry.Reason summarises).
	StepEnd Step = "end"
)

// Entry is one line of a journal after the header.
type Entry struct {
	Time    time.Time `json:"time"`
	Step    Step      `json:"step"`
	QueryID int       `json:"query_id,omitempty"`
	// File is the backup file, relative to the backup directory.
	File   string `json:"file,omitempty"`
	Reason string `json:"reason,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Journal is an append-only, fsynced log of an archive run, one JSON object
// a line. Append returns once the entry is on disk; concurrent appends share
// fsyncs.
type Journal struct {
	path   string
	header JournalHeader

	mu      sync.Mutex
	cond    *sync.Cond
	f       *os.File
	seq     uint64 // writes done
	synced  uint64 // writes known to be on disk
	syncing bool
	err     error // sticky: once the journal fails, nothing more is appended
}

// CreateJournal creates a new journal at path (which must not exist) with
// mode 0600, and writes and syncs its header.
func CreateJournal(path string, h JournalHeader) (*Journal, error) {
	h.Format = JournalFormat
	line, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("create journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create journal: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return nil, fmt.Errorf("create journal %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("create journal %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, fmt.Errorf("create journal %s: %w", path, err)
	}
	return newJournal(path, h, f), nil
}

func newJournal(path string, h JournalHeader, f *os.File) *Journal {
	j := &Journal{path: path, header: h, f: f}
	j.cond = sync.NewCond(&j.mu)
	return j
}

// OpenJournal opens an existing journal to append to it, and returns its
// header and entries. A last line cut short by a crash is dropped (and cut
// from the file); a damaged line anywhere else is an error.
func OpenJournal(path string) (*Journal, []Entry, error) {
	h, entries, good, err := readJournal(path)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open journal: %w", err)
	}
	if st, err := f.Stat(); err == nil && st.Size() > good {
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("repair journal %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("repair journal %s: %w", path, err)
		}
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	return newJournal(path, h, f), entries, nil
}

// ReadJournal reads a journal without opening it for writing.
func ReadJournal(path string) (JournalHeader, []Entry, error) {
	h, entries, _, err := readJournal(path)
	return h, entries, err
}

// readJournal returns the header, the entries and the length of the valid
// prefix of the file.
func readJournal(path string) (JournalHeader, []Entry, int64, error) {
	var h JournalHeader
	data, err := os.ReadFile(path)
	if err != nil {
		return h, nil, 0, fmt.Errorf("read journal: %w", err)
	}
	var entries []Entry
	var good int64
	lineNo := 0
	rest := data
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break // a last line without its newline: cut short by a crash
		}
		line := rest[:i]
		rest = rest[i+1:]
		lineNo++
		if lineNo == 1 {
			if err := json.Unmarshal(line, &h); err != nil || h.Format == "" {
				return h, nil, 0, fmt.Errorf("%s is not a redashctl journal", path)
			}
			if h.Format != JournalFormat {
				return h, nil, 0, fmt.Errorf("journal %s has format %q: this redashctl reads %s", path, h.Format, JournalFormat)
			}
			good += int64(i + 1)
			continue
		}
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil || e.Step == "" {
			if len(rest) == 0 {
				break // the last line is damaged: a crash mid-write
			}
			return h, nil, 0, fmt.Errorf("journal %s: line %d is damaged", path, lineNo)
		}
		entries = append(entries, e)
		good += int64(i + 1)
	}
	if lineNo == 0 {
		return h, nil, 0, fmt.Errorf("%s is not a redashctl journal (empty)", path)
	}
	return h, entries, good, nil
}

// Header returns the journal's header.
func (j *Journal) Header() JournalHeader { return j.header }

// Path returns the journal's file name.
func (j *Journal) Path() string { return j.path }

// Append writes the entries (in one write) and returns once they are on
// disk.
func (j *Journal) Append(entries ...Entry) error {
	var buf []byte
	for _, e := range entries {
		line, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		buf = append(append(buf, line...), '\n')
	}
	if len(buf) == 0 {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	if _, err := j.f.Write(buf); err != nil {
		j.err = fmt.Errorf("write journal %s: %w", j.path, err)
		return j.err
	}
	j.seq++
	mine := j.seq
	for j.synced < mine && j.err == nil {
		if j.syncing {
			j.cond.Wait()
			continue
		}
		j.syncing = true
		upTo := j.seq
		j.mu.Unlock()
		err := j.f.Sync()
		j.mu.Lock()
		j.syncing = false
		if err != nil {
			j.err = fmt.Errorf("sync journal %s: %w", j.path, err)
		} else {
			j.synced = upTo
		}
		j.cond.Broadcast()
	}
	return j.err
}

// Close closes the journal file.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	if j.err == nil {
		j.err = errors.New("journal closed")
	}
	return err
}

// QueryState is what a journal says about one query.
type QueryState struct {
	// BackupFile is set once a backup was recorded.
	BackupFile string
	// DeleteSent: a DELETE was (about to be) sent at least once.
	DeleteSent bool
	// Archived: a DELETE succeeded; Verified: it showed as archived after.
	Archived, Verified bool
	// Failed is the last error, cleared by a later success.
	Failed string
	// Skipped is why the query was skipped, if it was.
	Skipped string
}

// Replay folds entries into each query's state.
func Replay(entries []Entry) map[int]*QueryState {
	out := map[int]*QueryState{}
	for _, e := range entries {
		if e.QueryID == 0 {
			continue
		}
		st := out[e.QueryID]
		if st == nil {
			st = &QueryState{}
			out[e.QueryID] = st
		}
		switch e.Step {
		case StepBackup:
			st.BackupFile = e.File
		case StepDelete:
			st.DeleteSent = true
		case StepArchived:
			st.Archived, st.Failed, st.Skipped = true, "", ""
		case StepVerified:
			st.Archived, st.Verified, st.Failed, st.Skipped = true, true, "", ""
		case StepFailed:
			st.Failed = e.Error
		case StepSkipped:
			st.Skipped = e.Reason
		}
	}
	return out
}
