package useragentprocessor // import "github.com/senseops/senseops-collector/processor/useragentprocessor"

import (
	"strconv"
	"strings"

	"github.com/mssola/useragent"
)

// Attribute names. The user_agent.* ones are OpenTelemetry semantic
// conventions; the two with no convention live in the project's qliksense.
// namespace (see internal/senseevent/attributes.go).
const (
	attrOriginal      = "user_agent.original"
	attrName          = "user_agent.name"
	attrVersion       = "user_agent.version"
	attrOSName        = "user_agent.os.name"
	attrOSVersion     = "user_agent.os.version"
	attrSyntheticType = "user_agent.synthetic.type"
	attrVersionMajor  = "qliksense.user_agent.version.major"
	attrMobile        = "qliksense.user_agent.mobile"

	// syntheticTypeBot is the user_agent.synthetic.type value for crawlers.
	syntheticTypeBot = "bot"
)

// Indexes into targetKeys, also bit positions for presentTargets.
const (
	idxName = iota
	idxVersion
	idxVersionMajor
	idxOSName
	idxOSVersion
	idxMobile
	idxSyntheticType
	numTargets
)

// targetKeys are the attributes the processor writes, in the order it adds them.
var targetKeys = [numTargets]string{
	idxName:          attrName,
	idxVersion:       attrVersion,
	idxVersionMajor:  attrVersionMajor,
	idxOSName:        attrOSName,
	idxOSVersion:     attrOSVersion,
	idxMobile:        attrMobile,
	idxSyntheticType: attrSyntheticType,
}

// uaInfo is what one User-Agent string says, already normalised. It is a
// small value of strings, built once per distinct string and copied out of
// the cache, so a cache hit allocates nothing.
type uaInfo struct {
	name      string // user_agent.name, e.g. "Chrome"; "" when unknown
	version   string // user_agent.version, e.g. "122.0.0.0"; "" when unknown
	osName    string // user_agent.os.name, e.g. "Windows"
	osVersion string // user_agent.os.version, e.g. "10"
	major     int64  // qliksense.user_agent.version.major, valid when hasMajor
	hasMajor  bool
	mobile    bool // qliksense.user_agent.mobile
	bot       bool // user_agent.synthetic.type = bot
	// recognized is false when nothing at all could be read from the
	// string; such records are left untouched.
	recognized bool
}

// parseUserAgent parses s with mssola/useragent and normalises the result.
// It never panics: should the library panic on a pathological string, the
// string counts as unrecognised.
func parseUserAgent(s string) (info uaInfo) {
	defer func() {
		if recover() != nil {
			info = uaInfo{}
		}
	}()
	if s == "" {
		return uaInfo{}
	}
	var ua useragent.UserAgent
	ua.Parse(s)

	info.bot = ua.Bot()
	info.name, info.version = normaliseBrowser(s, &ua, info.bot)
	info.osName, info.osVersion = normaliseOS(&ua)
	if ua.Platform() == "Windows" && info.osName != "" && !strings.HasPrefix(info.osName, "Windows") {
		// "(Windows 10; Win64; x64)": mssola takes the last comment part
		// ("x64") for the OS when the first is not "Windows NT ...".
		info.osName, info.osVersion = "Windows", windowsVersion(windowsToken(s))
	}
	if info.osName == "" && !info.bot {
		info.osName, info.osVersion = osFromComment(s, ua.Platform())
	}
	if info.osName == "macOS" && !info.bot && iOSOnly(s, info.name) {
		// An iPad asking for desktop sites sends the macOS string, with a
		// macOS version that is not iOS's.
		info.osName, info.osVersion = "iOS", ""
	}
	if info.name != "" {
		info.major, info.hasMajor = leadingInt(info.version)
	}
	info.recognized = info.name != "" || info.osName != "" || info.bot
	info.mobile = info.recognized && (ua.Mobile() || info.osName == "iOS" || info.osName == "Android" || info.name == qlikSenseMobile)
	return info
}

// qlikSenseMobile is the name of Qlik's mobile app, which runs on iOS,
// iPadOS and Android only.
const qlikSenseMobile = "Qlik Sense Mobile"

// mobileApp names an app's web view on iOS or iPadOS.
const mobileApp = "Mobile App"

// iOSTokens are the product tokens of browsers that exist on iOS and iPadOS
// only (Chrome, Edge, Firefox, Opera for iOS).
var iOSTokens = [...]string{"CriOS/", "EdgiOS/", "FxiOS/", "OPiOS/"}

