package results

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redashctl/redashctl/pkg/redash"
)

// Format is a file format of FileSink.
type Format string

// File formats.
const (
	// CSV has a header row of column names, then one record per row: null
	// is an empty field, booleans are true/false, numbers and dates are
	// written as Redash sent them.
	CSV Format = "csv"
	// JSON is an array of objects, one per row, keyed by column name in
	// column order, one object per line. Numbers keep Redash's digits, null
	// stays null; an empty result is [].
	JSON Format = "json"
	// JSONLines is one such object per line and nothing else (an empty
	// result is an empty file).
	JSONLines Format = "jsonl"
)

// Formats are the file formats, for help texts and errors.
var Formats = []Format{CSV, JSON, JSONLines}

// ParseFormat reads a format name: csv, json, jsonl (or ndjson).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "csv":
		return CSV, nil
	case "json":
		return JSON, nil
	case "jsonl", "ndjson":
		return JSONLines, nil
	}
	return "", fmt.Errorf("unknown format %q: use csv, json or jsonl", s)
}

// FormatForPath picks the format from a file name's extension: .csv, .json,
// .jsonl or .ndjson, in any case.
func FormatForPath(path string) (Format, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return CSV, true
	case ".json":
		return JSON, true
	case ".jsonl", ".ndjson":
		return JSONLines, true
	}
	return "", false
}

// FileSink writes a result to a file, or to a writer such as standard
// output, in one of the Formats. Rows go to a temporary file first; Commit
// flushes and fsyncs it and then renames it over the target (or copies it
// to the writer), so the target is either untouched or complete, never half
// written, and a restarted download never shows twice. Abort removes the
// temporary file. Memory use does not grow with the result.
type FileSink struct {
	path   string    // target file, "" when writing to out
	out    io.Writer // target writer, nil when writing to path
	format Format
	mode   fs.FileMode

	tmp   *os.File
	buf   *bufio.Writer
	enc   encoder
	began bool
	done  bool // committed or aborted
	rows  int64
	cols  int
}

// NewFileSink returns a sink that writes path. It creates its temporary
// file beside path at once (so a directory that cannot be written fails
// here, before any query runs). The new file gets the mode of the file it
// replaces, or 0644.
func NewFileSink(path string, f Format) (*FileSink, error) {
	if _, err := ParseFormat(string(f)); err != nil {
		return nil, err
	}
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return nil, fmt.Errorf("cannot write %s: it is a directory", path)
		}
		mode = fi.Mode().Perm()
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("cannot write %s: directory %s does not exist", path, dir)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", path, unwrapPathError(err))
	}
	return &FileSink{path: path, format: f, mode: mode, tmp: tmp, buf: bufio.NewWriterSize(tmp, 256<<10)}, nil
}

// NewWriterSink returns a sink that writes to w at Commit, from a temporary
// file in the system's temporary directory, so that w never receives a
// partial result.
func NewWriterSink(w io.Writer, f Format) (*FileSink, error) {
	if _, err := ParseFormat(string(f)); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp("", "redashctl-export-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create a temporary file: %w", unwrapPathError(err))
	}
	return &FileSink{out: w, format: f, tmp: tmp, buf: bufio.NewWriterSize(tmp, 256<<10)}, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Target names where the sink writes: the path, or "-" for a writer.
func (s *FileSink) Target() string {
	if s.out != nil {
		return "-"
	}
	return s.path
}

// Begin implements Sink.
func (s *FileSink) Begin(cols []redash.Column) error {
	if s.done {
		return errors.New("file sink: already committed or aborted")
	}
	if s.began {
		if err := s.restart(); err != nil {
			return err
		}
	}
	s.began = true
	s.rows, s.cols = 0, len(cols)
	switch s.format {
	case CSV:
		s.enc = newCSVEncoder(s.buf, cols)
	case JSON:
		s.enc = newJSONEncoder(s.buf, cols, true)
	default:
		s.enc = newJSONEncoder(s.buf, cols, false)
	}
	return s.wrap(s.enc.begin())
}

func (s *FileSink) restart() error {
	s.buf.Reset(s.tmp)
	if err := s.tmp.Truncate(0); err != nil {
		return s.wrap(err)
	}
	_, err := s.tmp.Seek(0, io.SeekStart)
	return s.wrap(err)
}

// Row implements Sink.
func (s *FileSink) Row(row []any) error {
	if !s.began || s.done {
		return errors.New("file sink: row outside an attempt")
	}
	s.rows++
	return s.wrap(s.enc.row(row))
}

