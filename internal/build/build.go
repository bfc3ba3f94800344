// Package build holds the version, commit and date stamped into the binary at
// release time, falling back to the module build information.
package build

import (
	"runtime/debug"
	"strings"
)

// Set by the linker: -X github.com/redashctl/redashctl/internal/build.Version=...
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is what `redashctl version` prints.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
}

// Get returns the stamped build information, filling blanks from
// debug.ReadBuildInfo (go install and go build record the module version and
// the VCS revision).
func Get() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date}
	if bi, ok := debug.ReadBuildInfo(); ok {
		info.Go = bi.GoVersion
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = strings.TrimPrefix(bi.Main.Version, "v")
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				if info.Date == "" {
					info.Date = s.Value
				}
			case "vcs.modified":
				if s.Value == "true" && info.Commit != "" && Commit == "" && !strings.HasSuffix(info.Commit, "-dirty") {
					info.Commit += "-dirty"
				}
			}
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	if info.Date == "" {
		info.Date = "unknown"
	}
	return info
}
