// Package config reads and writes redashctl's configuration file and resolves
// the settings of one run from flags, environment and the file, in that order.
// It is the only package that imports viper.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// Environment variables read by redashctl. The REDASH_* forms are accepted
// because other Redash tools use them.
const (
	EnvProfile        = "REDASHCTL_PROFILE"
	EnvURL            = "REDASHCTL_URL"
	EnvAPIKey         = "REDASHCTL_API_KEY"
	EnvOrg            = "REDASHCTL_ORG"
	EnvConfig         = "REDASHCTL_CONFIG"
	EnvSheetsEndpoint = "REDASHCTL_SHEETS_ENDPOINT"
	// EnvSheetsCredentials names a Google service-account key file, or
	// "none" for a fake Sheets endpoint.
	EnvSheetsCredentials = "REDASHCTL_SHEETS_CREDENTIALS"
	EnvRedashURL         = "REDASH_URL"
	EnvRedashAPIKey      = "REDASH_API_KEY"
)

// DefaultProfile is the profile used when none is chosen and the file names no current one.
const DefaultProfile = "default"

// Profile is one named Redash instance (or one org of a multi_org instance).
type Profile struct {
	URL            string `yaml:"url" mapstructure:"url" json:"url"`
	Org            string `yaml:"org,omitempty" mapstructure:"org" json:"org,omitempty"`
	APIKeyEnv      string `yaml:"api_key_env,omitempty" mapstructure:"api_key_env" json:"api_key_env,omitempty"`
	APIKeyFile     string `yaml:"api_key_file,omitempty" mapstructure:"api_key_file" json:"api_key_file,omitempty"`
	APIKey         string `yaml:"api_key,omitempty" mapstructure:"api_key" json:"api_key,omitempty"`
	SheetsEndpoint string `yaml:"sheets_endpoint,omitempty" mapstructure:"sheets_endpoint" json:"sheets_endpoint,omitempty"`
	// SheetsCredentials is a service-account key file for Google Sheets, or
	// "none" (with SheetsEndpoint, for a fake).
	SheetsCredentials string `yaml:"sheets_credentials,omitempty" mapstructure:"sheets_credentials" json:"sheets_credentials,omitempty"`
}

// File is the configuration file's content.
type File struct {
	CurrentProfile string             `yaml:"current_profile,omitempty" mapstructure:"current_profile"`
	Profiles       map[string]Profile `yaml:"profiles" mapstructure:"profiles"`
}

// Config is the resolved configuration of one run.
type Config struct {
	Path           string // the configuration file (may not exist)
	Profile        string // the profile in use, "" when none applies
	URL            string
	Org            string
	APIKey         string
	APIKeySource   string // where the key came from, for messages (never the key)
	SheetsEndpoint string
	// SheetsCredentials is the Google key file ("none", or "" for
	// Application Default Credentials).
	SheetsCredentials string
	Warnings          []string
}

// Overrides are the values given on the command line; empty means not given.
type Overrides struct {
	ConfigPath     string
	Profile        string
	URL            string
	Org            string
	SheetsEndpoint string
}

// Env looks up an environment variable.
type Env func(string) (string, bool)

// DefaultPath is $XDG_CONFIG_HOME/redashctl/config.yaml, else ~/.config/redashctl/config.yaml.
func DefaultPath(env Env) string {
	if env == nil {
		env = os.LookupEnv
	}
	if p, ok := env(EnvConfig); ok && p != "" {
		return p
	}
	if x, ok := env("XDG_CONFIG_HOME"); ok && x != "" {
		return filepath.Join(x, "redashctl", "config.yaml")
	}
	home, ok := env("HOME")
	if !ok || home == "" {
		if h, err := os.UserHomeDir(); err == nil {
			home = h
		}
	}
	return filepath.Join(home, ".config", "redashctl", "config.yaml")
}

// ReadFile reads the configuration file. A missing file is an empty File.
// Profile names are case-insensitive and stored in lower case.
func ReadFile(path string) (*File, error) {
	f := &File{Profiles: map[string]Profile{}}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("read config %s: %s", path, oneLine(err))
	}
	if err := v.Unmarshal(f); err != nil {
		return nil, fmt.Errorf("read config %s: %s", path, oneLine(err))
	}
	if f.Profiles == nil {
		f.Profiles = map[string]Profile{}
	}
	return f, nil
}

// WriteFile writes the configuration file atomically with mode 0600.
func WriteFile(path string, f *File) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	data, err := yaml.Marshal(f)
	if err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.yaml")
	if err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write config: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write config: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write config: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}

// Names returns the profile names, sorted.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Profiles))
	for n := range f.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Current is the profile the file selects: current_profile, else "default"
// when such a profile exists, else the only profile.
func (f *File) Current() string {
	if f.CurrentProfile != "" {
		return f.CurrentProfile
	}
	if _, ok := f.Profiles[DefaultProfile]; ok {
		return DefaultProfile
	}
	if len(f.Profiles) == 1 {
		for n := range f.Profiles {
			return n
		}
	}
	return ""
}

// NormalizeName lower-cases a profile name and checks it.
func NormalizeName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" {
		return "", errors.New("profile name is empty")
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "", fmt.Errorf("profile name %q: use letters, digits, '-' and '_' only", name)
		}
	}
	return n, nil
}

