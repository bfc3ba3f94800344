package deployfile

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/redashctl/redashctl/pkg/upgrade"
)

// positions records where services and their environment entries are written, so findings can
// name a file and line. compose-go does the loading; this index only adds line numbers, and
// follows YAML aliases and << merges so an entry of a shared x- block points at that block.
type positions struct {
	services map[string]upgrade.Source
	env      map[string]map[string]upgrade.Source
	order    []string
}

func newPositions() *positions {
	return &positions{services: map[string]upgrade.Source{}, env: map[string]map[string]upgrade.Source{}}
}

// add indexes one compose file; later files override the environment positions of earlier
// ones, as compose merges them. A file yaml.v3 cannot parse is skipped (compose-go reports
// errors).
func (p *positions) add(file string, data []byte) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return
	}
	services, ok := lookup(resolve(doc.Content[0]), "services")
	if !ok || services.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(services.Content); i += 2 {
		key, val := services.Content[i], resolve(services.Content[i+1])
		name := key.Value
		if _, seen := p.services[name]; !seen {
			p.services[name] = upgrade.Source{File: file, Line: key.Line}
			p.order = append(p.order, name)
		}
		env, ok := lookup(val, "environment")
		if !ok {
			continue
		}
		if p.env[name] == nil {
			p.env[name] = map[string]upgrade.Source{}
		}
		for k, line := range envLines(env) {
			p.env[name][k] = upgrade.Source{File: file, Line: line}
		}
	}
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// lookup finds key in a mapping, looking into << merges when the mapping itself lacks it.
func lookup(m *yaml.Node, key string) (*yaml.Node, bool) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, false
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i].Tag != "!!merge" {
			return resolve(m.Content[i+1]), true
		}
	}
	for _, merged := range merges(m) {
		if v, ok := lookup(merged, key); ok {
			return v, true
		}
	}
	return nil, false
}

// merges returns the mappings merged into m with <<, in precedence order.
func merges(m *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "<<" {
			continue
		}
		v := resolve(m.Content[i+1])
		if v.Kind == yaml.SequenceNode {
			for _, item := range v.Content {
				out = append(out, resolve(item))
			}
			continue
		}
		out = append(out, v)
	}
	return out
}

// envLines maps each variable of an environment section (mapping or KEY=VALUE list) to its
// line; explicit entries win over merged ones.
func envLines(n *yaml.Node) map[string]int {
	out := map[string]int{}
	switch n.Kind {
	case yaml.SequenceNode:
		for _, item := range n.Content {
			item = resolve(item)
			if item.Kind != yaml.ScalarNode {
				continue
			}
			name, _, _ := strings.Cut(item.Value, "=")
			out[strings.TrimSpace(name)] = item.Line
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Value != "<<" {
				out[k.Value] = k.Line
			}
		}
		for _, merged := range merges(n) {
			for k, line := range envLines(merged) {
				if _, ok := out[k]; !ok {
					out[k] = line
				}
			}
		}
	}
	return out
}
