package qliksensemetricsconnector // import "github.com/senseops/senseops-collector/connector/qliksensemetricsconnector"

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"go.opentelemetry.io/collector/confmap"
)

// MonitorFilterConfig is Butler SOS's
// logEvents.enginePerformanceMonitor.monitorFilter, key for key in
// snake_case. Butler SOS's camelCase keys are accepted too, so the section can
// be pasted as it is.
type MonitorFilterConfig struct {
	// AppSpecific is tried first: the first entry a request passes accepts it.
	AppSpecific AppSpecificConfig `mapstructure:"app_specific"`
	// AllApps is tried when no app-specific entry accepted the request.
	AllApps AllAppsConfig `mapstructure:"all_apps"`
}

// AppSpecificConfig is monitorFilter.appSpecific.
type AppSpecificConfig struct {
	Enable bool             `mapstructure:"enable"`
	App    []AppEntryConfig `mapstructure:"app"`
}

// AppEntryConfig is one monitorFilter.appSpecific.app[] entry. A request
// passes it when its app is in Include and it passes every rule that is set;
// a rule left out passes everything.
type AppEntryConfig struct {
	Include    []AppMatchConfig `mapstructure:"include"`
	ObjectType *ObjectTypeRule  `mapstructure:"object_type"`
	AppObject  *AppObjectRule   `mapstructure:"app_object"`
	Method     *MethodRule      `mapstructure:"method"`
}

// AllAppsConfig is monitorFilter.allApps: every app but the excluded ones,
// with an object-type and a method rule.
type AllAppsConfig struct {
	Enable     bool             `mapstructure:"enable"`
	AppExclude []AppMatchConfig `mapstructure:"app_exclude"`
	ObjectType *ObjectTypeRule  `mapstructure:"object_type"`
	Method     *MethodRule      `mapstructure:"method"`
}

// AppMatchConfig matches an app when every key that is set equals the
// request's app id / app name; with neither set it matches every app.
type AppMatchConfig struct {
	AppID   string `mapstructure:"app_id"`
	AppName string `mapstructure:"app_name"`

	// emptyID and emptyName: the key was given with no value, which sets it
	// (Butler SOS: every key present must equal), so it matches only a
	// request without an app id (name). Set by Unmarshal.
	emptyID, emptyName bool
}

// ObjectTypeRule: with AllObjectTypes every type but the excluded ones
// passes, otherwise only the included ones.
type ObjectTypeRule struct {
	AllObjectTypes         bool     `mapstructure:"all_object_types"`
	AllObjectTypesExclude  []string `mapstructure:"all_object_types_exclude"`
	SomeObjectTypesInclude []string `mapstructure:"some_object_types_include"`
}

// AppObjectRule is the same rule for object ids.
type AppObjectRule struct {
	AllAppObjects         bool                `mapstructure:"all_app_objects"`
	AllAppObjectsExclude  []ObjectMatchConfig `mapstructure:"all_app_objects_exclude"`
	SomeAppObjectsInclude []ObjectMatchConfig `mapstructure:"some_app_objects_include"`
}

// ObjectMatchConfig names one object, {object_id: rwPjBk} as in Butler SOS.
type ObjectMatchConfig struct {
	ObjectID string `mapstructure:"object_id"`
}

// MethodRule is the same rule for QIX methods.
type MethodRule struct {
	AllMethods         bool     `mapstructure:"all_methods"`
	AllMethodsExclude  []string `mapstructure:"all_methods_exclude"`
	SomeMethodsInclude []string `mapstructure:"some_methods_include"`
}

// active reports whether the filter decides anything; with neither section
// enabled every request is accepted.
func (f *MonitorFilterConfig) active() bool { return f.AppSpecific.Enable || f.AllApps.Enable }

type plainMonitorFilter MonitorFilterConfig

var _ confmap.Unmarshaler = (*MonitorFilterConfig)(nil)

// Unmarshal decodes the filter, first rewriting Butler SOS's camelCase keys
// (appSpecific, allObjectTypesExclude, appId, ...) to snake_case. Unknown
// keys are still errors.
func (f *MonitorFilterConfig) Unmarshal(conf *confmap.Conf) error {
	raw, err := snakeKeys(conf.ToStringMap(), "")
	if err != nil {
		return err
	}
	return confmap.NewFromStringMap(raw.(map[string]any)).Unmarshal((*plainMonitorFilter)(f))
}

type plainAppMatch AppMatchConfig

var _ confmap.Unmarshaler = (*AppMatchConfig)(nil)

