package logcategorizationprocessor // import "github.com/senseops/senseops-collector/processor/logcategorizationprocessor"

import (
	"encoding/binary"
	"math/bits"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// engine is the compiled rule set. It is read-only after compile (but for
// its cache of merged results) and safe for concurrent use; per-call state is
// in a scratch.
//
// Matching one record:
//  1. its level picks a plan: the rules that apply to it and the texts they
//     read;
//  2. each group of automata the plan needs reads its text (the body or one
//     attribute) once and sets a mark for every rule with a sw/ew/so filter
//     that matches, and for every regex filter whose required literal occurs;
//  3. a rule matches when its mark is set, or else when one of its regex
//     filters (whose literal, if any, was seen) matches, which sets its mark;
//  4. the first matching drop rule drops the record; otherwise the
//     categories of all matching categorise rules (or the default) are
//     written from pre-built attribute values.
type engine struct {
	rules     []compiledRule
	plans     [numLevels]plan
	def       *result // nil when the default is off or empty
	defLevels levelMask
	markWords int
	pairs     []CategoryConfig // distinct categories, by id
	pairIndex map[CategoryConfig]int32
	cache     resultCache
}

type compiledRule struct {
	name       string // description, or rules[i]
	levels     levelMask
	drop       bool
	regexes    []regexFilter
	categories []CategoryConfig
	result     *result
}

type regexFilter struct {
	re   *regexp.Regexp
	attr string
	pre  int32 // mark id of the required literal, -1 if there is none
}

// plan is what is done for records of one level.
type plan struct {
	active         bool
	def            *result  // the default, if it applies at this level
	groups         []*group // the texts to read
	rules          int      // rules of this level
	dropMask       []uint64 // mark bits of the drop rules of this level
	categoriseMask []uint64 // mark bits of the categorise rules of this level
	regexRules     []int32  // rules of this level with regex filters, in order
}

// group holds the automata that read one text: the body, or one attribute.
type group struct {
	attr                  string
	unicode               bool // some case-insensitive pattern can match non-ASCII text only after Unicode folding
	prefix, suffix, infix *automaton
	search                []searchPattern // case-sensitive so patterns when there are few: no infix automaton
	always                []int32         // ids of empty patterns
}

// maxSearchPatterns is the most so patterns searched for one by one rather
// than with an automaton: strings.Contains is vectorised and beats one pass
// of the automaton for a handful of patterns.
const maxSearchPatterns = 4

type searchPattern struct {
	text string
	id   int32
}

// match sets the marks of the group's patterns found in text.
func (g *group) match(text string, marks []uint64, buf *[]byte) {
	for _, id := range g.always {
		setMark(marks, id)
	}
	var seen byte
	if g.prefix != nil {
		seen |= scanPrefix(g.prefix, text, false, marks)
	}
	if g.suffix != nil {
		seen |= scanSuffix(g.suffix, text, false, marks)
	}
	if g.infix != nil {
		seen |= scan(g.infix, text, false, marks)
	}
	for _, p := range g.search {
		if strings.Contains(text, p.text) {
			setMark(marks, p.id)
		}
	}
	if !g.unicode || seen < utf8.RuneSelf {
		return
	}
	// Non-ASCII text and patterns that Unicode folding could match: read
	// the folded text too. Its matches include those of the ASCII-folded
	// scan, so adding marks is enough.
	folded := appendFold((*buf)[:0], text)
	*buf = folded
	if g.prefix != nil {
		scanPrefix(g.prefix, folded, true, marks)
	}
	if g.suffix != nil {
		scanSuffix(g.suffix, folded, true, marks)
	}
	if g.infix != nil {
		scan(g.infix, folded, true, marks)
	}
}

func setMark(marks []uint64, id int32) { marks[id>>6] |= 1 << (uint(id) & 63) }

func hasMark(marks []uint64, id int32) bool { return marks[id>>6]&(1<<(uint(id)&63)) != 0 }

// result is what a record gets: the category attributes, and the ids of its
// distinct categories for the categorized-records metric.
type result struct {
	attrs []attrKV
	pairs []int32
}

type attrKV struct{ key, value string }

// newResult merges categories given in rule order: one attribute per name
// (in order of first appearance), its distinct values joined with ",".
func newResult(cats []CategoryConfig, pairIndex map[CategoryConfig]int32) *result {
	res := &result{}
	var names []string
	values := map[string][]string{}
	for _, cat := range cats {
		id := pairIndex[cat]
		if !slices.Contains(res.pairs, id) {
			res.pairs = append(res.pairs, id)
		}
		vs, seen := values[cat.Name]
		if !seen {
			names = append(names, cat.Name)
		}
		if !slices.Contains(vs, cat.Value) {
			values[cat.Name] = append(vs, cat.Value)
		}
	}
	for _, n := range names {
		res.attrs = append(res.attrs, attrKV{CategoryAttributePrefix + n, strings.Join(values[n], ",")})
	}
	return res
}

// scratch is the per-call working memory, reused across records (and across
// calls through a pool) so matching a record allocates nothing.
type scratch struct {
	marks   []uint64
	matched []int32
	key     []byte
	fold    []byte
	dropped []int64 // records dropped, by rule
	counted []int64 // records categorized, by category id
}

func (e *engine) newScratch() *scratch {
	return &scratch{
		marks:   make([]uint64, e.markWords),
		matched: make([]int32, 0, len(e.rules)),
		dropped: make([]int64, len(e.rules)),
		counted: make([]int64, len(e.pairs)),
	}
}

// apply categorizes lr and reports whether it is to be dropped.
func (e *engine) apply(lr plog.LogRecord, sc *scratch) (drop bool) {
	res, dropRule := e.match(lr, sc)
	if dropRule >= 0 {
		sc.dropped[dropRule]++
		return true
	}
	if res == nil {
		return false
	}
	attrs := lr.Attributes()
	attrs.EnsureCapacity(attrs.Len() + len(res.attrs))
	for _, kv := range res.attrs {
		attrs.PutStr(kv.key, kv.value)
	}
	for _, id := range res.pairs {
		sc.counted[id]++
	}
	return false
}

// match decides what happens to lr: the index of the drop rule that drops
// it, or -1 and the categories it gets (nil for none).
func (e *engine) match(lr plog.LogRecord, sc *scratch) (*result, int32) {
	p := &e.plans[recordLevel(lr)]
	if !p.active {
		return nil, -1
	}
	clear(sc.marks)
	for _, g := range p.groups {
		if text, ok := targetText(lr, g.attr); ok {
			g.match(text, sc.marks, &sc.fold)
		}
	}
	for _, ri := range p.regexRules {
		if !hasMark(sc.marks, ri) && e.regexMatches(ri, lr, sc.marks) {
			setMark(sc.marks, ri)
		}
	}
	// The marks of matching rules are now set; rule i is bit i.
	for w, m := range p.dropMask {
		if x := sc.marks[w] & m; x != 0 {
			return nil, int32(w*64 + bits.TrailingZeros64(x))
		}
	}
	matched := sc.matched[:0]
	for w, m := range p.categoriseMask {
		for x := sc.marks[w] & m; x != 0; x &= x - 1 {
			matched = append(matched, int32(w*64+bits.TrailingZeros64(x)))
		}
	}
	sc.matched = matched
	switch len(matched) {
	case 0:
		return p.def, -1
	case 1:
		return e.rules[matched[0]].result, -1
	}
	return e.merged(matched, sc), -1
}

// regexMatches reports whether one of rule ri's regex filters matches; a
// filter whose required literal was not seen is not run.
func (e *engine) regexMatches(ri int32, lr plog.LogRecord, marks []uint64) bool {
	for i := range e.rules[ri].regexes {
		f := &e.rules[ri].regexes[i]
		if f.pre >= 0 && !hasMark(marks, f.pre) {
			continue
		}
		if text, ok := targetText(lr, f.attr); ok && f.re.MatchString(text) {
			return true
		}
	}
	return false
}

// targetText is the text a filter reads: the body, or attribute attr. Bytes
// are read as the text they hold (not AsString's base64), other values that
// are not strings in their string form (both allocate).
func targetText(lr plog.LogRecord, attr string) (string, bool) {
	var v pcommon.Value
	if attr == "" {
		v = lr.Body()
	} else {
		var ok bool
		if v, ok = lr.Attributes().Get(attr); !ok {
			return "", false
		}
	}
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str(), true
	case pcommon.ValueTypeEmpty:
		return "", true
	case pcommon.ValueTypeBytes:
		return string(v.Bytes().AsRaw()), true
	}
	return v.AsString(), true
}