// iOSOnly reports whether s, named name, comes from a client that runs on
// iOS or iPadOS and on no Mac: a browser with an iOS-only token, the Qlik
// Sense Mobile app, or an app's web view with a Mobile/ build ("Mobile App":
// a web view in a Mac app sends none).
func iOSOnly(s, name string) bool {
	if name == qlikSenseMobile || name == mobileApp {
		return true
	}
	for _, t := range iOSTokens {
		if strings.Contains(s, t) {
			return true
		}
	}
	return false
}

// appTokens are clients known by a product token anywhere in the string,
// which wins over what mssola makes of the rest: an app's web view sends the
// platform browser's string with the app's token added, and mssola reads
// the app's token, if at all, as a browser version. A token followed by "/"
// gives the version.
var appTokens = []struct {
	token, name string
	needVersion bool // only "token/version" counts, the bare word is too common
}{
	{"QlikSenseMobile", qlikSenseMobile, false},
	{"Qlik Sense Mobile", qlikSenseMobile, false},
	{"PowerShell", "PowerShell", true}, // PowerShell/7.x and WindowsPowerShell/5.1
}

// knownApp finds an appTokens client in s.
func knownApp(s string) (name, version string, ok bool) {
	for _, a := range appTokens {
		i := strings.Index(s, a.token)
		if i < 0 {
			continue
		}
		rest := s[i+len(a.token):]
		if strings.HasPrefix(rest, "/") {
			return a.name, productVersion(rest, "/"), true
		}
		if !a.needVersion {
			return a.name, "", true
		}
	}
	return "", "", false
}

// normaliseBrowser takes mssola's Browser() and fixes what it gets wrong or
// leaves too raw:
//   - Samsung Internet, Edge on Android (EdgA) and on iOS (EdgiOS) are
//     reported by mssola as "Android", "Chrome" and "Safari", Opera on iOS
//     (OPiOS) as "Safari" or "Mobile App", and Edge with a token after its
//     Edg/ (an app's WebView2: "Edg/131.0.0.0 Teams/24335...") as "Chrome";
//   - Android WebViews ("Version/4.0 Chrome/...") come out as "Android 4.0";
//     they become "Chrome WebView" with the Chrome version; without Chrome/
//     it is the old stock browser, "Android Browser";
//   - Presto Opera reports the frozen "9.80"; the real version is in Version/;
//   - a web view or an app embedding WebKit (no Version/ token) comes out as
//     "Safari" with the Mobile/ build or the app's version; it becomes
//     Chrome (with Chrome/) or "Mobile App" (with Mobile/);
//   - clients with a known product token (appTokens: Qlik Sense Mobile,
//     PowerShell) are named after it, whatever mssola made of the rest;
//   - a bot recognised by its name ("Googlebot/2.1 (+http://...)") loses
//     its version;
//   - strings that are not user agents at all ("not a user agent", "Mozilla/5.0",
//     "!!!") yield their first word as the name: that is dropped unless it
//     looks like a product (starts with a letter and, for non-bots, carries a
//     version or an operating system was found).
func normaliseBrowser(s string, ua *useragent.UserAgent, bot bool) (name, version string) {
	if !bot {
		if name, version, ok := knownApp(s); ok {
			return name, version
		}
	}
	name, version = ua.Browser()
	if !bot {
		switch {
		case strings.Contains(s, "SamsungBrowser/"):
			name, version = "Samsung Internet", productVersion(s, "SamsungBrowser/")
		case strings.Contains(s, "EdgA/"):
			name, version = "Edge", productVersion(s, "EdgA/")
		case strings.Contains(s, "EdgiOS/"):
			name, version = "Edge", productVersion(s, "EdgiOS/")
		case name == "Chrome" && strings.Contains(s, " Edg/"):
			// An app's Edge WebView2 (Teams, Outlook) appends its own token
			// after Edg/, where mssola looks for it last.
			name, version = "Edge", productVersion(s, " Edg/")
		case strings.Contains(s, "OPiOS/"):
			name, version = "Opera", productVersion(s, "OPiOS/")
		case name == "Android" && strings.Contains(s, "Chrome/"):
			name, version = "Chrome WebView", productVersion(s, "Chrome/")
		case name == "Android":
			// The stock browser of Android 4.x and older: a browser of
			// its own, not the operating system.
			name = "Android Browser"
		case name == "Opera" && version == "9.80" && strings.Contains(s, "Version/"):
			version = productVersion(s, "Version/")
		case name == "Safari" && !strings.Contains(s, "Version/"):
			// Safari always sends Version/; without it this is a web view
			// or an app embedding a browser engine, and mssola's version is
			// whatever token came after the engine (Mobile/15E148, the app's).
			if strings.Contains(s, "Chrome/") {
				name, version = "Chrome", productVersion(s, "Chrome/")
			} else if strings.Contains(s, "Mobile/") {
				name, version = mobileApp, ""
			}
		}
	}
	if bot && strings.Contains(name, ":") {
		// "Slackbot 1.0 (+https://...)": a crawler without a product token
		// is named by mssola after the URL in its comment ("https:").
		name, version = leadingWord(s)
	}
	if bot && version == "" && name != "" {
		// "Googlebot/2.1 (+http://...)": mssola drops the version of a
		// bot it recognises by name.
		version = productVersion(s, name+"/")
	}
	if strings.EqualFold(name, "Mozilla") || !startsWithLetter(name) {
		return "", ""
	}
	if !startsWithDigit(version) {
		version = ""
	}
	if !bot && version == "" && ua.OS() == "" {
		// mssola's fallback for unknown strings: the first word (and,
		// after a slash, the second as its version: "N/A").
		return "", ""
	}
	return name, version
}

