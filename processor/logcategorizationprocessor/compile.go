package logcategorizationprocessor // import "github.com/senseops/senseops-collector/processor/logcategorizationprocessor"

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// CategoryAttributePrefix starts the name of every category attribute: a
// category {name: qs_log_category, value: access-denied} becomes the record
// attribute qliksense.category.qs_log_category = "access-denied".
const CategoryAttributePrefix = "qliksense.category."

const (
	filterStartsWith = "sw"
	filterEndsWith   = "ew"
	filterContains   = "so"
	filterRegex      = "regex"
)

// groupBuild collects the patterns on one text (the body, attr "", or one
// attribute) before its automata are built.
type groupBuild struct {
	attr    string
	fold    bool // some pattern ignores case: the automata fold
	unicode bool // and one of those can match non-ASCII text only after Unicode folding
	pats    [3][]rawPattern
	always  []int32
}

type rawPattern struct {
	value string
	fold  bool
	id    int32
}

// Pattern kinds, indexes of groupBuild.pats.
const (
	kindPrefix = iota
	kindSuffix
	kindInfix
)

type compiler struct {
	cfg      *Config
	engine   *engine
	groups   map[string]*groupBuild
	order    []*groupBuild
	pairs    map[CategoryConfig]int32
	nextMark int32 // mark ids: one per rule, then one per regex prefilter
	errs     []error
}

