// Package deployfile reads the files a Redash installation is deployed with (env files and
// docker-compose files) into an upgrade.Deployment for upgrade.Lint. Compose files are loaded
// with compose-go, the library Docker Compose itself uses.
package deployfile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/redashctl/redashctl/pkg/upgrade"
)

// EnvFile is a parsed env file.
type EnvFile struct {
	Path string
	// Vars holds the variables in the file, after ${VAR} references to earlier variables of
	// the same file are expanded.
	Vars map[string]string
	// Lines gives the line each variable (of Vars or PassThrough) is set on; the last one
	// when it is set twice.
	Lines map[string]int
	// PassThrough lists names given without "=", which Docker takes from the environment of
	// whoever runs it.
	PassThrough []string
	// Unresolved lists variables whose value refers to a variable the file does not define;
	// their values keep the reference as written.
	Unresolved []string
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

// LoadEnvFile reads a KEY=VALUE env file as Docker Compose does: blank lines and # comments are
// skipped, a leading `export` is allowed, values may be single-quoted (literal) or
// double-quoted (with \n, \t, \", \\ and \$ escapes; both may span lines), unquoted values end
// at " #", and ${VAR} or $VAR refer to variables set earlier in the file. Errors name the
// file and line.
func LoadEnvFile(path string) (map[string]string, error) {
	f, err := ReadEnvFile(path)
	if err != nil {
		return nil, err
	}
	return f.Vars, nil
}

// ReadEnvFile is LoadEnvFile with the line of each variable.
func ReadEnvFile(path string) (*EnvFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read env file: %w", err)
	}
	f, err := parseEnv(path, data)
	if err != nil {
		return nil, err
	}
	return f, nil
}

type lineError struct {
	file string
	line int
	msg  string
}

// Error formats the problem as file:line: message.
func (e *lineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.file, e.line, e.msg) }

func parseEnv(path string, data []byte) (*EnvFile, error) {
	f := &EnvFile{Path: path, Vars: map[string]string{}, Lines: map[string]int{}}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	fail := func(n int, format string, args ...any) error {
		return &lineError{file: path, line: n + 1, msg: fmt.Sprintf(format, args...)}
	}
	for i := 0; i < len(lines); i++ {
		start := i
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "export"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			line = strings.TrimSpace(rest)
		}
		key, value, hasEq := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !envName.MatchString(key) {
			return nil, fail(start, "invalid variable name %q", key)
		}
		if !hasEq {
			if !slices.Contains(f.PassThrough, key) {
				f.PassThrough = append(f.PassThrough, key)
			}
			f.Lines[key] = start + 1
			continue
		}
		value = strings.TrimLeft(value, " \t")
		var (
			val      string
			expand   bool
			consumed int
			err      error
		)
		switch {
		case strings.HasPrefix(value, "'") || strings.HasPrefix(value, `"`):
			val, consumed, err = quoted(value, lines[i+1:])
			if err != nil {
				return nil, fail(start, "%v", err)
			}
			i += consumed
			expand = value[0] == '"'
		default:
			val = value
			if j := strings.Index(val, " #"); j >= 0 {
				val = val[:j]
			}
			if j := strings.Index(val, "\t#"); j >= 0 {
				val = val[:j]
			}
			val = strings.TrimSpace(val)
			expand = true
		}
		if expand {
			var missing bool
			val, missing = expandVars(val, f.Vars)
			if missing && !slices.Contains(f.Unresolved, key) {
				f.Unresolved = append(f.Unresolved, key)
			}
		}
		f.Vars[key] = val
		f.Lines[key] = start + 1
	}
	return f, nil
}

// quoted reads a quoted value starting at value (which begins with the quote) and continuing
// on the following lines if needed. It returns the value and how many extra lines it used.
func quoted(value string, next []string) (string, int, error) {
	q := value[0]
	text := value[1:]
	var b strings.Builder
	extra := 0
	for {
		for i := 0; i < len(text); i++ {
			c := text[i]
			if q == '"' && c == '\\' && i+1 < len(text) {
				i++
				switch text[i] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case 'r':
					b.WriteByte('\r')
				case '"', '\\', '$':
					b.WriteByte(text[i])
				default:
					b.WriteByte('\\')
					b.WriteByte(text[i])
				}
				continue
			}
			if c == q {
				rest := strings.TrimSpace(text[i+1:])
				if rest != "" && !strings.HasPrefix(rest, "#") {
					return "", 0, fmt.Errorf("unexpected %q after the closing quote", rest)
				}
				return b.String(), extra, nil
			}
			b.WriteByte(c)
		}
		if extra >= len(next) {
			return "", 0, errors.New("unterminated quoted value")
		}
		b.WriteByte('\n')
		text = next[extra]
		extra++
	}
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)|\$\$`)

// expandVars replaces ${VAR}, ${VAR:-default}, ${VAR-default} and $VAR with values from vars.
// References to unknown variables without a default stay as written; missing reports them.
func expandVars(s string, vars map[string]string) (string, bool) {
	missing := false
	out := varRef.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		sub := varRef.FindStringSubmatch(m)
		name, op, def := sub[1], sub[2], sub[3]
		if name == "" {
			name = sub[4]
		}
		v, ok := vars[name]
		switch op {
		case ":-":
			if !ok || v == "" {
				return def
			}
		case "-":
			if !ok {
				return def
			}
		}
		if !ok {
			missing = true
			return m
		}
		return v
	})
	return out, missing
}

// LoadEnvDeployment reads env files given on their own (no compose file) into a deployment
// whose settings upgrade.Lint checks without a service layout. Later files override earlier
// ones, as with repeated --env-file.
func LoadEnvDeployment(paths []string) (upgrade.Deployment, error) {
	d := upgrade.Deployment{Env: map[string]string{}, EnvSources: map[string]upgrade.Source{}}
	for _, p := range paths {
		f, err := ReadEnvFile(p)
		if err != nil {
			return upgrade.Deployment{}, err
		}
		d.Files = append(d.Files, p)
		for k, v := range f.Vars {
			d.Env[k] = v
			d.EnvSources[k] = upgrade.Source{File: p, Line: f.Lines[k]}
		}
	}
	return d, nil
}
