package bulk

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redashctl/redashctl/pkg/redash"
)

// BackupFormat is the format of a query backup file.
const BackupFormat = "redashctl-backup/v1"

// BackupSubdir is the folder of a backup directory that holds one file per
// query, named <id>.json.
const BackupSubdir = "queries"

// RedactedKey replaces the query's own API key in a backup: archiving does
// not change the key, and a backup must not hold credentials.
const RedactedKey = "REDACTED"

// Source identifies the Redash instance a backup or journal belongs to.
type Source struct {
	// URL is the Redash base URL (without the org prefix).
	URL string `json:"url"`
	// Org is the multi-org slug, "" for a single-org Redash.
	Org string `json:"org,omitempty"`
	// RedashVersion is the server's version, e.g. "10.1.0".
	RedashVersion string `json:"redash_version"`
}

// SameInstance reports whether s and o name the same instance (URLs compared
// without case in scheme and host, and without a trailing slash).
func (s Source) SameInstance(o Source) bool {
	return NormalizeURL(s.URL) == NormalizeURL(o.URL) && strings.EqualFold(s.Org, o.Org)
}

// NormalizeURL lower-cases a URL's scheme and host and drops a trailing
// slash, for comparing instances.
func NormalizeURL(u string) string {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		host, path, _ := strings.Cut(rest, "/")
		u = strings.ToLower(u[:i]) + "://" + strings.ToLower(host)
		if path != "" {
			u += "/" + path
		}
	}
	return u
}

// Backup is everything archiving a query destroys, taken just before the
// DELETE: the query (with its visualizations, schedule and tags), the
// widgets that show its visualizations and the alerts on it with their
// subscriptions.
type Backup struct {
	// Format is BackupFormat.
	Format string `json:"format"`
	// TakenAt is when the backup was written.
	TakenAt time.Time `json:"taken_at"`
	// Source is the instance.
	Source Source `json:"source"`
	// Query is GET /api/queries/<id> as Redash answered it, with its
	// api_key replaced by RedactedKey.
	Query redash.Query `json:"query"`
	// Schedule and Tags repeat the query's, for people reading the file.
	Schedule redash.Schedule `json:"schedule"`
	Tags     []string        `json:"tags"`
	// Widgets are the dashboard widgets showing one of its visualizations.
	Widgets []Widget `json:"widgets"`
	// Alerts are the alerts on the query.
	Alerts []Alert `json:"alerts"`
	// Gaps say what the API could not show, so that the backup may lack it.
	Gaps []string `json:"gaps,omitempty"`
}

// Widget is a dashboard widget showing a visualization of the query.
type Widget struct {
	ID            int    `json:"id"`
	DashboardID   int    `json:"dashboard_id"`
	DashboardSlug string `json:"dashboard_slug"`
	DashboardName string `json:"dashboard_name"`
	// VisualizationID is the visualization it shows.
	VisualizationID   int    `json:"visualization_id"`
	VisualizationName string `json:"visualization_name"`
	Width             int    `json:"width"`
	// Options hold the grid position and parameter mappings, verbatim.
	Options json.RawMessage `json:"options"`
	Text    string          `json:"text"`
}

// Alert is an alert on the query.
type Alert struct {
	ID      int             `json:"id"`
	Name    string          `json:"name"`
	Options json.RawMessage `json:"options"`
	Rearm   *int            `json:"rearm"`
	// State and LastTriggeredAt are lost on restore (a new alert starts
	// "unknown"); they are kept for the record.
	State           string     `json:"state"`
	LastTriggeredAt *time.Time `json:"last_triggered_at"`
	// Owner becomes the restoring user on restore.
	Owner         Person         `json:"owner"`
	Subscriptions []Subscription `json:"subscriptions"`
}

// Person is a Redash user named in a backup.
type Person struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Subscription is an alert subscription: a user's e-mail (no Destination)
// or a destination (Slack, webhook, …) added by a user.
type Subscription struct {
	ID          int                 `json:"id"`
	User        Person              `json:"user"`
	Destination *redash.Destination `json:"destination,omitempty"`
}

func personOf(u redash.User) Person { return Person{ID: u.ID, Name: u.Name, Email: u.Email} }

// BackupPath returns where the backup of query id lives in dir.
func BackupPath(dir string, id int) string {
	return filepath.Join(dir, BackupSubdir, strconv.Itoa(id)+".json")
}

// backupRel is the backup file's name relative to the backup directory.
func backupRel(id int) string { return BackupSubdir + "/" + strconv.Itoa(id) + ".json" }

// WriteBackup writes b durably (0600, fsynced, atomic rename, directory
// synced) to BackupPath(dir, b.Query.ID), redacting the query's API key.
func WriteBackup(dir string, b *Backup) error {
	return writeBackup(dir, b, nil)
}

