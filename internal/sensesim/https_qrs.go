package sensesim

// QRSApp is one element of the QRS app list returned by GET /qrs/app (Butler
// SOS spec §3, testdata/http/qrs-app-list-response-excerpt.json): the fields
// of the excerpt first, then the rest of a QRS app entity.
type QRSApp struct {
	ID                    string     `json:"id"`
	Name                  string     `json:"name"`
	Description           string     `json:"description"`
	PublishTime           string     `json:"publishTime"`
	Published             bool       `json:"published"`
	Stream                *QRSStream `json:"stream"`
	Owner                 QRSUser    `json:"owner"`
	Privileges            []string   `json:"privileges"`
	CreatedDate           string     `json:"createdDate"`
	ModifiedDate          string     `json:"modifiedDate"`
	ModifiedByUserName    string     `json:"modifiedByUserName"`
	CustomProperties      []any      `json:"customProperties"`
	AppID                 string     `json:"appId"`
	SourceAppID           string     `json:"sourceAppId"`
	TargetAppID           string     `json:"targetAppId"`
	Tags                  []any      `json:"tags"`
	FileSize              int64      `json:"fileSize"`
	LastReloadTime        string     `json:"lastReloadTime"`
	Thumbnail             string     `json:"thumbnail"`
	SavedInProductVersion string     `json:"savedInProductVersion"`
	MigrationHash         string     `json:"migrationHash"`
	DynamicColor          string     `json:"dynamicColor"`
	AvailabilityStatus    int        `json:"availabilityStatus"`
	SchemaPath            string     `json:"schemaPath"`
}

// QRSStream is the condensed stream of a QRSApp (null when unpublished).
type QRSStream struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Privileges []string `json:"privileges"`
}

// QRSUser is the condensed owner of a QRSApp.
type QRSUser struct {
	ID            string   `json:"id"`
	UserID        string   `json:"userId"`
	UserDirectory string   `json:"userDirectory"`
	Name          string   `json:"name"`
	Privileges    []string `json:"privileges"`
}

const (
	qrsNeverPublished = "1753-01-01T00:00:00.000Z" // QRS's "no date"
	qrsNullID         = "00000000-0000-0000-0000-000000000000"
)

var (
	streamEveryone   = &QRSStream{ID: "aaec8d41-5201-43ab-809f-3063750dfafd", Name: "Everyone"}
	streamMonitoring = &QRSStream{ID: "a70ca8a5-1d59-4cc9-b5fa-6e207978dcaf", Name: "Monitoring apps"}
	streamSales      = &QRSStream{ID: "3b4cb5f0-6a9d-4b1e-8f67-1f8f6a0c2d11", Name: "Sales"}
	streamFinance    = &QRSStream{ID: "c1e2d3f4-5a6b-4c7d-8e9f-0a1b2c3d4e5f", Name: "Finance"}
	streamHR         = &QRSStream{ID: "5d6e7f80-91a2-4b3c-9d4e-5f60718293a4", Name: "HR"}
)

// qrsOwners are the app owners: display names of some people, and the
// repository service account.
var qrsOwners = map[user]QRSUser{
	{"CORP", "jdoe"}:     {ID: "6d3a1c2e-0000-4000-8000-000000000001", UserID: "jdoe", UserDirectory: "CORP", Name: "John Doe"},
	{"CORP", "asmith"}:   {ID: "6d3a1c2e-0000-4000-8000-000000000002", UserID: "asmith", UserDirectory: "CORP", Name: "Anna Smith"},
	{"CORP", "bwilson"}:  {ID: "6d3a1c2e-0000-4000-8000-000000000003", UserID: "bwilson", UserDirectory: "CORP", Name: "Ben Wilson"},
	{"CORP", "cnguyen"}:  {ID: "6d3a1c2e-0000-4000-8000-000000000004", UserID: "cnguyen", UserDirectory: "CORP", Name: "Chi Nguyen"},
	{"CORP", "dpatel"}:   {ID: "6d3a1c2e-0000-4000-8000-000000000005", UserID: "dpatel", UserDirectory: "CORP", Name: "Dev Patel"},
	{"CORP", "emueller"}: {ID: "6d3a1c2e-0000-4000-8000-000000000006", UserID: "emueller", UserDirectory: "CORP", Name: "Eva Müller"},
	{"CORP", "fgarcia"}:  {ID: "6d3a1c2e-0000-4000-8000-000000000007", UserID: "fgarcia", UserDirectory: "CORP", Name: "Flor García"},
	{"CORP", "hkim"}:     {ID: "6d3a1c2e-0000-4000-8000-000000000008", UserID: "hkim", UserDirectory: "CORP", Name: "Hana Kim"},
	saRepository:         {ID: "6d3a1c2e-0000-4000-8000-0000000000aa", UserID: "sa_repository", UserDirectory: "INTERNAL", Name: "sa_repository"},
}

