// Package readmetest checks that a component's README.md tells the truth
// about its configuration: every yaml example loads and validates as the
// collector would load it, and the configuration reference table names every
// setting, only real ones, with the factory's defaults. Each component's
// readme_test.go calls it from the component's directory.
package readmetest

import (
	"encoding"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"gopkg.in/yaml.v3"
)

// Block says what one ```yaml block of README.md is, in README order.
type Block struct {
	Name string
	// IDs are the component's configs in the block (type or type/name, at
	// the top level or under receivers:, processors:, connectors: ...).
	IDs []string
	// Fragment: the whole block is one config of the component, without
	// the key naming it.
	Fragment bool
	// Skip says why the block holds no config of the component.
	Skip string
}

// Examples loads every config of the component that README.md's
// yaml blocks show as the collector does (decoded over the factory's
// defaults; unknown keys and wrong types are errors) and validates it.
// ${env:NAME} placeholders take their value from env; every *_file setting is
// pointed at an empty file, as Validate checks that the files exist.
func Examples(t *testing.T, factory component.Factory, env map[string]string, want []Block) {
	blocks := readmeYAMLBlocks(t)
	require.Len(t, blocks, len(want), "README.md's yaml blocks changed: say in readme_test.go what each one is")
	for i, b := range want {
		t.Run(fmt.Sprintf("%d_%s", i, b.Name), func(t *testing.T) {
			var doc any
			require.NoError(t, yaml.Unmarshal([]byte(blocks[i]), &doc), "block %d is not YAML", i)
			configs := map[string]any{}
			if b.Fragment {
				configs[factory.Type().String()] = doc
			} else {
				m, _ := doc.(map[string]any)
				configs = readmeComponentConfigs(m, factory.Type())
			}
			if b.Skip != "" {
				require.Empty(t, configs, "block %d is skipped (%s) but holds a config of %s", i, b.Skip, factory.Type())
				return
			}
			ids := make([]string, 0, len(configs))
			for id := range configs {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			if !b.Fragment {
				wantIDs := append([]string(nil), b.IDs...)
				sort.Strings(wantIDs)
				require.Equal(t, wantIDs, ids, "configs of %s in block %d", factory.Type(), i)
			}
			for _, id := range ids {
				raw := readmeResolve(t, configs[id], env)
				m, ok := raw.(map[string]any)
				require.True(t, raw == nil || ok, "%s: the config is a %T, not a mapping", id, raw)
				cfg := factory.CreateDefaultConfig()
				require.NoError(t, confmap.NewFromStringMap(m).Unmarshal(cfg), "%s: README example does not load", id)
				require.NoError(t, confmap.Validate(cfg), "%s: README example does not validate", id)
			}
		})
	}
}

var readmeYAMLFence = regexp.MustCompile("(?ms)^```yaml[ \t]*\r?\n(.*?)^```")

// readmeYAMLBlocks returns the ```yaml blocks of README.md, in order.
func readmeYAMLBlocks(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("README.md")
	require.NoError(t, err)
	var blocks []string
	for _, m := range readmeYAMLFence.FindAllStringSubmatch(string(raw), -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// readmeComponentConfigs returns the configs in doc whose key is the type or
// type/name, at the top level or in a section listing components, by key.
func readmeComponentConfigs(doc map[string]any, typ component.Type) map[string]any {
	found := map[string]any{}
	collect := func(m map[string]any) {
		for k, v := range m {
			var id component.ID
			if id.UnmarshalText([]byte(k)) == nil && id.Type() == typ {
				found[k] = v
			}
		}
	}
	collect(doc)
	for _, section := range []string{"receivers", "processors", "exporters", "connectors", "extensions"} {
		if m, ok := doc[section].(map[string]any); ok {
			collect(m)
		}
	}
	return found
}

var readmeEnvPlaceholder = regexp.MustCompile(`\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}`)

// readmeResolve returns v with ${env:NAME} placeholders replaced from env
// and every non-empty *_file setting pointed at an empty file.
func readmeResolve(t *testing.T, v any, env map[string]string) any {
	t.Helper()
	dir := t.TempDir()
	var walk func(key string, v any) any
	walk = func(key string, v any) any {
		switch v := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(v))
			for k, e := range v {
				out[k] = walk(k, e)
			}
			return out
		case []any:
			out := make([]any, len(v))
			for i, e := range v {
				out[i] = walk("", e)
			}
			return out
		case string:
			s := readmeEnvPlaceholder.ReplaceAllStringFunc(v, func(p string) string {
				name := readmeEnvPlaceholder.FindStringSubmatch(p)[1]
				val, ok := env[name]
				assert.True(t, ok, "README uses %s: give readme_test.go a plausible value for it", p)
				return val
			})
			if strings.HasSuffix(key, "_file") && s != "" {
				path := filepath.Join(dir, filepath.Base(s))
				require.NoError(t, os.WriteFile(path, nil, 0o600))
				return path
			}
			return s
		}
		return v
	}
	return walk("", v)
}

// ConfigTable checks README.md's configuration reference (the
// first table headed | key | default | meaning |) against the config: every
// key it names exists, every setting of the config is documented (by its own
// key or by a key above it, such as `tls` for `tls.ca_file`), and every
// default written as one literal (`10s`, `true`, `[a, b]`) is the factory's.
// Keys in parentheses in the key column are documented aliases and not
// checked.
func ConfigTable(t *testing.T, factory component.Factory) {
	rows := readmeConfigTable(t)
	require.NotEmpty(t, rows, "README.md has no | key | default | meaning | table")

	defaults := factory.CreateDefaultConfig()
	keys := map[string]bool{}
	readmeSettingKeys(reflect.TypeOf(defaults), "", keys)

	documented := map[string]bool{}
	for _, row := range rows {
		rowKeys := readmeTableKeys(row[0])
		require.NotEmpty(t, rowKeys, "row %q names no key", row[0])
		for _, k := range rowKeys {
			documented[k] = true
			assert.True(t, keys[k], "README documents `%s`, which is not a setting of the config", k)
		}

		parts := readmeTopLevelParts(row[1])
		if len(parts) != len(rowKeys) {
			continue
		}
		for i, k := range rowKeys {
			lit, ok := readmeLiteral(parts[i])
			if !ok || strings.Contains(k, "[]") || !keys[k] {
				continue // prose, or a setting of list items, which have no defaults to compare
			}
			var v any
			if !assert.NoError(t, yaml.Unmarshal([]byte(lit), &v), "default of `%s`", k) {
				continue
			}
			m := map[string]any{}
			inner := m
			path := strings.Split(k, ".")
			for _, p := range path[:len(path)-1] {
				next := map[string]any{}
				inner[p] = next
				inner = next
			}
			inner[path[len(path)-1]] = v
			cfg := factory.CreateDefaultConfig()
			if !assert.NoError(t, confmap.NewFromStringMap(m).Unmarshal(cfg), "README's default of `%s`, `%s`, does not load", k, lit) {
				continue
			}
			got, want := readmeField(reflect.ValueOf(cfg), k), readmeField(reflect.ValueOf(defaults), k)
			require.True(t, got.IsValid() && want.IsValid(), "no field for `%s`", k)
			assert.Equal(t, want.Interface(), got.Interface(), "README says the default of `%s` is `%s`; the factory's is %v", k, lit, want.Interface())
		}
	}

	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if readmeIsLeaf(k, keys) && !readmeDocumented(k, documented) {
			t.Errorf("setting `%s` is not in README.md's configuration table", k)
		}
	}
}

