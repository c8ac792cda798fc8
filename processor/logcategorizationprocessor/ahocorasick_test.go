package logcategorizationprocessor

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// found runs the automaton kind over text and returns the matched ids.
func found(a *automaton, kind string, text string) []int32 {
	marks := make([]uint64, 4)
	switch kind {
	case "so":
		scan(a, text, false, marks)
	case "sw":
		scanPrefix(a, text, false, marks)
	case "ew":
		scanSuffix(a, text, false, marks)
	}
	var ids []int32
	for id := int32(0); id < 256; id++ {
		if hasMark(marks, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

func build(kind string, fold bool, patterns ...string) *automaton {
	var ps []acPattern
	for i, p := range patterns {
		if fold {
			p = foldString(p)
		}
		if kind == "ew" {
			p = reverse(p)
		}
		ps = append(ps, acPattern{text: p, id: int32(i)})
	}
	return newAutomaton(ps, fold, kind != "so")
}

func TestAutomatonContains(t *testing.T) {
	// the classic example: overlapping patterns, patterns inside patterns
	a := build("so", false, "he", "she", "his", "hers")
	assert.Equal(t, []int32{0, 1, 3}, found(a, "so", "ushers"))
	assert.Equal(t, []int32{2}, found(a, "so", "this"))
	assert.Equal(t, []int32{0}, found(a, "so", "ahe"))
	assert.Empty(t, found(a, "so", "HERS"))
	assert.Empty(t, found(a, "so", ""))
	assert.Empty(t, found(a, "so", "h"))

	// a failure link must not lose a match that starts inside a partial one
	a = build("so", false, "abcd", "bc", "bcx", "c")
	assert.Equal(t, []int32{1, 3}, found(a, "so", "abcx"[:3]))
	assert.Equal(t, []int32{1, 2, 3}, found(a, "so", "abcx"))
	assert.Equal(t, []int32{0, 1, 3}, found(a, "so", "xxabcdxx"))

	// repeated and duplicate patterns
	a = build("so", false, "aa", "aa", "aaa")
	assert.Equal(t, []int32{0, 1, 2}, found(a, "so", "aaaa"))
	assert.Equal(t, []int32{0, 1}, found(a, "so", "baab"))
}

func TestAutomatonPrefixAndSuffix(t *testing.T) {
	a := build("sw", false, "Access", "Access was denied", "Acc", "Failed")
	assert.Equal(t, []int32{0, 1, 2}, found(a, "sw", "Access was denied for User:"))
	assert.Equal(t, []int32{2}, found(a, "sw", "Accept"))
	assert.Equal(t, []int32{3}, found(a, "sw", "Failed"))
	assert.Empty(t, found(a, "sw", "xAccess"))
	assert.Empty(t, found(a, "sw", "Ac"))

	a = build("ew", false, "FinishedFail", "Fail", "due to inactivity")
	assert.Equal(t, []int32{0, 1}, found(a, "ew", "Task finished with state FinishedFail"))
	assert.Empty(t, found(a, "ew", "FinishedFail."))
	assert.Equal(t, []int32{2}, found(a, "ew", "terminated due to inactivity"))
}

func TestAutomatonFold(t *testing.T) {
	a := build("so", true, "Access Denied", "ÉTÉ")
	assert.Equal(t, []int32{0}, found(a, "so", "ACCESS DENIED for user"))
	assert.Equal(t, []int32{0}, found(a, "so", "user access denied"))
	// non-ASCII is compared exactly by the automaton; the group folds the
	// text first when it matters (TestCaseInsensitiveUnicode)
	assert.Equal(t, []int32{1}, found(a, "so", "en été"[:0]+foldString("en été")))

	a = build("sw", true, "warn:")
	assert.Equal(t, []int32{0}, found(a, "sw", "WaRn: x"))
	a = build("ew", true, "FAIL")
	assert.Equal(t, []int32{0}, found(a, "ew", "failed to fail"))
}

func TestAutomatonAllBytes(t *testing.T) {
	// every byte value in the patterns: no class is left for "other"
	var b strings.Builder
	for c := 0; c < 256; c++ {
		b.WriteByte(byte(c))
	}
	all := b.String()
	a := build("so", false, all, "\x00\xff")
	assert.Equal(t, []int32{0}, found(a, "so", "x"+all+"y"))
	assert.Equal(t, []int32{1}, found(a, "so", "\x00\xff"))
	assert.Empty(t, found(a, "so", "\xff\x00"))
}

func TestFoldRune(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Hello World", "hello world"},
		{"KELVIN \u212A", "kelvin k"},              // KELVIN SIGN folds to k
		{"Straße ſ", "straße s"},                   // LONG S folds to s
		{"ÉTÉ été", "ÉtÉ ÉtÉ"},                     // É has no ASCII member: the lowest rune
		{"ΣΑΣ σας ς", "ΣΑΣ ΣΑΣ Σ"},                 // three-member orbit
		{"bad \xff\xfe utf8", "bad \xff\xfe utf8"}, // invalid bytes are kept
	} {
		assert.Equal(t, tc.want, foldString(tc.in), tc.in)
		assert.Equal(t, foldString(tc.want), foldString(tc.in), "fold is idempotent on %q", tc.in)
	}
	assert.True(t, needsUnicodeFold("kelvin"))
	assert.True(t, needsUnicodeFold("été"))
	assert.False(t, needsUnicodeFold("denied"))
}