// qrsAppMeta holds the repository metadata of the apps of appPool, by id.
// The first two match the QRS excerpt in testdata/http.
var qrsAppMeta = map[string]struct {
	description string
	stream      *QRSStream
	publishTime string // "" = unpublished
	owner       user
	created     string
	modified    string
	reloaded    string
	fileSize    int64
}{
	"5b817efe-472d-43ce-8a31-6cce34af7de9": {"Weekly sales forecast per region", streamEveryone, "2024-01-15T08:02:11.000Z", user{"CORP", "jdoe"}, "2023-11-02T13:45:10.512Z", "2024-03-11T22:15:03.877Z", "2024-03-11T22:14:58.120Z", 48213760},
	"e7af59a0-c243-480d-9571-08727551a66f": {"", nil, "", user{"CORP", "asmith"}, "2024-02-20T09:12:44.031Z", "2024-03-08T16:40:19.254Z", "2024-03-08T16:39:55.610Z", 12976128},
	"24b22013-7c8e-4182-b623-b0df1a2ba74a": {"Operations Monitor loads service logs to populate charts covering performance history of hardware utilization, active users, app sessions, results of reload tasks, and errors and warnings.", streamMonitoring, "2023-06-01T10:00:00.000Z", saRepository, "2023-06-01T09:58:12.000Z", "2024-03-12T06:00:41.332Z", "2024-03-12T06:00:40.001Z", 104857600},
	"aba76066-242a-4daf-9390-493dfb47f488": {"License Monitor loads service logs to populate charts and tables covering token allocation, usage of login and user passes, and errors and warnings.", streamMonitoring, "2023-06-01T10:00:00.000Z", saRepository, "2023-06-01T09:58:14.000Z", "2024-03-12T06:05:12.918Z", "2024-03-12T06:05:11.404Z", 31457280},
	"70f2b643-479d-4118-b9f1-fb588f4246ed": {"Headcount, hires and leavers by department", streamHR, "2023-09-18T07:30:00.000Z", user{"CORP", "emueller"}, "2023-09-01T11:20:00.000Z", "2024-03-11T05:30:22.007Z", "2024-03-11T05:30:20.555Z", 8388608},
	"4fa2a8bb-370b-4dfb-81a6-04b3c2840dc1": {"Monthly profit & loss, budget vs. actual", streamFinance, "2023-12-04T08:00:00.000Z", user{"CORP", "dpatel"}, "2023-10-10T14:02:31.700Z", "2024-03-12T04:12:09.300Z", "2024-03-12T04:12:05.118Z", 73400320},
	"6dd6259a-31d6-4545-bc88-2a97e1763a04": {"Churn model scoring (work in progress)", nil, "", user{"CORP", "cnguyen"}, "2024-03-01T10:10:10.100Z", "2024-03-12T09:41:27.650Z", "2024-03-12T09:40:02.233Z", 22020096},
	"d5423ab8-470a-4b9e-9c07-5887a3e29281": {"Supplier lead times, fill rate and stock-outs", streamEveryone, "2023-08-21T12:00:00.000Z", user{"CORP", "bwilson"}, "2023-08-14T08:08:08.800Z", "2024-03-12T03:00:44.410Z", "2024-03-12T03:00:40.980Z", 157286400},
	"138492b8-e0d6-4a26-88b8-5f866703c623": {"Campaign reach, leads and conversion", streamSales, "2024-01-08T09:15:00.000Z", user{"CORP", "fgarcia"}, "2023-12-12T15:45:00.450Z", "2024-03-10T20:20:20.200Z", "2024-03-10T20:20:17.870Z", 41943040},
	"9248ddb7-d3de-4793-8288-88dd900464ea": {"Board-level KPIs", streamEveryone, "2023-05-15T06:00:00.000Z", user{"CORP", "hkim"}, "2023-05-02T10:00:00.000Z", "2024-03-12T05:00:31.765Z", "2024-03-12T05:00:30.003Z", 5242880},
}

// qrsApps returns the QRS app list for appPool: the same on every server of
// a site (one repository database), fixed (independent of the seed).
func qrsApps() []QRSApp {
	apps := make([]QRSApp, 0, len(appPool))
	for _, a := range appPool {
		meta, ok := qrsAppMeta[a.id]
		if !ok {
			meta.owner = saRepository
			meta.created, meta.modified, meta.reloaded = "2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z", qrsNeverPublished
		}
		owner := qrsOwners[meta.owner]
		app := QRSApp{
			ID:                    a.id,
			Name:                  a.name,
			Description:           meta.description,
			PublishTime:           qrsNeverPublished,
			Published:             meta.publishTime != "",
			Owner:                 owner,
			CreatedDate:           meta.created,
			ModifiedDate:          meta.modified,
			ModifiedByUserName:    owner.UserDirectory + `\` + owner.UserID,
			CustomProperties:      []any{},
			AppID:                 "",
			SourceAppID:           qrsNullID,
			TargetAppID:           qrsNullID,
			Tags:                  []any{},
			FileSize:              meta.fileSize,
			LastReloadTime:        meta.reloaded,
			SavedInProductVersion: engineVersion,
			SchemaPath:            "App",
		}
		if app.Published {
			app.PublishTime = meta.publishTime
			s := *meta.stream
			app.Stream = &s
		}
		apps = append(apps, app)
	}
	return apps
}