// readmeConfigTable returns the key and default cells of the rows of the
// first table of README.md headed | key | default | meaning |.
func readmeConfigTable(t *testing.T) [][2]string {
	t.Helper()
	raw, err := os.ReadFile("README.md")
	require.NoError(t, err)
	var rows [][2]string
	in := false
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if !in {
			cells := readmeTableCells(line)
			in = len(cells) == 3 && cells[0] == "key" && cells[1] == "default"
			continue
		}
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := readmeTableCells(line)
		if len(cells) < 2 || strings.Trim(cells[0], "-: ") == "" {
			continue // the separator row
		}
		rows = append(rows, [2]string{cells[0], cells[1]})
	}
	return rows
}

// readmeTableCells splits a markdown table row on the | outside backticks.
func readmeTableCells(line string) []string {
	if !strings.HasPrefix(line, "|") {
		return nil
	}
	var cells []string
	var cell strings.Builder
	tick := false
	for _, r := range strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|") {
		switch {
		case r == '`':
			tick = !tick
		case r == '|' && !tick:
			cells = append(cells, strings.TrimSpace(cell.String()))
			cell.Reset()
			continue
		}
		cell.WriteRune(r)
	}
	return append(cells, strings.TrimSpace(cell.String()))
}

// readmeTopLevelParts splits a cell on the commas outside backticks and
// parentheses, leaving out what is in parentheses.
func readmeTopLevelParts(cell string) []string {
	var parts []string
	var part strings.Builder
	tick, depth := false, 0
	for _, r := range cell {
		switch {
		case r == '`':
			tick = !tick
		case !tick && r == '(':
			depth++
			continue
		case !tick && r == ')' && depth > 0:
			depth--
			continue
		case !tick && depth == 0 && r == ',':
			parts = append(parts, strings.TrimSpace(part.String()))
			part.Reset()
			continue
		}
		if depth == 0 {
			part.WriteRune(r)
		}
	}
	return append(parts, strings.TrimSpace(part.String()))
}