// Unmarshal notes app_id and app_name given with no value: decoded, they
// would look like keys left out.
func (a *AppMatchConfig) Unmarshal(conf *confmap.Conf) error {
	if err := conf.Unmarshal((*plainAppMatch)(a)); err != nil {
		return err
	}
	a.emptyID = conf.IsSet("app_id") && a.AppID == ""
	a.emptyName = conf.IsSet("app_name") && a.AppName == ""
	return nil
}

// snakeKeys rewrites every map key from camelCase to snake_case, through
// nested maps and lists; a key given in both spellings is an error.
func snakeKeys(v any, path string) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		from := make(map[string]string, len(t))
		var errs []error
		for k, val := range t {
			sk := snake(k)
			if other, dup := from[sk]; dup {
				a, b := other, k
				if a > b {
					a, b = b, a
				}
				errs = append(errs, fmt.Errorf("%s%s and %s are the same setting: keep one", path, a, b))
				continue
			}
			conv, err := snakeKeys(val, path+sk+".")
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if sk == "all_app_objects_exclude" || sk == "some_app_objects_include" {
				conv = objectIDItems(conv)
			}
			from[sk] = k
			out[sk] = conv
		}
		return out, errors.Join(errs...)
	case []any:
		out := make([]any, len(t))
		var errs []error
		for i, val := range t {
			conv, err := snakeKeys(val, fmt.Sprintf("%s[%d].", strings.TrimSuffix(path, "."), i))
			if err != nil {
				errs = append(errs, err)
			}
			out[i] = conv
		}
		return out, errors.Join(errs...)
	default:
		return v, nil
	}
}

// objectIDItems lets an object list hold plain ids as well as
// {object_id: ...} entries: Butler SOS's code reads objects, but one of its
// schema versions declares strings.
func objectIDItems(v any) any {
	items, ok := v.([]any)
	if !ok {
		return v
	}
	for i, item := range items {
		if id, isString := item.(string); isString {
			items[i] = map[string]any{"object_id": id}
		}
	}
	return items
}

// snake turns appObjectsInclude into app_objects_include; snake_case keys
// are left as they are.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// validate checks the enabled sections; a rule that can accept nothing is
// an error, because it is always a mistake.
func (f *MonitorFilterConfig) validate(prefix string) []error {
	var errs []error
	if f.AppSpecific.Enable {
		p := prefix + "app_specific."
		if len(f.AppSpecific.App) == 0 {
			errs = append(errs, fmt.Errorf("%sapp: enabled with no entries; add one or set enable: false", p))
		}
		for i, e := range f.AppSpecific.App {
			ep := fmt.Sprintf("%sapp[%d].", p, i)
			if len(e.Include) == 0 {
				errs = append(errs, fmt.Errorf("%sinclude: empty, so the entry matches no app; list {app_id: ...} or {app_name: ...} entries ({} matches every app)", ep))
			}
			errs = append(errs, e.ObjectType.validate(ep+"object_type.")...)
			errs = append(errs, e.AppObject.validate(ep+"app_object.")...)
			errs = append(errs, e.Method.validate(ep+"method.")...)
		}
	}
	if f.AllApps.Enable {
		p := prefix + "all_apps."
		errs = append(errs, f.AllApps.ObjectType.validate(p+"object_type.")...)
		errs = append(errs, f.AllApps.Method.validate(p+"method.")...)
	}
	return errs
}

func (r *ObjectTypeRule) validate(prefix string) []error {
	if r == nil {
		return nil
	}
	return validateSetRule(prefix, "all_object_types", r.AllObjectTypes, r.AllObjectTypesExclude, r.SomeObjectTypesInclude)
}

func (r *AppObjectRule) validate(prefix string) []error {
	if r == nil {
		return nil
	}
	return validateSetRule(prefix, "all_app_objects", r.AllAppObjects, objectIDs(r.AllAppObjectsExclude), objectIDs(r.SomeAppObjectsInclude))
}

func (r *MethodRule) validate(prefix string) []error {
	if r == nil {
		return nil
	}
	return validateSetRule(prefix, "all_methods", r.AllMethods, r.AllMethodsExclude, r.SomeMethodsInclude)
}

func validateSetRule(prefix, allKey string, all bool, exclude, include []string) []error {
	var errs []error
	excludeKey := allKey + "_exclude"
	includeKey := "some_" + strings.TrimPrefix(allKey, "all_") + "_include"
	// As in Butler SOS the list that does not apply is ignored (its template
	// has both); only a rule that lets nothing through is refused.
	if !all && len(include) == 0 {
		errs = append(errs, fmt.Errorf("%s%s: empty while %s is false, so nothing passes; set %s: true or list values", prefix, includeKey, allKey, allKey))
	}
	list, key := include, includeKey
	if all {
		list, key = exclude, excludeKey
	}
	for i, v := range list {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s%s[%d]: is empty", prefix, key, i))
		}
	}
	return errs
}