// merged returns the result of several matching categorise rules, from the
// cache when this combination was seen before.
func (e *engine) merged(matched []int32, sc *scratch) *result {
	key := sc.key[:0]
	for _, ri := range matched {
		key = binary.AppendUvarint(key, uint64(ri))
	}
	sc.key = key
	if res := e.cache.get(key); res != nil {
		return res
	}
	return e.cache.add(key, func() *result {
		var cats []CategoryConfig
		for _, ri := range matched {
			cats = append(cats, e.rules[ri].categories...)
		}
		return newResult(cats, e.pairIndex)
	})
}

// maxCachedResults bounds the merged-result cache; combinations beyond it
// are merged for each record (correct, only slower).
const maxCachedResults = 4096

// resultCache maps a combination of matching rules to its merged result.
// Hits take no lock: they read a published map that is never changed. New
// entries go to a locked pending map, which is published (copied into a new
// map with the old entries) once it holds a quarter as many entries as the
// published one, so publishing costs O(1) per entry on average.
type resultCache struct {
	published atomic.Pointer[map[string]*result]

	mu      sync.Mutex
	pending map[string]*result
	size    int // published + pending
}

func (c *resultCache) get(key []byte) *result {
	if m := c.published.Load(); m != nil {
		return (*m)[string(key)]
	}
	return nil
}

// add returns the entry for key, building and adding it if it is new.
func (c *resultCache) add(key []byte, build func() *result) *result {
	c.mu.Lock()
	defer c.mu.Unlock()
	if res, ok := c.pending[string(key)]; ok {
		return res
	}
	// Another caller may have added and published it since our get.
	if m := c.published.Load(); m != nil {
		if res, ok := (*m)[string(key)]; ok {
			return res
		}
	}
	res := build()
	if c.size >= maxCachedResults {
		return res
	}
	if c.pending == nil {
		c.pending = map[string]*result{}
	}
	c.pending[string(key)] = res
	c.size++
	old := c.published.Load()
	n := 0
	if old != nil {
		n = len(*old)
	}
	if len(c.pending) > n/4 || c.size == maxCachedResults {
		m := make(map[string]*result, c.size)
		if old != nil {
			for k, v := range *old {
				m[k] = v
			}
		}
		for k, v := range c.pending {
			m[k] = v
		}
		c.published.Store(&m)
		c.pending = nil
	}
	return res
}