// readmeLiteral returns the literal of a part that is one `literal`.
func readmeLiteral(part string) (string, bool) {
	if len(part) < 2 || part[0] != '`' || part[len(part)-1] != '`' || strings.Count(part, "`") != 2 {
		return "", false
	}
	return part[1 : len(part)-1], true
}

var readmeKeyPattern = regexp.MustCompile("`([^`]+)`")

// readmeTableKeys returns the keys of a key cell: `a.b`, `a.c` or `a.b`, `.c`
// (a sibling of the key before it).
func readmeTableKeys(cell string) []string {
	var keys []string
	for _, part := range readmeTopLevelParts(cell) {
		for _, m := range readmeKeyPattern.FindAllStringSubmatch(part, -1) {
			k := m[1]
			if strings.HasPrefix(k, ".") && len(keys) > 0 {
				prev := keys[len(keys)-1]
				k = prev[:strings.LastIndex(prev, ".")] + k
			}
			keys = append(keys, k)
		}
	}
	return keys
}

var readmeTextUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// readmeSettingKeys adds every key the type decodes under prefix, written as the
// README writes them: a.b for a nested setting, list[] for a list's item.
func readmeSettingKeys(typ reflect.Type, prefix string, keys map[string]bool) {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch {
	case reflect.PointerTo(typ).Implements(readmeTextUnmarshaler):
		return // decoded from a string
	case typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array:
		elem := typ.Elem()
		for elem.Kind() == reflect.Pointer {
			elem = elem.Elem()
		}
		if elem.Kind() == reflect.Struct && !reflect.PointerTo(elem).Implements(readmeTextUnmarshaler) {
			keys[prefix+"[]"] = true
			readmeSettingKeys(elem, prefix+"[]", keys)
		}
		return
	case typ.Kind() != reflect.Struct:
		return
	}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		switch {
		case name == "-":
			continue
		case strings.Contains(opts, "squash"):
			readmeSettingKeys(f.Type, prefix, keys)
			continue
		case name == "":
			name = strings.ToLower(f.Name)
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		keys[key] = true
		readmeSettingKeys(f.Type, key, keys)
	}
}

// readmeIsLeaf: no other key is below k.
func readmeIsLeaf(k string, keys map[string]bool) bool {
	for other := range keys {
		if strings.HasPrefix(other, k+".") || strings.HasPrefix(other, k+"[]") {
			return false
		}
	}
	return true
}

// readmeDocumented: k or a key above it is documented.
func readmeDocumented(k string, documented map[string]bool) bool {
	for i := len(k); i > 0; i-- {
		if i == len(k) || k[i] == '.' || strings.HasPrefix(k[i:], "[]") {
			if documented[k[:i]] {
				return true
			}
		}
	}
	return false
}

// readmeField returns the field of v that a dotted key names, or an invalid
// Value.
func readmeField(v reflect.Value, key string) reflect.Value {
	for _, name := range strings.Split(key, ".") {
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				return reflect.Value{}
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			return reflect.Value{}
		}
		v = readmeFieldByName(v, name)
		if !v.IsValid() {
			return v
		}
	}
	return v
}

// readmeFieldByName finds the field decoded from name, in squashed fields too.
func readmeFieldByName(v reflect.Value, name string) reflect.Value {
	typ := v.Type()
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, opts, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		if strings.Contains(opts, "squash") {
			if inner := reflect.Indirect(v.Field(i)); inner.Kind() == reflect.Struct {
				if found := readmeFieldByName(inner, name); found.IsValid() {
					return found
				}
			}
			continue
		}
		if tag == name || (tag == "" && strings.EqualFold(f.Name, name)) {
			return v.Field(i)
		}
	}
	return reflect.Value{}
}