// Load resolves the configuration of one run. Precedence: flag, environment,
// file, default. When the URL comes from a flag or the environment and no
// profile was chosen explicitly, the file's profile is not used at all, so
// a profile's key is never sent to another server.
func Load(o Overrides, env Env) (*Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	getenv := func(names ...string) string {
		for _, n := range names {
			if v, ok := env(n); ok && strings.TrimSpace(v) != "" {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	cfg := &Config{Path: o.ConfigPath}
	if cfg.Path == "" {
		cfg.Path = DefaultPath(env)
	}
	file, err := ReadFile(cfg.Path)
	if err != nil {
		return nil, err
	}

	explicitProfile := o.Profile
	if explicitProfile == "" {
		explicitProfile = getenv(EnvProfile)
	}
	urlOverride := o.URL
	if urlOverride == "" {
		urlOverride = getenv(EnvURL, EnvRedashURL)
	}

	var prof Profile
	switch {
	case explicitProfile != "":
		name, err := NormalizeName(explicitProfile)
		if err != nil {
			return nil, err
		}
		p, ok := file.Profiles[name]
		if !ok {
			return nil, unknownProfile(name, file, cfg.Path)
		}
		cfg.Profile, prof = name, p
	case urlOverride == "":
		if name := file.Current(); name != "" {
			p, ok := file.Profiles[name]
			if !ok {
				return nil, unknownProfile(name, file, cfg.Path)
			}
			cfg.Profile, prof = name, p
		}
	}

	cfg.URL = firstNonEmpty(urlOverride, prof.URL)
	cfg.Org = firstNonEmpty(o.Org, getenv(EnvOrg), prof.Org)
	cfg.SheetsEndpoint = firstNonEmpty(o.SheetsEndpoint, getenv(EnvSheetsEndpoint), prof.SheetsEndpoint)
	cfg.SheetsCredentials = firstNonEmpty(getenv(EnvSheetsCredentials), expandHome(prof.SheetsCredentials, env))

	if k := getenv(EnvAPIKey); k != "" {
		cfg.APIKey, cfg.APIKeySource = k, "environment variable "+EnvAPIKey
	} else if k := getenv(EnvRedashAPIKey); k != "" {
		cfg.APIKey, cfg.APIKeySource = k, "environment variable "+EnvRedashAPIKey
	} else if cfg.Profile != "" {
		key, src, warn, err := profileKey(cfg.Profile, prof, env, cfg.Path)
		if err != nil {
			return nil, err
		}
		cfg.APIKey, cfg.APIKeySource = key, src
		if warn != "" {
			cfg.Warnings = append(cfg.Warnings, warn)
		}
	}
	return cfg, nil
}

func profileKey(name string, p Profile, env Env, path string) (key, source, warning string, err error) {
	switch {
	case p.APIKeyEnv != "":
		v, ok := env(p.APIKeyEnv)
		if !ok || strings.TrimSpace(v) == "" {
			return "", "", "", fmt.Errorf("profile %q reads its API key from $%s, which is not set: export it or change api_key_env", name, p.APIKeyEnv)
		}
		return strings.TrimSpace(v), "environment variable " + p.APIKeyEnv, "", nil
	case p.APIKeyFile != "":
		kf := expandHome(p.APIKeyFile, env)
		data, err := os.ReadFile(kf)
		if err != nil {
			return "", "", "", fmt.Errorf("profile %q: cannot read api_key_file %s: %s", name, kf, oneLine(unwrapPathError(err)))
		}
		k := strings.TrimSpace(string(data))
		if k == "" {
			return "", "", "", fmt.Errorf("profile %q: api_key_file %s is empty", name, kf)
		}
		return k, "file " + kf, permWarning(kf, "api_key_file"), nil
	case p.APIKey != "":
		return p.APIKey, "config file " + path, permWarning(path, "the config file, which holds api_key,"), nil
	}
	return "", "", "", nil
}

// permWarning warns when a file holding a key can be read by group or others.
func permWarning(path, what string) string {
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm()&0o077 == 0 {
		return ""
	}
	return fmt.Sprintf("%s %s is readable by group or others (mode %04o): run chmod 600 %s", what, path, st.Mode().Perm(), path)
}

func expandHome(p string, env Env) string {
	if strings.HasPrefix(p, "~/") {
		if home, ok := env("HOME"); ok && home != "" {
			return filepath.Join(home, p[2:])
		}
	}
	return p
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func unknownProfile(name string, f *File, path string) error {
	if len(f.Profiles) == 0 {
		return fmt.Errorf("unknown profile %q: %s has no profiles; add one with `redashctl profile add %s --url URL`", name, path, name)
	}
	return fmt.Errorf("unknown profile %q: known profiles are %s", name, strings.Join(f.Names(), ", "))
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// ValidateURL checks that u is an absolute http(s) URL of a Redash server.
func ValidateURL(u string) error {
	if u == "" {
		return errors.New("no Redash URL: add a profile with `redashctl profile add NAME --url URL`, or set REDASHCTL_URL or pass --url")
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.Host == "" || (parsed.Scheme != "http" && parsed.Scheme != "https") {
		return fmt.Errorf("malformed Redash URL %q: use the form https://redash.example.com", u)
	}
	if parsed.User != nil {
		return fmt.Errorf("malformed Redash URL %q: do not put credentials in the URL; use an API key", redactUserinfo(parsed))
	}
	return nil
}

func redactUserinfo(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// MaskKey shows only the last four characters of a key.
func MaskKey(k string) string {
	if k == "" {
		return ""
	}
	if len(k) <= 8 {
		return "****"
	}
	return "****" + k[len(k)-4:]
}