// compile checks cfg and builds the matching engine. Every problem is
// reported, each naming the rule and the field.
func compile(cfg *Config) (*engine, error) {
	c := &compiler{
		cfg:      cfg,
		engine:   &engine{},
		groups:   map[string]*groupBuild{},
		pairs:    map[CategoryConfig]int32{},
		nextMark: int32(len(cfg.Rules)),
	}
	c.engine.rules = make([]compiledRule, len(cfg.Rules))
	for i := range cfg.Rules {
		c.rule(i, &cfg.Rules[i])
	}
	// The default's categories are checked even when it is off, so turning it
	// on cannot fail later.
	c.engine.defLevels = allLevels &^ (1 << levelNone)
	if len(cfg.RuleDefault.LogLevel) > 0 {
		c.engine.defLevels = 0
	}
	for j, l := range cfg.RuleDefault.LogLevel {
		m, ok := parseLevel(l)
		if !ok {
			c.errorf("rule_default.log_level[%d]: %q is not a level; use %s", j, l, levelNameList)
		}
		c.engine.defLevels |= m
	}
	if cats, ok := c.categories("rule_default.category", cfg.RuleDefault.Category); ok && cfg.RuleDefault.Enable && len(cats) > 0 {
		c.engine.def = c.result(cats)
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	c.finish()
	return c.engine, nil
}

// ruleRef names rule i in errors: rules[3] ("Access denied").
func ruleRef(i int, r *RuleConfig) string {
	if r.Description == "" {
		return fmt.Sprintf("rules[%d]", i)
	}
	return fmt.Sprintf("rules[%d] (%q)", i, r.Description)
}

func (c *compiler) errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

func (c *compiler) rule(i int, r *RuleConfig) {
	ref := ruleRef(i, r)
	cr := &c.engine.rules[i]
	cr.name = r.Description
	if cr.name == "" {
		cr.name = fmt.Sprintf("rules[%d]", i)
	}

	if len(r.LogLevel) == 0 {
		c.errorf("%s: log_level: must list at least one level (%s)", ref, levelNameList)
	}
	for j, l := range r.LogLevel {
		m, ok := parseLevel(l)
		if !ok {
			c.errorf("%s: log_level[%d]: %q is not a level; use %s", ref, j, l, levelNameList)
		}
		cr.levels |= m
	}

	switch strings.ToLower(strings.TrimSpace(r.Action)) {
	case "categorise", "categorize":
	case "drop":
		cr.drop = true
	case "":
		c.errorf("%s: action: must be set: categorise or drop", ref)
	default:
		c.errorf("%s: action: %q is not categorise or drop", ref, r.Action)
	}

	if len(r.Category) == 0 && !cr.drop {
		c.errorf("%s: category: must list at least one {name, value}", ref)
	}
	// A drop rule's categories (Butler SOS's schema requires some, and
	// allows empty ones) are never used, so not checked either.
	if !cr.drop {
		if cats, ok := c.categories(ref+": category", r.Category); ok && len(cats) > 0 {
			cr.categories = cats
			cr.result = c.result(cats)
		}
	}

	if len(r.Filter) == 0 {
		c.errorf("%s: filter: must list at least one filter", ref)
	}
	for j := range r.Filter {
		c.filter(ref, int32(i), j, r, &r.Filter[j])
	}
}

// categories checks a category list; what is the field's name in errors.
func (c *compiler) categories(what string, cats []CategoryConfig) ([]CategoryConfig, bool) {
	ok := true
	for j, cat := range cats {
		if strings.TrimSpace(cat.Name) == "" {
			c.errorf("%s[%d].name: is empty", what, j)
			ok = false
		}
		if strings.TrimSpace(cat.Value) == "" {
			c.errorf("%s[%d].value: is empty", what, j)
			ok = false
		}
	}
	return cats, ok
}

func (c *compiler) filter(ref string, rule int32, j int, r *RuleConfig, f *FilterConfig) {
	fold := c.cfg.CaseInsensitive
	if r.CaseInsensitive != nil {
		fold = *r.CaseInsensitive
	}
	if f.CaseInsensitive != nil {
		fold = *f.CaseInsensitive
	}
	typ := strings.ToLower(strings.TrimSpace(f.Type))
	switch typ {
	case filterStartsWith, filterEndsWith, filterContains:
		c.addPattern(f.Attribute, typ, f.Value, fold, rule)
	case filterRegex:
		expr := f.Value
		if fold {
			expr = "(?i)" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			// Quote the expression as written, not with the (?i) added here.
			if _, asWritten := regexp.Compile(f.Value); asWritten != nil {
				err = asWritten
			}
			c.errorf("%s: filter[%d].value: invalid regular expression: %w", ref, j, err)
			return
		}
		rf := regexFilter{re: re, attr: f.Attribute, pre: -1}
		if lit, litFold, ok := requiredLiteral(expr); ok {
			rf.pre = c.nextMark
			c.nextMark++
			c.addPattern(f.Attribute, filterContains, lit, litFold, rf.pre)
		}
		cr := &c.engine.rules[rule]
		cr.regexes = append(cr.regexes, rf)
	case "":
		c.errorf("%s: filter[%d].type: must be set: sw, ew, so or regex", ref, j)
	default:
		c.errorf("%s: filter[%d].type: %q is not sw, ew, so or regex", ref, j, f.Type)
	}
}

func (c *compiler) addPattern(attr, typ, p string, fold bool, id int32) {
	g := c.groups[attr]
	if g == nil {
		g = &groupBuild{attr: attr}
		c.groups[attr] = g
		c.order = append(c.order, g)
	}
	if p == "" {
		g.always = appendUnique(g.always, id)
		return
	}
	if fold {
		p = foldString(p)
		g.fold = true
		g.unicode = g.unicode || needsUnicodeFold(p)
	}
	kind := kindInfix
	switch typ {
	case filterStartsWith:
		kind = kindPrefix
	case filterEndsWith:
		kind = kindSuffix
	}
	g.pats[kind] = append(g.pats[kind], rawPattern{p, fold, id})
}

// build builds the group: automata, or a list of patterns for strings.Contains
// when the so patterns are case-sensitive and at most maxSearch.
func (g *groupBuild) build(maxSearch int) *group {
	ng := &group{
		attr:    g.attr,
		unicode: g.unicode,
		always:  g.always,
		prefix:  g.automaton(kindPrefix),
		suffix:  g.automaton(kindSuffix),
	}
	if !g.fold && len(g.pats[kindInfix]) <= maxSearch {
		for _, p := range g.pats[kindInfix] {
			ng.search = append(ng.search, searchPattern{p.value, p.id})
		}
	} else {
		ng.infix = g.automaton(kindInfix)
	}
	return ng
}

// automaton builds the automaton of one kind of a group's patterns, nil if
// there are none. In a folding group the case-sensitive patterns are entered
// lower-cased and checked exactly on each candidate. Every one carries its
// exact text, even one without an ASCII letter (whose candidates in the
// original text are exact anyway): that is what keeps it from matching the
// Unicode-folded copy of a text, where "ö" reads as "Ö".
func (g *groupBuild) automaton(kind int) *automaton {
	if len(g.pats[kind]) == 0 {
		return nil
	}
	var pats []acPattern
	for _, rp := range g.pats[kind] {
		ap := acPattern{text: rp.value, id: rp.id}
		if g.fold && !rp.fold {
			ap.text = lowerASCII(rp.value)
			ap.exact = rp.value
		}
		if kind == kindSuffix {
			ap.text = reverse(ap.text)
		}
		pats = append(pats, ap)
	}
	return newAutomaton(pats, g.fold, kind != kindInfix)
}

// result builds the attributes for a list of categories, in order: one
// attribute per name, distinct values joined with ",".
func (c *compiler) result(cats []CategoryConfig) *result {
	for _, cat := range cats {
		if _, ok := c.pairs[cat]; !ok {
			c.pairs[cat] = int32(len(c.engine.pairs))
			c.engine.pairs = append(c.engine.pairs, cat)
		}
	}
	return newResult(cats, c.pairs)
}

// finish builds the automata and the per-level plans.
func (c *compiler) finish() {
	e := c.engine
	e.pairIndex = c.pairs
	e.markWords = int(c.nextMark+63) / 64

	// The groups, and which groups each mark id's patterns are in.
	usedBy := map[int32][]*group{}
	for _, gb := range c.order {
		g := gb.build(maxSearchPatterns)
		ids := slices.Clone(gb.always)
		for _, pats := range gb.pats {
			for _, p := range pats {
				ids = append(ids, p.id)
			}
		}
		for _, id := range ids {
			if !slices.Contains(usedBy[id], g) {
				usedBy[id] = append(usedBy[id], g)
			}
		}
	}

	for l := range numLevels {
		p := &e.plans[l]
		p.dropMask = make([]uint64, e.markWords)
		p.categoriseMask = make([]uint64, e.markWords)
		var groups []*group
		need := func(id int32) {
			for _, g := range usedBy[id] {
				if !slices.Contains(groups, g) {
					groups = append(groups, g)
				}
			}
		}
		for i := range e.rules {
			r := &e.rules[i]
			if r.levels&(1<<l) == 0 {
				continue
			}
			p.rules++
			if r.drop {
				setMark(p.dropMask, int32(i))
			} else {
				setMark(p.categoriseMask, int32(i))
			}
			need(int32(i))
			if len(r.regexes) > 0 {
				p.regexRules = append(p.regexRules, int32(i))
			}
			for _, rf := range r.regexes {
				need(rf.pre)
			}
		}
		p.groups = groups
		if e.defLevels&(1<<l) != 0 {
			p.def = e.def
		}
		p.active = p.rules > 0 || p.def != nil
	}
}

// requiredLiteral returns a literal that every match of the regular
// expression expr contains, folded when the expression matches it ignoring
// case, so a regex filter is only run on texts that contain it.
func requiredLiteral(expr string) (lit string, fold, ok bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", false, false
	}
	runes, fold, ok := literalOf(re)
	if !ok || len(runes) == 0 {
		return "", false, false
	}
	for _, r := range runes {
		// regexp reads an invalid byte as U+FFFD, which a byte search for
		// U+FFFD's encoding would miss.
		if r == utf8.RuneError || !utf8.ValidRune(r) {
			return "", false, false
		}
	}
	lit = string(runes)
	if fold {
		lit = foldString(lit)
	}
	return lit, fold, true
}

func literalOf(re *syntax.Regexp) ([]rune, bool, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return re.Rune, re.Flags&syntax.FoldCase != 0, true
	case syntax.OpCapture, syntax.OpPlus:
		return literalOf(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return literalOf(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []rune
		var bestFold, found bool
		for _, sub := range re.Sub {
			if r, f, ok := literalOf(sub); ok && len(r) > len(best) {
				best, bestFold, found = r, f, true
			}
		}
		return best, bestFold, found
	}
	return nil, false, false
}