func objectIDs(m []ObjectMatchConfig) []string {
	if m == nil {
		return nil
	}
	out := make([]string, len(m))
	for i, o := range m {
		out[i] = o.ObjectID
	}
	return out
}

// qixRequest is what the filter looks at.
type qixRequest struct {
	appID, appName, objectType, objectID, method string
}

// monitorFilter is the compiled MonitorFilterConfig. All comparisons are
// exact and case-sensitive, as in Butler SOS.
type monitorFilter struct {
	appSpecific []appEntry // nil when disabled
	allApps     *allAppsEntry
}

type appEntry struct {
	include    []appMatch
	objectType *setRule
	appObject  *setRule
	method     *setRule
}

type allAppsEntry struct {
	exclude    []appMatch
	objectType *setRule
	method     *setRule
}

type appMatch struct {
	id, name       string
	hasID, hasName bool // the key is set (possibly to "")
}

type setRule struct {
	all bool
	set map[string]struct{} // the exclusions when all, else the inclusions
}

func compileFilter(cfg *MonitorFilterConfig) *monitorFilter {
	if !cfg.active() {
		return nil
	}
	f := &monitorFilter{}
	if cfg.AppSpecific.Enable {
		f.appSpecific = make([]appEntry, 0, len(cfg.AppSpecific.App))
		for _, e := range cfg.AppSpecific.App {
			entry := appEntry{include: compileApps(e.Include)}
			if e.ObjectType != nil {
				entry.objectType = newSetRule(e.ObjectType.AllObjectTypes, e.ObjectType.AllObjectTypesExclude, e.ObjectType.SomeObjectTypesInclude)
			}
			if e.AppObject != nil {
				entry.appObject = newSetRule(e.AppObject.AllAppObjects, objectIDs(e.AppObject.AllAppObjectsExclude), objectIDs(e.AppObject.SomeAppObjectsInclude))
			}
			if e.Method != nil {
				entry.method = newSetRule(e.Method.AllMethods, e.Method.AllMethodsExclude, e.Method.SomeMethodsInclude)
			}
			f.appSpecific = append(f.appSpecific, entry)
		}
	}
	if cfg.AllApps.Enable {
		a := &allAppsEntry{exclude: compileApps(cfg.AllApps.AppExclude)}
		if r := cfg.AllApps.ObjectType; r != nil {
			a.objectType = newSetRule(r.AllObjectTypes, r.AllObjectTypesExclude, r.SomeObjectTypesInclude)
		}
		if r := cfg.AllApps.Method; r != nil {
			a.method = newSetRule(r.AllMethods, r.AllMethodsExclude, r.SomeMethodsInclude)
		}
		f.allApps = a
	}
	return f
}

func compileApps(m []AppMatchConfig) []appMatch {
	out := make([]appMatch, len(m))
	for i, a := range m {
		out[i] = appMatch{id: a.AppID, name: a.AppName, hasID: a.AppID != "" || a.emptyID, hasName: a.AppName != "" || a.emptyName}
	}
	return out
}

func newSetRule(all bool, exclude, include []string) *setRule {
	values := include
	if all {
		values = exclude
	}
	r := &setRule{all: all, set: make(map[string]struct{}, len(values))}
	for _, v := range values {
		r.set[v] = struct{}{}
	}
	return r
}

// pass: a nil rule passes everything.
func (r *setRule) pass(v string) bool {
	if r == nil {
		return true
	}
	_, in := r.set[v]
	return in != r.all
}

// matchApps reports whether any entry matches: every key that is set equals.
func matchApps(ms []appMatch, id, name string) bool {
	for _, m := range ms {
		if (!m.hasID || m.id == id) && (!m.hasName || m.name == name) {
			return true
		}
	}
	return false
}

// accept applies Butler SOS's order: the app-specific entries, then all apps.
// A nil filter accepts everything.
func (f *monitorFilter) accept(q *qixRequest) bool {
	if f == nil {
		return true
	}
	for i := range f.appSpecific {
		e := &f.appSpecific[i]
		if matchApps(e.include, q.appID, q.appName) && e.objectType.pass(q.objectType) &&
			e.appObject.pass(q.objectID) && e.method.pass(q.method) {
			return true
		}
	}
	if a := f.allApps; a != nil {
		return !matchApps(a.exclude, q.appID, q.appName) && a.objectType.pass(q.objectType) && a.method.pass(q.method)
	}
	return false
}
