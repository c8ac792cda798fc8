package useragentprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// uaCase is a real User-Agent string and the attributes expected from it.
// major 0 means "no qliksense.user_agent.version.major"; a case with every
// field empty and bot false expects nothing at all (unrecognised).
type uaCase struct {
	desc      string
	ua        string
	name      string
	version   string
	major     int64
	osName    string
	osVersion string
	mobile    bool
	bot       bool
}

// The three strings in testdata/udp/user-events.txt at the repository root.
const (
	uaChromeWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
	uaSafariMac     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15"
	uaSafariIPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1"
)

var uaCases = []uaCase{
	// Samples sent by Qlik Sense (testdata/udp/user-events.txt).
	{"sample Chrome on Windows", uaChromeWindows, "Chrome", "122.0.0.0", 122, "Windows", "10", false, false},
	{"sample Safari on macOS", uaSafariMac, "Safari", "17.3", 17, "macOS", "10.15.7", false, false},
	{"sample Safari on iPhone", uaSafariIPhone, "Safari", "17.3", 17, "iOS", "17.3", true, false},

	// Desktop, Windows. Windows 11 sends "Windows NT 10.0" too.
	{"Edge on Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.92",
		"Edge", "122.0.2365.92", 122, "Windows", "10", false, false},
	// Edge's WebView2 inside an app, as Teams and the new Outlook embed a
	// Sense app in a tab: the app's token comes after Edg/.
	{"Edge WebView2 in Teams",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0 Teams/24335.208.3315.1951",
		"Edge", "131.0.0.0", 131, "Windows", "10", false, false},
	{"Edge WebView2 in the new Outlook",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0 OneOutlook/1.2024.1204.100",
		"Edge", "131.0.0.0", 131, "Windows", "10", false, false},
	{"Firefox on Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
		"Firefox", "123.0", 123, "Windows", "10", false, false},
	{"Opera on Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 OPR/108.0.0.0",
		"Opera", "108.0.0.0", 108, "Windows", "10", false, false},
	{"Internet Explorer 11 on Windows 10",
		"Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko",
		"Internet Explorer", "11.0", 11, "Windows", "10", false, false},
	{"legacy EdgeHTML Edge",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19582",
		"Edge", "18.19582", 18, "Windows", "10", false, false},
	{"Chrome on Windows 7",
		"Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36",
		"Chrome", "109.0.0.0", 109, "Windows", "7", false, false},
	{"Chrome on Windows 8.1",
		"Mozilla/5.0 (Windows NT 6.3; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36",
		"Chrome", "109.0.0.0", 109, "Windows", "8.1", false, false},
	{"Firefox on Windows XP",
		"Mozilla/5.0 (Windows NT 5.1; rv:52.0) Gecko/20100101 Firefox/52.0",
		"Firefox", "52.0", 52, "Windows", "XP", false, false},
	{"Presto Opera on Windows 7",
		"Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 Version/12.18",
		"Opera", "12.18", 12, "Windows", "7", false, false},
	// Windows 10 and 11 however the NT version is written: with its build,
	// without spaces after the separators, as the preview's NT 6.4, or by
	// name; mssola leaves all of these raw (or names the OS "x64").
	{"Chrome on Windows 11, NT version with its build",
		"Mozilla/5.0 (Windows NT 10.0.22631; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
		"Chrome", "122.0.0.0", 122, "Windows", "10", false, false},
	{"Chrome on Windows, no spaces after the separators",
		"Mozilla/5.0 (Windows NT 10.0;Win64;x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
		"Chrome", "122.0.0.0", 122, "Windows", "10", false, false},
	{"Edge on the Windows 10 preview (NT 6.4)",
		"Mozilla/5.0 (Windows NT 6.4; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 Safari/537.36 Edge/12.0",
		"Edge", "12.0", 12, "Windows", "10", false, false},
	{"Chrome on Windows named without NT",
		"Mozilla/5.0 (Windows 10; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
		"Chrome", "122.0.0.0", 122, "Windows", "10", false, false},
	{"Headless Chrome on Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/122.0.6261.94 Safari/537.36",
		"Headless Chrome", "122.0.6261.94", 122, "Windows", "10", false, false},

	// Desktop, macOS. Safari and Chrome freeze the version at 10_15_7.
	{"Chrome on macOS",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
		"Chrome", "122.0.0.0", 122, "macOS", "10.15.7", false, false},
	{"Firefox on macOS",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:123.0) Gecko/20100101 Firefox/123.0",
		"Firefox", "123.0", 123, "macOS", "10.15", false, false},
	{"Edge on macOS",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.92",
		"Edge", "122.0.2365.92", 122, "macOS", "10.15.7", false, false},
	{"Opera on macOS",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 OPR/108.0.0.0",
		"Opera", "108.0.0.0", 108, "macOS", "10.15.7", false, false},

	// Desktop, Linux and ChromeOS.
	{"Chrome on Linux",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
		"Chrome", "122.0.0.0", 122, "Linux", "", false, false},
	{"Firefox on Linux",
		"Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
		"Firefox", "123.0", 123, "Linux", "", false, false},
	{"Firefox on Ubuntu",
		"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
		"Firefox", "123.0", 123, "Ubuntu", "", false, false},
	{"Chrome on ChromeOS",
		"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
		"Chrome", "122.0.0.0", 122, "ChromeOS", "14541.0.0", false, false},

	// Apple mobile.
	{"Safari on iPad",
		"Mozilla/5.0 (iPad; CPU OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
		"Safari", "17.3", 17, "iOS", "17.3", true, false},
	{"Chrome on iPhone",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/122.0.6261.89 Mobile/15E148 Safari/604.1",
		"Chrome", "122.0.6261.89", 122, "iOS", "17.3", true, false},
	{"Firefox on iPhone",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/123.0 Mobile/15E148 Safari/605.1.15",
		"Firefox", "123.0", 123, "iOS", "17.3", true, false},
	{"Edge on iPhone",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/122.2365.86 Mobile/15E148 Safari/605.1.15",
		"Edge", "122.2365.86", 122, "iOS", "17.3", true, false},
	{"Firefox on iPad asking for the desktop site",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/123.0 Safari/605.1.15",
		"Firefox", "123.0", 123, "iOS", "", true, false},
	// Chrome, Edge and Opera for iOS on an iPad asking for desktop sites
	// send the macOS string, as Firefox does; their tokens exist on iOS only.
	{"Edge on iPad asking for the desktop site",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/122.2365.86 Safari/605.1.15",
		"Edge", "122.2365.86", 122, "iOS", "", true, false},
	{"Chrome on iPad asking for the desktop site",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/122.0.6261.89 Safari/604.1",
		"Chrome", "122.0.6261.89", 122, "iOS", "", true, false},
	{"Opera on iPad asking for the desktop site",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 OPiOS/16.0.15.124050 Safari/605.1.15",
		"Opera", "16.0.15.124050", 16, "iOS", "", true, false},
	{"Opera on iPhone",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) OPiOS/16.0.15.124050 Mobile/15E148 Safari/9537.53",
		"Opera", "16.0.15.124050", 16, "iOS", "17.3", true, false},
	{"in-app web view on iPhone",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
		"Mobile App", "", 0, "iOS", "17.3", true, false},
	// An iPad app's web view asking for desktop sites: the macOS string,
	// but a Mobile/ build, which no web view in a Mac app sends.
	{"in-app web view on iPad, desktop mode",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
		"Mobile App", "", 0, "iOS", "", true, false},
	{"in-app web view on a Mac",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)",
		"", "", 0, "macOS", "10.15.7", false, false},

	// Android.
	{"the stock browser of Android 4",
		"Mozilla/5.0 (Linux; U; Android 4.4.2; en-us; SM-T230 Build/KOT49H) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Safari/534.30",
		"Android Browser", "4.0", 4, "Android", "4.4.2", true, false},
	{"Chrome on Android phone",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.105 Mobile Safari/537.36",
		"Chrome", "122.0.6261.105", 122, "Android", "14", true, false},
	{"Chrome on Android, reduced UA",
		"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Mobile Safari/537.36",
		"Chrome", "122.0.0.0", 122, "Android", "10", true, false},
	{"Chrome on Android tablet",
		"Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
		"Chrome", "122.0.0.0", 122, "Android", "13", true, false},
	{"Samsung Internet",
		"Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
		"Samsung Internet", "23.0", 23, "Android", "13", true, false},
	{"Firefox on Android",
		"Mozilla/5.0 (Android 14; Mobile; rv:123.0) Gecko/123.0 Firefox/123.0",
		"Firefox", "123.0", 123, "Android", "14", true, false},
	{"Edge on Android",
		"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Mobile Safari/537.36 EdgA/122.0.2365.86",
		"Edge", "122.0.2365.86", 122, "Android", "10", true, false},
	{"Opera on Android",
		"Mozilla/5.0 (Linux; Android 10; VOG-L29) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Mobile Safari/537.36 OPR/80.4.4244.77784",
		"Opera", "80.4.4244.77784", 80, "Android", "10", true, false},
	{"Android WebView",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UD1A.230803.041; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.105 Mobile Safari/537.36",
		"Chrome WebView", "122.0.6261.105", 122, "Android", "14", true, false},

	// Crawlers: user_agent.synthetic.type = bot.
	{"Googlebot",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Googlebot", "2.1", 2, "", "", false, true},
	{"Googlebot desktop, Chrome-based",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/122.0.6261.94 Safari/537.36",
		"Googlebot", "2.1", 2, "", "", false, true},
	{"Googlebot smartphone",
		"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.94 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Googlebot", "2.1", 2, "", "", true, true},
	{"Googlebot without Mozilla",
		"Googlebot/2.1 (+http://www.google.com/bot.html)",
		"Googlebot", "2.1", 2, "", "", false, true},
	{"Bingbot",
		"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
		"bingbot", "2.0", 2, "", "", false, true},
	{"Bingbot, Chrome-based",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
		"bingbot", "2.0", 2, "", "", false, true},

	// Crawlers without a product token: mssola names them after the URL in
	// their comment ("https:"); the name is the string's first word.
	{"Slackbot link preview",
		"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
		"Slackbot-LinkExpanding", "1.0", 1, "", "", false, true},
	{"Slackbot",
		"Slackbot 1.0 (+https://api.slack.com/robots)",
		"Slackbot", "1.0", 1, "", "", false, true},
	{"Pingdom",
		"Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
		"Pingdom.com_bot_version_1.4", "", 0, "", "", false, true},

	// HTTP tools: a name and version, not classified as bots.
	{"curl", "curl/8.4.0", "curl", "8.4.0", 8, "", "", false, false},
	{"Wget", "Wget/1.21.4", "Wget", "1.21.4", 1, "", "", false, false},
	{"python-requests", "python-requests/2.31.0", "python-requests", "2.31.0", 2, "", "", false, false},
	{"Windows PowerShell",
		"Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.22621.2506",
		"PowerShell", "5.1.22621.2506", 5, "Windows", "", false, false},
	{"PowerShell 7 on Windows",
		"Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/7.4.1",
		"PowerShell", "7.4.1", 7, "Windows", "10", false, false},
	{"PowerShell 7 on macOS",
		"Mozilla/5.0 (Macintosh; Darwin 23.4.0 Darwin Kernel Version 23.4.0: Fri Mar 15 00:10:42 PDT 2024; root:xnu-10063.101.17~1/RELEASE_ARM64_T6000; en-US) PowerShell/7.4.2",
		"PowerShell", "7.4.2", 7, "macOS", "", false, false},
	{"PowerShell 7 on Linux",
		"Mozilla/5.0 (X11; Linux; Linux 5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023; en-US) PowerShell/7.4.1",
		"PowerShell", "7.4.1", 7, "Linux", "", false, false},
	{"Postman", "PostmanRuntime/7.39.0", "PostmanRuntime", "7.39.0", 7, "", "", false, false},
	{"python-requests, 2025", "python-requests/2.32.3", "python-requests", "2.32.3", 2, "", "", false, false},
	{"curl, 2025", "curl/8.11.1", "curl", "8.11.1", 8, "", "", false, false},
	{"a dash, as logs write a missing value", "-", "", "", 0, "", "", false, false},
	{"N/A, as logs write a missing value: a word and no version", "N/A", "", "", 0, "", "", false, false},
	{"(null), as log4net writes a missing value", "(null)", "", "", 0, "", "", false, false},

	// Qlik Sense Mobile: the app's web view adds its own product token, and
	// its native calls name the app first. Neither is Safari: an iOS web view
	// carries no Version/ token, so mssola took the Mobile/ build for a
	// Safari version.
	{"Qlik Sense Mobile, iOS web view",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 QlikSenseMobile/5.2.0",
		"Qlik Sense Mobile", "5.2.0", 5, "iOS", "17.3", true, false},
	{"Qlik Sense Mobile, iPad web view",
		"Mozilla/5.0 (iPad; CPU OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Qlik Sense Mobile/6.1.0",
		"Qlik Sense Mobile", "6.1.0", 6, "iOS", "18.2", true, false},
	{"Qlik Sense Mobile, Android web view",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UD1A.230803.041; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.105 Mobile Safari/537.36 QlikSenseMobile/5.3.0",
		"Qlik Sense Mobile", "5.3.0", 5, "Android", "14", true, false},
	// The app runs on iOS, iPadOS and Android only: an iPad's web view asks
	// for desktop sites and sends the macOS string, and native calls may
	// name no OS at all; either is a mobile device.
	{"Qlik Sense Mobile, iPad web view asking for the desktop site",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) QlikSenseMobile/5.2.0",
		"Qlik Sense Mobile", "5.2.0", 5, "iOS", "", true, false},
	{"Qlik Sense Mobile, native call through CFNetwork",
		"QlikSenseMobile/5.2.0 CFNetwork/1490.0.4 Darwin/23.2.0",
		"Qlik Sense Mobile", "5.2.0", 5, "", "", true, false},
	{"Qlik Sense Mobile, native call",
		"Qlik Sense Mobile/3.5.0 (iPhone; iOS 17.3; Scale/3.00)",
		"Qlik Sense Mobile", "3.5.0", 3, "iOS", "17.3", true, false},
	{"Edge on iPhone, without Version/",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) EdgiOS/121.0.2277.107 Mobile/15E148 Safari/605.1.15",
		"Edge", "121.0.2277.107", 121, "iOS", "17.3", true, false},
	{"another app's iOS web view",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Teams/6.4.0",
		"Mobile App", "", 0, "iOS", "17.3", true, false},
	{"desktop app embedding Chrome, its token before Chrome's",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Qlik Sense/14.0 Chrome/108.0.5359.215 Safari/537.36",
		"Chrome", "108.0.5359.215", 108, "Windows", "10", false, false},

	// Browsers of 2025-2026.
	{"Chrome 134 on Windows 11",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36",
		"Chrome", "134.0.0.0", 134, "Windows", "10", false, false},
	{"Edge 140",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0",
		"Edge", "140.0.0.0", 140, "Windows", "10", false, false},
	{"Firefox 133 on Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
		"Firefox", "133.0", 133, "Windows", "10", false, false},
	{"Safari 18 on macOS",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15",
		"Safari", "18.2", 18, "macOS", "10.15.7", false, false},
	{"Safari on iOS 18.2.1",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_2_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1",
		"Safari", "18.2", 18, "iOS", "18.2.1", true, false},

	// Nothing to recognise: no attributes at all.
	{"empty", "", "", "", 0, "", "", false, false},
	{"spaces", "   ", "", "", 0, "", "", false, false},
	{"words", "not a user agent at all", "", "", 0, "", "", false, false},
	{"punctuation", "!!!@@@###", "", "", 0, "", "", false, false},
	{"bare Mozilla", "Mozilla/5.0", "", "", 0, "", "", false, false},
	{"lower-cased browser string: mssola reads only the first word",
		"mozilla/5.0 (windows nt 10.0; win64; x64) applewebkit/537.36 (khtml, like gecko) chrome/122.0.0.0 safari/537.36",
		"", "", 0, "", "", false, false},
	{"unclosed comment", "Mozilla/5.0 (", "", "", 0, "", "", false, false},
	{"parentheses", "()()((", "", "", 0, "", "", false, false},
	{"binary", "\x00\xff\xfe;(", "", "", 0, "", "", false, false},
}

