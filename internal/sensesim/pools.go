package sensesim

// Static pools the generator draws from. Everything here is invented but
// shaped like a real Qlik Sense Enterprise on Windows site; the two apps and
// the users of the reference samples are included so generated data joins up
// with the sample QRS/QPS payloads.

// Service is a bit set of the Sense services running on a host.
type Service uint8

// Sense services that emit UDP datagrams.
const (
	ServiceEngine     Service = 1 << iota // engine log events and qix-perf
	ServiceProxy                          // proxy log events and user events
	ServiceRepository                     // repository log events
	ServiceScheduler                      // scheduler log events
	ServiceAll        = ServiceEngine | ServiceProxy | ServiceRepository | ServiceScheduler
)

// Host is one simulated Sense server.
type Host struct {
	Name     string  // as %hostname writes it, e.g. QS-CENTRAL-01
	Services Service // services installed on this node
}

// DefaultHosts returns a four-node site: a central node with every service,
// two rim nodes (engine, repository, scheduler slave) and a dedicated proxy.
func DefaultHosts() []Host {
	return []Host{
		{Name: "QS-CENTRAL-01", Services: ServiceAll},
		{Name: "QS-RIM-01", Services: ServiceEngine | ServiceRepository | ServiceScheduler},
		{Name: "QS-RIM-02", Services: ServiceEngine | ServiceRepository | ServiceScheduler},
		{Name: "QS-PROXY-01", Services: ServiceProxy | ServiceRepository},
	}
}

func (k Kind) service() Service {
	switch k {
	case KindEngine, KindQixPerf:
		return ServiceEngine
	case KindProxy, KindProxySession, KindProxyConnection:
		return ServiceProxy
	case KindRepository:
		return ServiceRepository
	case KindScheduler:
		return ServiceScheduler
	}
	return 0
}

const (
	// serviceAccount is what %user (ServiceUserNameCachedPatternConverter)
	// writes: the Windows account the Sense services run as.
	serviceAccount = `CORP\qlikservice`
	engineVersion  = "14.187.4"
	siteDomain     = "corp.example"
	siteURL        = "https://sense.corp.example"
)

type user struct{ dir, id string }

func (u user) full() string { return u.dir + `\` + u.id }

// People who open sessions through the proxy.
var people = []user{
	{"CORP", "jdoe"}, {"CORP", "asmith"}, {"CORP", "bwilson"}, {"CORP", "cnguyen"},
	{"CORP", "dpatel"}, {"CORP", "emueller"}, {"CORP", "fgarcia"}, {"CORP", "hkim"},
	{"CORP", "ljohansson"}, {"CORP", "mrossi"}, {"CORP", "newhire1"}, {"CORP", "guest1"},
	{"EXT", "partner.user@supplier.example"}, {"EXT", "consultant1@agency.example"},
	{"EXT", "auditor@audit.example"},
}

// Service accounts in the INTERNAL directory.
var (
	saScheduler  = user{"INTERNAL", "sa_scheduler"}
	saRepository = user{"INTERNAL", "sa_repository"}
	saProxy      = user{"INTERNAL", "sa_proxy"}
	saAPI        = user{"INTERNAL", "sa_api"}
)

type appObject struct{ id, typ string }

type app struct {
	id, name string
	taskID   string // the app's scheduled reload task
	objects  []appObject
}

var appPool = []struct{ id, name, taskID string }{
	{"5b817efe-472d-43ce-8a31-6cce34af7de9", "Sales forecast", "dec2a02a-1680-44ef-8dc2-e2bfb180af87"},
	{"e7af59a0-c243-480d-9571-08727551a66f", "Inventory analysis", "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"},
	{"24b22013-7c8e-4182-b623-b0df1a2ba74a", "Operations Monitor", "9cada0d4-07f6-433d-aa0c-6ca37f572cc3"},
	{"aba76066-242a-4daf-9390-493dfb47f488", "License Monitor", "8efae8c9-5972-4897-b774-6ea29413d1b6"},
	{"70f2b643-479d-4118-b9f1-fb588f4246ed", "HR headcount", "f29c1405-6239-4a60-98f5-a47bb01497c3"},
	{"4fa2a8bb-370b-4dfb-81a6-04b3c2840dc1", "Finance P&L", "39cc8fe6-2961-49c9-bca7-786b48c1f4b7"},
	{"6dd6259a-31d6-4545-bc88-2a97e1763a04", "Customer churn", "b9a42f0e-49a5-49d9-8fa6-0c8eb14d8495"},
	{"d5423ab8-470a-4b9e-9c07-5887a3e29281", "Supply chain KPIs", "eeaef6c5-9500-4c5f-a127-5f8935d1c926"},
	{"138492b8-e0d6-4a26-88b8-5f866703c623", "Marketing campaigns", "adbc3906-8cba-4bff-a001-37c8d7805a54"},
	{"9248ddb7-d3de-4793-8288-88dd900464ea", "Executive summary", "9ff9e608-7bad-493f-98c2-c4d31cb64a8d"},
}

// Object types of sheet objects, weighted by repetition.
var objectTypes = []string{
	"sheet", "sheet", "barchart", "barchart", "barchart", "table", "table", "kpi", "kpi",
	"linechart", "piechart", "pivot-table", "filterpane", "combochart", "map", "text-image",
}

// User agents seen on the proxy: desktop and mobile browsers plus a bot and
// a headless browser.
var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.80",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14.3; rv:123.0) Gecko/20100101 Firefox/123.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (iPad; CPU OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.105 Mobile Safari/537.36",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/122.0.6261.94 Safari/537.36",
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
}

// userAgentWeights skews the mix towards corporate desktop browsers.
var userAgentWeights = []float64{30, 10, 20, 6, 8, 5, 3, 1, 5, 2, 4, 1, 1, 0.5}

// .NET exception texts as EncodedExceptionPatternConverter would write them
// (single line).
var (
	excWebConnect   = "System.Net.WebException: Unable to connect to the remote server"
	excWebTimeout   = "System.Net.WebException: The operation has timed out"
	excSocketReset  = "System.IO.IOException: Unable to read data from the transport connection: An existing connection was forcibly closed by the remote host. ---> System.Net.Sockets.SocketException: An existing connection was forcibly closed by the remote host"
	excWebSocket    = "System.Net.WebSockets.WebSocketException (0x80004005): The remote party closed the WebSocket connection without completing the close handshake."
	excOutOfMemory  = "System.OutOfMemoryException: Exception of type 'System.OutOfMemoryException' was thrown."
	excNpgsql       = "Npgsql.NpgsqlException (0x80004005): Exception while connecting ---> System.Net.Sockets.SocketException (10061): No connection could be made because the target machine actively refused it 10.20.0.11:4432"
	excTimeout      = "System.TimeoutException: The request channel timed out while waiting for a reply after 00:01:00; increase the timeout value passed to the call to Request or increase the SendTimeout value on the Binding."
	excUnauthorized = "System.UnauthorizedAccessException: Access to the path '\\\\fileserver\\qlikshare\\Apps' is denied."
)
