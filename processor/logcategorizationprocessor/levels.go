package logcategorizationprocessor // import "github.com/senseops/senseops-collector/processor/logcategorizationprocessor"

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"
)

// level is a record's level as far as rules are concerned.
type level uint8

const (
	levelNone  level = iota // no severity text and no severity number (user events)
	levelOther              // a level no rule can name, e.g. NOTICE; only "any" matches it
	levelFatal
	levelError
	levelWarn
	levelInfo
	levelDebug
	levelVerbose
	levelTrace
	levelSilly
	numLevels
)

// levelMask is a set of levels.
type levelMask uint16

const allLevels levelMask = 1<<numLevels - 1

// levelNames are the names a rule's log_level may use, lower case.
var levelNames = map[string]levelMask{
	"fatal":   1 << levelFatal,
	"error":   1 << levelError,
	"warn":    1 << levelWarn,
	"info":    1 << levelInfo,
	"debug":   1 << levelDebug,
	"verbose": 1 << levelVerbose,
	"trace":   1 << levelTrace,
	"silly":   1 << levelSilly,
	"none":    1 << levelNone,
	"any":     allLevels,
	"*":       allLevels,
}

const levelNameList = "fatal, error, warn, info, debug, verbose, trace, silly, none, any (or *)"

// parseLevel reads one log_level entry: trimmed, any case (as Butler SOS).
func parseLevel(s string) (levelMask, bool) {
	m, ok := levelNames[strings.ToLower(strings.TrimSpace(s))]
	return m, ok
}

// recordLevel is the level of lr: its severity text, compared ignoring ASCII
// case (WARNING is warn), or, when the text is empty or names no level, its
// severity number's range. A text no rule can name and no number is
// levelOther.
func recordLevel(lr plog.LogRecord) level {
	t := lr.SeverityText()
	if t == "" {
		return numberLevel(lr.SeverityNumber())
	}
	if l := textLevel(t); l != levelOther {
		return l
	}
	if n := lr.SeverityNumber(); n != plog.SeverityNumberUnspecified {
		return numberLevel(n)
	}
	return levelOther
}

// textLevel reads a severity text, ignoring ASCII case; levelOther when it
// names no level.
func textLevel(t string) level {
	switch len(t) {
	case 4:
		switch {
		case equalFoldLower(t, "warn"):
			return levelWarn
		case equalFoldLower(t, "info"):
			return levelInfo
		}
	case 5:
		switch {
		case equalFoldLower(t, "error"):
			return levelError
		case equalFoldLower(t, "fatal"):
			return levelFatal
		case equalFoldLower(t, "debug"):
			return levelDebug
		case equalFoldLower(t, "trace"):
			return levelTrace
		case equalFoldLower(t, "silly"):
			return levelSilly
		}
	case 6:
		// log4net's FINEST is its VERBOSE (one value, two names).
		if equalFoldLower(t, "finest") {
			return levelVerbose
		}
	case 7:
		switch {
		case equalFoldLower(t, "warning"):
			return levelWarn
		case equalFoldLower(t, "verbose"):
			return levelVerbose
		}
	}
	return levelOther
}

func numberLevel(n plog.SeverityNumber) level {
	switch {
	case n == plog.SeverityNumberUnspecified:
		return levelNone
	case n < plog.SeverityNumberUnspecified:
		// Invalid, like 25 and up: a level, not a user event's none.
		return levelOther
	case n <= plog.SeverityNumberTrace4:
		return levelTrace
	case n <= plog.SeverityNumberDebug4:
		return levelDebug
	case n <= plog.SeverityNumberInfo4:
		return levelInfo
	case n <= plog.SeverityNumberWarn4:
		return levelWarn
	case n <= plog.SeverityNumberError4:
		return levelError
	case n <= plog.SeverityNumberFatal4:
		return levelFatal
	}
	return levelOther
}

// equalFoldLower reports whether s equals lower (a lower-case ASCII word of
// the same length) ignoring ASCII case.
func equalFoldLower(s, lower string) bool {
	for i := 0; i < len(lower); i++ {
		if s[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}