// normaliseOS turns mssola's operating system into a clean name and version:
//
//	Windows NT 10.0 (Windows 10 and 11)  -> Windows 10
//	Windows NT 6.3 / 6.2 / 6.1 / 6.0     -> Windows 8.1 / 8 / 7 / Vista
//	Intel Mac OS X 10_15_7               -> macOS 10.15.7
//	CPU iPhone OS 17_3 like Mac OS X     -> iOS 17.3 (iPad: "CPU OS 17_3" -> iOS 17.3)
//	Android 14                           -> Android 14
//	CrOS x86_64 14541.0.0                -> ChromeOS 14541.0.0
//	Linux x86_64                         -> Linux (no version)
//
// Anything else keeps mssola's OSInfo() name and version; a version that does
// not start with a digit is dropped (except Windows' Vista, XP, 2000 ...).
func normaliseOS(ua *useragent.UserAgent) (name, version string) {
	full := ua.OS()
	if full == "" {
		return "", ""
	}
	oi := ua.OSInfo()
	switch platform := ua.Platform(); {
	case platform == "iPhone" || platform == "iPad" || strings.HasPrefix(platform, "iPod") || oi.Name == "iPhone OS":
		name = "iOS"
		if strings.Contains(full, "like Mac OS X") {
			version = oi.Version
		} // else: an iPad in desktop mode sending the macOS string; its version is not iOS's
	case strings.HasPrefix(full, "Windows Phone"):
		name, version = "Windows Phone", oi.Version
	case strings.HasPrefix(full, "Windows"):
		return "Windows", windowsVersion(full)
	case strings.Contains(full, "Mac OS X"):
		name, version = "macOS", oi.Version
	case strings.HasPrefix(full, "Android"):
		name, version = "Android", oi.Version
	case strings.HasPrefix(full, "CrOS"):
		name, version = "ChromeOS", oi.Version
	case strings.HasPrefix(full, "Linux"):
		name = "Linux"
	default:
		name, version = oi.Name, oi.Version
	}
	if !startsWithLetter(name) {
		return "", ""
	}
	if !startsWithDigit(version) {
		version = ""
	}
	return name, version
}

// windowsVersion maps mssola's normalised Windows name ("Windows 10",
// "Windows XP x64 Edition", "Windows NT 4.0") to the marketing version.
// Windows 11 sends the same "Windows NT 10.0" as Windows 10: a User-Agent
// string cannot tell them apart.
func windowsVersion(full string) string {
	v := strings.TrimSpace(strings.TrimPrefix(full, "Windows"))
	switch {
	case strings.HasPrefix(v, "XP"):
		return "XP"
	case strings.HasPrefix(v, "2000"):
		return "2000"
	case v == "NT":
		return ""
	case strings.HasPrefix(v, "NT "):
		// mssola names only an exact "NT x.y": a build ("NT 10.0.22631") or
		// a separator without its space ("NT 10.0;Win64") stays raw.
		if name, ok := ntVersions[ntVersion(v[len("NT "):])]; ok {
			return name
		}
	}
	// "10", "8.1", "8", "7", "Vista"; an NT version mssola does not know
	// stays "NT x.y".
	return v
}