// Commit implements Sink.
func (s *FileSink) Commit(Info) error {
	if !s.began || s.done {
		return errors.New("file sink: nothing to commit")
	}
	if err := s.enc.end(); err != nil {
		return s.wrap(err)
	}
	if err := s.buf.Flush(); err != nil {
		return s.wrap(err)
	}
	if err := s.tmp.Sync(); err != nil {
		return s.wrap(err)
	}
	if s.out != nil {
		if _, err := s.tmp.Seek(0, io.SeekStart); err != nil {
			return s.wrap(err)
		}
		if _, err := io.Copy(s.out, s.tmp); err != nil {
			return fmt.Errorf("write the result: %w", err)
		}
		s.done = true
		_ = s.tmp.Close()
		_ = os.Remove(s.tmp.Name())
		return nil
	}
	if err := s.tmp.Chmod(s.mode); err != nil {
		return s.wrap(err)
	}
	if err := s.tmp.Close(); err != nil {
		return s.wrap(err)
	}
	if err := os.Rename(s.tmp.Name(), s.path); err != nil {
		return fmt.Errorf("write %s: %w", s.path, unwrapPathError(err))
	}
	s.done = true
	syncDir(filepath.Dir(s.path))
	return nil
}

// syncDir makes a rename durable; some systems cannot sync directories,
// and the data itself is already synced, so failures are ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// Abort implements Sink: it removes the temporary file.
func (s *FileSink) Abort() error {
	if s.done {
		return nil
	}
	s.done = true
	_ = s.tmp.Close()
	if err := os.Remove(s.tmp.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove temporary file: %w", err)
	}
	return nil
}

func (s *FileSink) wrap(err error) error {
	if err == nil {
		return nil
	}
	target := s.path
	if target == "" {
		target = "the temporary file"
	}
	return fmt.Errorf("write %s: %w", target, unwrapPathError(err))
}

// encoder writes one format.
type encoder interface {
	begin() error
	row(row []any) error
	end() error
}

type csvEncoder struct {
	w    *csv.Writer
	cols []redash.Column
	rec  []string
}

func newCSVEncoder(w io.Writer, cols []redash.Column) *csvEncoder {
	return &csvEncoder{w: csv.NewWriter(w), cols: cols, rec: make([]string, len(cols))}
}

func (e *csvEncoder) begin() error {
	if len(e.cols) == 0 {
		return nil
	}
	for i, c := range e.cols {
		e.rec[i] = c.Name
	}
	return e.w.Write(e.rec)
}

func (e *csvEncoder) row(row []any) error {
	if len(e.cols) == 0 {
		return nil
	}
	for i := range e.rec {
		var v any
		if i < len(row) {
			v = row[i]
		}
		s, err := csvText(v)
		if err != nil {
			return fmt.Errorf("column %s: %w", e.cols[i].Name, err)
		}
		e.rec[i] = s
	}
	return e.w.Write(e.rec)
}

func (e *csvEncoder) end() error {
	e.w.Flush()
	return e.w.Error()
}

func csvText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	default:
		b, err := json.Marshal(x)
		return string(b), err
	}
}

type jsonEncoder struct {
	w     *bufio.Writer
	keys  [][]byte // `"name":` per column, the first without a leading comma
	array bool
	n     int64
	line  []byte
}

func newJSONEncoder(w *bufio.Writer, cols []redash.Column, array bool) *jsonEncoder {
	e := &jsonEncoder{w: w, array: array, keys: make([][]byte, len(cols))}
	for i, c := range cols {
		var k []byte
		if i > 0 {
			k = append(k, ',')
		}
		k = appendJSONString(k, c.Name)
		e.keys[i] = append(k, ':')
	}
	return e
}

func (e *jsonEncoder) begin() error {
	if e.array {
		return e.w.WriteByte('[')
	}
	return nil
}

func (e *jsonEncoder) row(row []any) error {
	b := e.line[:0]
	if e.array {
		if e.n > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	b = append(b, '{')
	for i, k := range e.keys {
		var v any
		if i < len(row) {
			v = row[i]
		}
		b = append(b, k...)
		var err error
		if b, err = appendJSONValue(b, v); err != nil {
			return err
		}
	}
	b = append(b, '}')
	if !e.array {
		b = append(b, '\n')
	}
	e.line = b
	e.n++
	_, err := e.w.Write(b)
	return err
}

func (e *jsonEncoder) end() error {
	if !e.array {
		return nil
	}
	if e.n > 0 {
		_, err := e.w.WriteString("\n]\n")
		return err
	}
	_, err := e.w.WriteString("]\n")
	return err
}

func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case json.Number:
		if x == "" {
			return append(b, '0'), nil
		}
		return append(b, x...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case float64:
		m, err := json.Marshal(x)
		return append(b, m...), err
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case time.Time:
		return appendJSONString(b, x.Format(time.RFC3339Nano)), nil
	default:
		m, err := json.Marshal(x)
		return append(b, m...), err
	}
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does, without HTML escaping:
// control characters, quotes and backslashes are escaped, invalid UTF-8
// becomes U+FFFD, and U+2028/U+2029 are escaped for JavaScript readers.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