func (c uaCase) want() uaInfo {
	w := uaInfo{
		name: c.name, version: c.version,
		osName: c.osName, osVersion: c.osVersion,
		mobile: c.mobile, bot: c.bot,
		major: c.major, hasMajor: c.major != 0,
	}
	w.recognized = c.name != "" || c.osName != "" || c.bot
	return w
}

func TestParseUserAgent(t *testing.T) {
	for _, c := range uaCases {
		t.Run(c.desc, func(t *testing.T) {
			assert.Equal(t, c.want(), parseUserAgent(c.ua), c.ua)
		})
	}
}

func TestParseUserAgentHelpers(t *testing.T) {
	for _, tt := range []struct {
		full, want string
	}{
		{"Windows 10", "10"},
		{"Windows 8", "8"},
		{"Windows Vista", "Vista"},
		{"Windows XP x64 Edition", "XP"},
		{"Windows 2000, Service Pack 1 (SP1)", "2000"},
		{"Windows NT 10.0.22631", "10"},
		{"Windows NT 10.0;Win64;x64", "10"},
		{"Windows NT 6.4", "10"},
		{"Windows NT 6.1.7601", "7"},
		{"Windows NT 4.0", "NT 4.0"},
		{"Windows NT", ""},
	} {
		assert.Equal(t, tt.want, windowsVersion(tt.full), tt.full)
	}
	for _, tt := range []struct {
		v    string
		want int64
		ok   bool
	}{
		{"122.0.0.0", 122, true},
		{"17.3", 17, true},
		{"8", 8, true},
		{"", 0, false},
		{"beta", 0, false},
		{"99999999999999999999999.1", 0, false},
	} {
		got, ok := leadingInt(tt.v)
		assert.Equal(t, tt.ok, ok, tt.v)
		assert.Equal(t, tt.want, got, tt.v)
	}
	assert.Equal(t, "23.0", productVersion("x SamsungBrowser/23.0 Chrome/1", "SamsungBrowser/"))
	assert.Equal(t, "23.0", productVersion("x SamsungBrowser/23.0", "SamsungBrowser/"))
	assert.Empty(t, productVersion("x SamsungBrowser/ Chrome/1", "SamsungBrowser/"))
	assert.Empty(t, productVersion("x Chrome/1", "SamsungBrowser/"))
}