func writeBackup(dir string, b *Backup, ds *dirSyncer) error {
	cp := *b
	cp.Format = BackupFormat
	cp.Query.APIKey = RedactedKey
	if cp.Tags == nil {
		cp.Tags = []string{}
	}
	if cp.Widgets == nil {
		cp.Widgets = []Widget{}
	}
	if cp.Alerts == nil {
		cp.Alerts = []Alert{}
	}
	data, err := json.MarshalIndent(&cp, "", "  ")
	if err != nil {
		return fmt.Errorf("encode backup of query %d: %w", b.Query.ID, err)
	}
	path := BackupPath(dir, b.Query.ID)
	if err := writeFileSync(path, append(data, '\n'), ds); err != nil {
		return fmt.Errorf("write backup of query %d: %w", b.Query.ID, err)
	}
	return nil
}

// ReadBackup reads one backup file.
func ReadBackup(path string) (*Backup, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read backup: %w", err)
	}
	var b Backup
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("read backup %s: not valid JSON: %w", path, err)
	}
	if b.Format != BackupFormat {
		if b.Format == "" {
			return nil, fmt.Errorf("%s is not a redashctl backup (no format field)", path)
		}
		return nil, fmt.Errorf("backup %s has format %q: this redashctl reads %s", path, b.Format, BackupFormat)
	}
	if b.Query.ID <= 0 {
		return nil, fmt.Errorf("backup %s: no query id", path)
	}
	return &b, nil
}

// BackupFile is one backup found in a backup directory.
type BackupFile struct {
	// QueryID is taken from the file name.
	QueryID int
	// Path is the file's path.
	Path string
	// Backup is the content, nil when Err is set.
	Backup *Backup
	// Err says why the file could not be read.
	Err error
}

// ReadBackupDir reads every backup of dir (files queries/<id>.json), by
// query id. A partial directory, left by an interrupted run, is fine: the
// temporary files of a write that did not finish are ignored. With ids, only
// those are read, and a missing one is reported with fs.ErrNotExist.
func ReadBackupDir(dir string, ids []int) ([]BackupFile, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("read backup directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("read backup directory: %s is not a directory", dir)
	}
	if len(ids) > 0 {
		out := make([]BackupFile, 0, len(ids))
		for _, id := range ids {
			path := BackupPath(dir, id)
			bf := BackupFile{QueryID: id, Path: path}
			bf.Backup, bf.Err = ReadBackup(path)
			if errors.Is(bf.Err, fs.ErrNotExist) {
				bf.Err = fmt.Errorf("no backup of query %d in %s: %w", id, dir, fs.ErrNotExist)
			}
			out = append(out, bf)
		}
		return out, nil
	}
	entries, err := os.ReadDir(filepath.Join(dir, BackupSubdir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s holds no backups (no %s folder): is it a redashctl archive backup directory?", dir, BackupSubdir)
	}
	if err != nil {
		return nil, fmt.Errorf("read backup directory: %w", err)
	}
	var out []BackupFile
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".json") {
			continue
		}
		id, err := strconv.Atoi(strings.TrimSuffix(name, ".json"))
		if err != nil || id <= 0 {
			continue
		}
		path := filepath.Join(dir, BackupSubdir, name)
		bf := BackupFile{QueryID: id, Path: path}
		bf.Backup, bf.Err = ReadBackup(path)
		if bf.Err == nil && bf.Backup.Query.ID != id {
			bf.Backup, bf.Err = nil, fmt.Errorf("backup %s holds query %d, not %d", path, bf.Backup.Query.ID, id)
		}
		out = append(out, bf)
	}
	slices.SortFunc(out, func(a, b BackupFile) int { return a.QueryID - b.QueryID })
	return out, nil
}

// PrepareDir creates a backup directory and its queries folder (0700) and
// syncs the folders that hold the new entries, so that after a power cut the
// directory is there whenever the journal inside it says something was
// archived.
func PrepareDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	// The highest folder that does not exist yet: its parent gets the new
	// entry.
	top := abs
	for {
		parent := filepath.Dir(top)
		if parent == top {
			break
		}
		if _, err := os.Stat(parent); err == nil {
			break
		}
		top = parent
	}
	_, statErr := os.Stat(abs)
	if err := os.MkdirAll(filepath.Join(abs, BackupSubdir), 0o700); err != nil {
		return err
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		// Each folder created is an entry in its parent.
		for p := abs; ; p = filepath.Dir(p) {
			if err := syncDir(filepath.Dir(p)); err != nil {
				return err
			}
			if p == top {
				break
			}
		}
	}
	return syncDir(abs)
}
