package upgrade

import (
	"path"
	"slices"
	"strings"
)

// Run describes what a container of the Redash image does in a given release, given its command
// and environment.
type Run struct {
	// Command is the bin/docker-entrypoint command ("server", "worker", ...), or what was
	// recognised in a custom command line ("rq worker", "celery worker").
	Command string `json:"command" yaml:"command"`
	// Known reports whether the release's entrypoint has the command (or the custom command
	// line was understood).
	Known bool `json:"known" yaml:"known"`
	// Consumes lists the queues the container executes jobs from.
	Consumes []string `json:"consumes,omitempty" yaml:"consumes,omitempty"`
	// QueuesDefaulted is true when QUEUES was unset or empty and the entrypoint default applied.
	QueuesDefaulted bool `json:"queues_defaulted,omitempty" yaml:"queues_defaulted,omitempty"`
	// Queues is the QUEUES value in effect (after the entrypoint default).
	Queues string `json:"queues,omitempty" yaml:"queues,omitempty"`
	// Schedules is true when the container runs the periodic scheduler (Celery beat or
	// rq-scheduler).
	Schedules bool `json:"schedules,omitempty" yaml:"schedules,omitempty"`
	// Serves is true for the web server.
	Serves bool `json:"serves,omitempty" yaml:"serves,omitempty"`
}

// defaultCommand is the image's CMD (Dockerfile@v8.0.0 and @v10.1.0: CMD ["server"]).
const defaultCommand = "server"

// RunOf works out what a container with the given command line (nil for the image default) and
// environment does in release v. Entrypoint commands take QUEUES and WORKERS_COUNT from env,
// falling back to the entrypoint's defaults; "manage.py rq worker ..." and "celery worker ..."
// command lines are understood too.
func (v *Version) RunOf(args []string, env map[string]string) Run {
	r, _ := v.runOf(args, env)
	return r
}

func (v *Version) runOf(args []string, env map[string]string) (Run, bool) {
	if len(args) > 0 && path.Base(args[0]) == "docker-entrypoint" {
		args = args[1:]
	}
	if len(args) == 0 {
		args = []string{defaultCommand}
	}
	name := args[0]
	if cmd, ok := v.Commands[name]; ok {
		r := Run{Command: name, Known: true}
		switch name {
		case "server", "dev_server", "debug":
			r.Serves = true
		case "scheduler", "dev_scheduler":
			r.Schedules = true
			if v.JobSystem == JobSystemCelery {
				// celery worker --beat: schedules and also executes its own queues.
				r.Queues, r.QueuesDefaulted = queuesValue(cmd, env)
				r.Consumes = splitQueues(r.Queues, v.JobSystem)
			}
		case "worker", "dev_worker":
			r.Queues, r.QueuesDefaulted = queuesValue(cmd, env)
			if v.JobSystem == JobSystemCelery {
				r.Consumes = splitQueues(r.Queues, v.JobSystem)
				// The Celery dev_worker also runs beat (bin/docker-entrypoint@v8.0.0).
				r.Schedules = name == "dev_worker"
				break
			}
			if strings.TrimSpace(r.Queues) == "" {
				// redash/cli/rq.py: an rq worker without queue arguments uses default_queues.
				r.QueuesDefaulted = true
				r.Consumes = slices.Clone(v.DefaultQueues)
				break
			}
			r.Consumes = splitQueues(r.Queues, v.JobSystem)
		}
		return r, true
	}
	return v.runCustom(args)
}

// runCustom recognises command lines that bypass the entrypoint's commands.
func (v *Version) runCustom(args []string) (Run, bool) {
	words := args
	if len(words) >= 3 && words[0] == "bash" && words[1] == "-c" {
		words = strings.Fields(words[2])
	}
	for i, w := range words {
		base := path.Base(w)
		switch {
		case (base == "manage.py" || base == "manage") && i+2 < len(words) && words[i+1] == "rq":
			if v.JobSystem != JobSystemRQ {
				return Run{Command: "rq " + words[i+2]}, false
			}
			switch words[i+2] {
			case "worker":
				queues := strings.Join(words[i+3:], " ")
				r := Run{Command: "rq worker", Known: true, Queues: queues}
				if strings.TrimSpace(queues) == "" {
					r.QueuesDefaulted = true
					r.Consumes = slices.Clone(v.DefaultQueues)
				} else {
					r.Consumes = splitQueues(queues, JobSystemRQ)
				}
				return r, true
			case "scheduler":
				return Run{Command: "rq scheduler", Known: true, Schedules: true}, true
			}
			return Run{Command: "rq " + words[i+2], Known: true}, true
		case base == "celery" && i+1 < len(words) && words[i+1] == "worker":
			if v.JobSystem != JobSystemCelery {
				return Run{Command: "celery worker"}, false
			}
			r := Run{Command: "celery worker", Known: true, Queues: "celery"}
			for j := i + 2; j < len(words); j++ {
				w := words[j]
				switch {
				case w == "--beat" || w == "-B":
					r.Schedules = true
				case (w == "-Q" || w == "--queues") && j+1 < len(words):
					r.Queues = words[j+1]
					j++
				case strings.HasPrefix(w, "--queues="):
					r.Queues = strings.TrimPrefix(w, "--queues=")
				case strings.HasPrefix(w, "-Q"):
					r.Queues = strings.TrimPrefix(w, "-Q")
				}
			}
			r.Consumes = splitQueues(r.Queues, JobSystemCelery)
			return r, true
		case base == "gunicorn":
			return Run{Command: "gunicorn", Known: true, Serves: true}, true
		}
	}
	return Run{Command: args[0]}, false
}

// queuesValue returns QUEUES as the entrypoint sees it: ${QUEUES:-default}, so an empty value
// also takes the default.
func queuesValue(cmd Command, env map[string]string) (string, bool) {
	if q := env["QUEUES"]; q != "" {
		return q, false
	}
	return cmd.Env["QUEUES"], true
}

// splitQueues splits a QUEUES value. Celery gets it unquoted as -Q$QUEUES, so only the first
// word is the comma-separated list; RQ splits every argument on commas
// (redash/cli/rq.py@v9.0.0-beta).
func splitQueues(q, jobSystem string) []string {
	words := strings.Fields(q)
	if jobSystem == JobSystemCelery && len(words) > 1 {
		words = words[:1]
	}
	var out []string
	for _, w := range words {
		for _, name := range strings.Split(w, ",") {
			if name != "" && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// splitCommand splits a reference layout's command string into words.
func splitCommand(s string) []string {
	return strings.Fields(s)
}