// ntVersions are the marketing versions of Windows NT versions; 6.4 is the
// Windows 10 preview's.
var ntVersions = map[string]string{
	"10.0": "10", "6.4": "10", "6.3": "8.1", "6.2": "8", "6.1": "7", "6.0": "Vista",
	"5.2": "XP", "5.1": "XP", "5.01": "2000", "5.0": "2000",
}

// ntVersion returns the major.minor of an NT version that may go on with a
// build or other text: "10.0" of "10.0.22631" and of "10.0;Win64;x64".
func ntVersion(v string) string {
	end := 0
	dots := 0
	for ; end < len(v); end++ {
		if v[end] == '.' {
			if dots++; dots == 2 {
				break
			}
		} else if v[end] < '0' || v[end] > '9' {
			break
		}
	}
	return v[:end]
}

// windowsToken returns the "Windows ..." part of s's comment, up to the next
// separator, or "".
func windowsToken(s string) string {
	i := strings.Index(s, "Windows ")
	if i < 0 {
		return ""
	}
	t := s[i:]
	if j := strings.IndexAny(t, ";)("); j >= 0 {
		t = t[:j]
	}
	return strings.TrimSpace(t)
}

// productVersion returns the version after token (e.g. "SamsungBrowser/")
// up to the next space, semicolon or parenthesis.
func productVersion(s, token string) string {
	i := strings.Index(s, token)
	if i < 0 {
		return ""
	}
	v := s[i+len(token):]
	if j := strings.IndexAny(v, " ;)("); j >= 0 {
		v = v[:j]
	}
	if !startsWithDigit(v) {
		return ""
	}
	return v
}

// leadingWord returns the first word of s as a product name, up to a space,
// slash, semicolon or parenthesis (trailing "_", "." and "-" dropped), and
// the version after it: after a slash, or the next word if it starts with a
// digit ("Slackbot 1.0 (...)"). The name is "" when it holds a colon.
func leadingWord(s string) (name, version string) {
	n := strings.IndexAny(s, " /;()")
	if n < 0 {
		n = len(s)
	}
	name = strings.TrimRight(s[:n], "_.-")
	if strings.Contains(name, ":") {
		return "", ""
	}
	rest := s[n:]
	switch {
	case strings.HasPrefix(rest, "/"):
		version = productVersion(rest, "/")
	case strings.HasPrefix(rest, " "):
		version = productVersion(rest, " ")
	}
	return name, version
}

// leadingInt returns the number formed by the leading digits of v ("122" of
// "122.0.0.0"), as Butler SOS's uaBrowserMajorVersion did.
func leadingInt(v string) (int64, bool) {
	n := 0
	for n < len(v) && v[n] >= '0' && v[n] <= '9' {
		n++
	}
	if n == 0 {
		return 0, false
	}
	i, err := strconv.ParseInt(v[:n], 10, 64)
	if err != nil {
		return 0, false
	}
	return i, true
}

func startsWithLetter(s string) bool {
	return s != "" && (s[0]|0x20 >= 'a' && s[0]|0x20 <= 'z')
}

func startsWithDigit(s string) bool {
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

// osFromComment reads the operating system from strings mssola finds none
// in: native apps ("App/1.0 (iPhone; iOS 17.3; Scale/3.00)") and
// PowerShell's "(Macintosh; Darwin ...)" and "(X11; Linux; ...)".
func osFromComment(s, platform string) (name, version string) {
	switch {
	case strings.Contains(s, "iPhone") || strings.Contains(s, "iPad") || strings.Contains(s, "iPod"):
		for _, token := range []string{"iOS ", "iPadOS ", "iPhone OS ", "CPU OS "} {
			if v := productVersion(s, token); v != "" {
				return "iOS", strings.ReplaceAll(v, "_", ".")
			}
		}
		return "iOS", ""
	case strings.Contains(s, "Android "):
		return "Android", productVersion(s, "Android ")
	case platform == "Macintosh":
		return "macOS", ""
	case platform == "X11" && strings.Contains(s, "Linux"):
		return "Linux", ""
	}
	return "", ""
}
