package deployfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/sirupsen/logrus"
	"go.yaml.in/yaml/v3"

	"github.com/redashctl/redashctl/pkg/upgrade"
)

// silenceLogrus stops compose-go's warnings (unset variables, obsolete `version`) from reaching
// the terminal; compose-go logs through the global logrus logger.
var silenceLogrus = sync.OnceFunc(func() { logrus.SetOutput(io.Discard) })

// LoadCompose loads docker-compose files as `docker compose -f a.yml -f b.yml` would and
// returns their services with the environment each container gets.
//
// envFiles play the part of `docker compose --env-file`: they feed ${VAR} interpolation in the
// compose files; without them a .env file beside the first compose file is used when present.
// The environment of this process is not consulted. Services in every profile are included.
// Each service's env_file entries are read in order and its environment entries override them;
// entries given without a value that the env files do not define are reported as
// PassThrough, and env_file paths that do not exist here are reported in MissingEnvFiles
// (optional ones are skipped). Malformed files give a one-line error naming the file, and the
// line when it is known.
func LoadCompose(ctx context.Context, paths []string, envFiles []string) (upgrade.Deployment, error) {
	if len(paths) == 0 {
		return upgrade.Deployment{}, errors.New("load compose files: no file given")
	}
	silenceLogrus()

	abs := make([]string, len(paths))
	display := map[string]string{}
	pos := newPositions()
	for i, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return upgrade.Deployment{}, fmt.Errorf("read compose file: %w", err)
		}
		if abs[i], err = filepath.Abs(p); err != nil {
			return upgrade.Deployment{}, fmt.Errorf("read compose file: %w", err)
		}
		display[abs[i]] = p
		pos.add(p, data)
	}
	workDir := filepath.Dir(abs[0])
	for _, f := range envFiles {
		if _, err := ReadEnvFile(f); err != nil {
			return upgrade.Deployment{}, err
		}
	}

	opts, err := cli.NewProjectOptions(abs,
		cli.WithWorkingDirectory(workDir),
		cli.WithName("redashctl-lint"),
		cli.WithEnvFiles(envFiles...),
		cli.WithDotEnv,
		cli.WithoutEnvironmentResolution,
		cli.WithConsistency(false),
		cli.WithProfiles([]string{"*"}),
	)
	if err != nil {
		return upgrade.Deployment{}, fmt.Errorf("load compose files: %s", oneLine(err, display))
	}
	project, err := opts.LoadProject(ctx)
	if err != nil {
		msg := oneLine(err, display)
		if bad := firstUnparsable(paths); bad != "" && !strings.Contains(msg, bad) {
			msg = bad + ": " + msg
		}
		return upgrade.Deployment{}, fmt.Errorf("load compose files: %s", msg)
	}

	shown := func(path string) string {
		if d, ok := display[path]; ok {
			return d
		}
		rel, err := filepath.Rel(workDir, path)
		if err != nil || strings.HasPrefix(rel, "..") {
			return path
		}
		return filepath.Join(filepath.Dir(paths[0]), rel)
	}

	d := upgrade.Deployment{Files: slices.Clone(paths)}
	names := slices.Clone(pos.order)
	var extra []string
	for name := range project.Services {
		if !slices.Contains(names, name) {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	names = append(names, extra...)
	for _, name := range names {
		s, ok := project.Services[name]
		if !ok {
			continue // disabled or removed by an override
		}
		svc := upgrade.Service{
			Name:       name,
			Image:      s.Image,
			Build:      s.Build != nil,
			Env:        map[string]string{},
			EnvSources: map[string]upgrade.Source{},
			Source:     pos.services[name],
		}
		if len(s.Command) > 0 {
			svc.Command = slices.Clone([]string(s.Command))
		}
		if s.HealthCheck != nil && !s.HealthCheck.Disable && len(s.HealthCheck.Test) > 0 {
			svc.Healthcheck = slices.Clone([]string(s.HealthCheck.Test))
		}
		passThrough := map[string]bool{}
		for _, ef := range s.EnvFiles {
			f, err := ReadEnvFile(ef.Path)
			if errors.Is(err, fs.ErrNotExist) {
				if ef.Required {
					svc.MissingEnvFiles = append(svc.MissingEnvFiles, shown(ef.Path))
				}
				continue
			}
			if err != nil {
				var le *lineError
				if errors.As(err, &le) {
					le.file = shown(le.file)
				}
				return upgrade.Deployment{}, fmt.Errorf("service %s: %w", name, err)
			}
			if !slices.Contains(d.Files, shown(ef.Path)) {
				d.Files = append(d.Files, shown(ef.Path))
			}
			for k, v := range f.Vars {
				svc.Env[k] = v
				svc.EnvSources[k] = upgrade.Source{File: shown(ef.Path), Line: f.Lines[k]}
				delete(passThrough, k)
				if slices.Contains(f.Unresolved, k) {
					// The value refers to a variable the file does not define: unknown here.
					delete(svc.Env, k)
					passThrough[k] = true
				}
			}
			for _, k := range f.PassThrough {
				if v, ok := project.Environment[k]; ok {
					svc.Env[k] = v
				} else {
					delete(svc.Env, k)
					passThrough[k] = true
				}
				svc.EnvSources[k] = upgrade.Source{File: shown(ef.Path), Line: f.Lines[k]}
			}
		}
		for k, v := range s.Environment {
			src, ok := pos.env[name][k]
			if !ok {
				src = svc.Source
			}
			svc.EnvSources[k] = src
			switch {
			case v != nil:
				svc.Env[k] = *v
				delete(passThrough, k)
			default:
				if pv, ok := project.Environment[k]; ok {
					svc.Env[k] = pv
					delete(passThrough, k)
				} else {
					delete(svc.Env, k)
					passThrough[k] = true
				}
			}
		}
		for k := range passThrough {
			svc.PassThrough = append(svc.PassThrough, k)
		}
		sort.Strings(svc.PassThrough)
		d.Services = append(d.Services, svc)
	}
	return d, nil
}

// oneLine flattens a compose-go error and shows the paths as the user gave them.
func oneLine(err error, display map[string]string) string {
	msg := err.Error()
	for abs, shown := range display {
		msg = strings.ReplaceAll(msg, abs, shown)
	}
	fields := strings.FieldsFunc(msg, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	return strings.Join(fields, " ")
}

// firstUnparsable returns the first file that is not valid YAML, to name it in errors
// compose-go reports without a file name.
func firstUnparsable(paths []string) string {
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var v any
		if yaml.Unmarshal(data, &v) != nil {
			return p
		}
	}
	return ""
}
