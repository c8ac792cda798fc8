package qliksensemetricsconnector

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"

	"github.com/senseops/senseops-collector/internal/senseevent"
)

func req(appID, appName, objectType, objectID, method string) qixRequest {
	return qixRequest{appID: appID, appName: appName, objectType: objectType, objectID: objectID, method: method}
}

var (
	layout   = req(appSales, "Sales forecast", "barchart", "rwPjBk", "GenericObject::GetLayout")
	cube     = req(appSales, "Sales forecast", "table", "JxmKpTd", "GenericObject::GetHyperCubeData")
	openApp  = req(appSales, "Sales forecast", "<Unknown>", "<Unknown>", "Global::OpenApp")
	invSheet = req(appInventory, "Inventory analysis", "sheet", "abc", "GenericObject::GetLayout")
	noApp    = req("", "", "<Unknown>", "<Unknown>", "Global::GetDocList")
)

func specific(entries ...AppEntryConfig) MonitorFilterConfig {
	return MonitorFilterConfig{AppSpecific: AppSpecificConfig{Enable: true, App: entries}}
}

func allApps(a AllAppsConfig) MonitorFilterConfig {
	a.Enable = true
	return MonitorFilterConfig{AllApps: a}
}

func anyApp() []AppMatchConfig { return []AppMatchConfig{{}} }

// TestMonitorFilter covers every rule of Butler SOS's monitorFilter, each
// accepting and rejecting.
func TestMonitorFilter(t *testing.T) {
	tests := []struct {
		name   string
		filter MonitorFilterConfig
		accept []qixRequest
		reject []qixRequest
	}{
		{name: "no filter accepts everything", accept: []qixRequest{layout, cube, openApp, invSheet, noApp}},
		{name: "both sections disabled accepts everything", filter: MonitorFilterConfig{
			AppSpecific: AppSpecificConfig{App: []AppEntryConfig{{Include: []AppMatchConfig{{AppID: "x"}}}}},
			AllApps:     AllAppsConfig{AppExclude: anyApp()},
		}, accept: []qixRequest{layout, noApp}},

		// appSpecific.app[].include
		{name: "include by app id", filter: specific(AppEntryConfig{Include: []AppMatchConfig{{AppID: appSales}}}),
			accept: []qixRequest{layout, openApp}, reject: []qixRequest{invSheet, noApp}},
		{name: "include by app name", filter: specific(AppEntryConfig{Include: []AppMatchConfig{{AppName: "Inventory analysis"}}}),
			accept: []qixRequest{invSheet}, reject: []qixRequest{layout}},
		{name: "include with id and name needs both", filter: specific(AppEntryConfig{Include: []AppMatchConfig{{AppID: appSales, AppName: "Inventory analysis"}}}),
			reject: []qixRequest{layout, invSheet}},
		{name: "include list: any entry", filter: specific(AppEntryConfig{Include: []AppMatchConfig{{AppID: appInventory}, {AppName: "Sales forecast"}}}),
			accept: []qixRequest{layout, invSheet}, reject: []qixRequest{noApp}},
		{name: "include {} matches every app", filter: specific(AppEntryConfig{Include: anyApp()}),
			accept: []qixRequest{layout, invSheet, noApp}},
		{name: "matching is case-sensitive", filter: specific(AppEntryConfig{Include: []AppMatchConfig{{AppName: "sales forecast"}}}),
			reject: []qixRequest{layout}},

		// appSpecific.app[].objectType
		{name: "allObjectTypes with exclude", filter: specific(AppEntryConfig{Include: anyApp(),
			ObjectType: &ObjectTypeRule{AllObjectTypes: true, AllObjectTypesExclude: []string{"table", "sheet"}, SomeObjectTypesInclude: []string{"table"}}}),
			accept: []qixRequest{layout, openApp}, reject: []qixRequest{cube, invSheet}},
		{name: "someObjectTypesInclude", filter: specific(AppEntryConfig{Include: anyApp(),
			ObjectType: &ObjectTypeRule{SomeObjectTypesInclude: []string{"table", "barchart"}, AllObjectTypesExclude: []string{"table"}}}),
			accept: []qixRequest{layout, cube}, reject: []qixRequest{openApp, invSheet}},

		// appSpecific.app[].appObject
		{name: "allAppObjects with exclude", filter: specific(AppEntryConfig{Include: anyApp(),
			AppObject: &AppObjectRule{AllAppObjects: true, AllAppObjectsExclude: []ObjectMatchConfig{{ObjectID: "rwPjBk"}}}}),
			accept: []qixRequest{cube, openApp}, reject: []qixRequest{layout}},
		{name: "someAppObjectsInclude", filter: specific(AppEntryConfig{Include: anyApp(),
			AppObject: &AppObjectRule{SomeAppObjectsInclude: []ObjectMatchConfig{{ObjectID: "rwPjBk"}, {ObjectID: "JxmKpTd"}}}}),
			accept: []qixRequest{layout, cube}, reject: []qixRequest{openApp, invSheet}},

		// appSpecific.app[].method
		{name: "allMethods with exclude", filter: specific(AppEntryConfig{Include: anyApp(),
			Method: &MethodRule{AllMethods: true, AllMethodsExclude: []string{"Global::OpenApp"}}}),
			accept: []qixRequest{layout, cube}, reject: []qixRequest{openApp}},
		{name: "someMethodsInclude", filter: specific(AppEntryConfig{Include: anyApp(),
			Method: &MethodRule{SomeMethodsInclude: []string{"GenericObject::GetHyperCubeData"}}}),
			accept: []qixRequest{cube}, reject: []qixRequest{layout, openApp}},

		{name: "an entry needs every rule", filter: specific(AppEntryConfig{
			Include:    []AppMatchConfig{{AppID: appSales}},
			ObjectType: &ObjectTypeRule{SomeObjectTypesInclude: []string{"barchart", "sheet"}},
			AppObject:  &AppObjectRule{AllAppObjects: true},
			Method:     &MethodRule{SomeMethodsInclude: []string{"GenericObject::GetLayout"}},
		}), accept: []qixRequest{layout}, reject: []qixRequest{cube, openApp, invSheet}},
		{name: "the first passing entry accepts", filter: specific(
			AppEntryConfig{Include: []AppMatchConfig{{AppID: appSales}}, Method: &MethodRule{SomeMethodsInclude: []string{"Global::OpenApp"}}},
			AppEntryConfig{Include: []AppMatchConfig{{AppID: appInventory}}},
		), accept: []qixRequest{openApp, invSheet}, reject: []qixRequest{layout}},

		// allApps
		{name: "allApps accepts every app", filter: allApps(AllAppsConfig{}), accept: []qixRequest{layout, invSheet, noApp}},
		{name: "allApps appExclude by id", filter: allApps(AllAppsConfig{AppExclude: []AppMatchConfig{{AppID: appSales}}}),
			accept: []qixRequest{invSheet, noApp}, reject: []qixRequest{layout, openApp}},
		{name: "allApps appExclude by name", filter: allApps(AllAppsConfig{AppExclude: []AppMatchConfig{{AppName: "Inventory analysis"}}}),
			accept: []qixRequest{layout}, reject: []qixRequest{invSheet}},
		{name: "allApps appExclude {} excludes every app", filter: allApps(AllAppsConfig{AppExclude: anyApp()}),
			reject: []qixRequest{layout, noApp}},
		{name: "allApps allObjectTypes with exclude", filter: allApps(AllAppsConfig{ObjectType: &ObjectTypeRule{AllObjectTypes: true, AllObjectTypesExclude: []string{"<Unknown>"}}}),
			accept: []qixRequest{layout, invSheet}, reject: []qixRequest{openApp, noApp}},
		{name: "allApps someObjectTypesInclude", filter: allApps(AllAppsConfig{ObjectType: &ObjectTypeRule{SomeObjectTypesInclude: []string{"sheet"}}}),
			accept: []qixRequest{invSheet}, reject: []qixRequest{layout}},
		{name: "allApps allMethods with exclude", filter: allApps(AllAppsConfig{Method: &MethodRule{AllMethods: true, AllMethodsExclude: []string{"Global::GetDocList"}}}),
			accept: []qixRequest{layout, openApp}, reject: []qixRequest{noApp}},
		{name: "allApps someMethodsInclude", filter: allApps(AllAppsConfig{Method: &MethodRule{SomeMethodsInclude: []string{"Global::OpenApp"}}}),
			accept: []qixRequest{openApp}, reject: []qixRequest{layout, cube}},

		// the two sections together
		{name: "app-specific first, then all apps", filter: MonitorFilterConfig{
			AppSpecific: AppSpecificConfig{Enable: true, App: []AppEntryConfig{{
				Include: []AppMatchConfig{{AppID: appSales}}, ObjectType: &ObjectTypeRule{SomeObjectTypesInclude: []string{"barchart"}},
			}}},
			AllApps: AllAppsConfig{Enable: true, AppExclude: []AppMatchConfig{{AppID: appSales}}},
		}, accept: []qixRequest{layout, invSheet, noApp}, reject: []qixRequest{cube, openApp}},
		{name: "app-specific alone rejects the rest", filter: specific(AppEntryConfig{Include: []AppMatchConfig{{AppID: appInventory}}}),
			accept: []qixRequest{invSheet}, reject: []qixRequest{layout, noApp}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := compileFilter(&tt.filter)
			for _, r := range tt.accept {
				assert.True(t, f.accept(&r), "should accept %+v", r)
			}
			for _, r := range tt.reject {
				assert.False(t, f.accept(&r), "should reject %+v", r)
			}
		})
	}
}

// TestMonitorFilterEmptyKeys: an include or app_exclude item that gives
// app_id or app_name with no value sets that key, so it matches only the
// requests without an app id (name), as in Butler SOS ("every key present
// equals"); it must not match every app, as {} does.
func TestMonitorFilterEmptyKeys(t *testing.T) {
	tests := []struct {
		name   string
		filter map[string]any
		accept []qixRequest
		reject []qixRequest
	}{
		{name: "appExclude appId empty excludes the requests without an app",
			filter: map[string]any{"allApps": map[string]any{"enable": true, "appExclude": []any{map[string]any{"appId": ""}}}},
			accept: []qixRequest{layout, invSheet}, reject: []qixRequest{noApp}},
		{name: "app_exclude app_id without a value",
			filter: map[string]any{"all_apps": map[string]any{"enable": true, "app_exclude": []any{map[string]any{"app_id": nil}}}},
			accept: []qixRequest{layout, invSheet}, reject: []qixRequest{noApp}},
		{name: "include app_name without a value matches the requests without a name",
			filter: map[string]any{"app_specific": map[string]any{"enable": true, "app": []any{
				map[string]any{"include": []any{map[string]any{"app_id": appSales}}},
				map[string]any{"include": []any{map[string]any{"app_name": nil}}},
			}}},
			accept: []qixRequest{layout, noApp, req(appInventory, "", "sheet", "abc", "GenericObject::GetLayout")}, reject: []qixRequest{invSheet}},
		{name: "{} still matches every app",
			filter: map[string]any{"all_apps": map[string]any{"enable": true, "app_exclude": []any{map[string]any{}}}},
			reject: []qixRequest{layout, invSheet, noApp}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg MonitorFilterConfig
			require.NoError(t, confmap.NewFromStringMap(tt.filter).Unmarshal(&cfg))
			require.Empty(t, cfg.validate("qix.monitor_filter."))
			f := compileFilter(&cfg)
			for _, r := range tt.accept {
				assert.True(t, f.accept(&r), "should accept %+v", r)
			}
			for _, r := range tt.reject {
				assert.False(t, f.accept(&r), "should reject %+v", r)
			}
		})
	}
}

// TestRejectedCounters: rejected requests are counted with their process
// time per app, method and object type, and stay out of the histograms.
func TestRejectedCounters(t *testing.T) {
	run := func(track bool) *harness {
		cfg := defaultConfig()
		cfg.Qix.TrackRejected = track
		cfg.Qix.MonitorFilter = allApps(AllAppsConfig{Method: &MethodRule{AllMethods: true, AllMethodsExclude: []string{"Global::OpenApp", "Doc::DoReload"}}})
		h := newHarness(t, cfg)
		h.consume(samples(t, "log-qix-perf")...)
		h.consume(engineBatch("QS-CENTRAL-01", qixRec(appSales, "Global::OpenApp", "<Unknown>", "<Unknown>", 1000.5), qixRec(appSales, "Global::OpenApp", "<Unknown>", "<Unknown>")))
		return h
	}
	h := run(true)
	md := h.collect()
	const open = "qliksense.app.id=" + appSales + ",qliksense.object.type=<Unknown>,qliksense.qix.method=Global::OpenApp"
	const reload = "qliksense.app.id=" + appSales + ",qliksense.object.type=<Unknown>,qliksense.qix.method=Doc::DoReload"
	assert.Equal(t, map[string]float64{open: 3, reload: 1}, numbers(t, md, metricRejectedRequests))
	got := numbers(t, md, metricRejectedProcessTime)
	assert.InDelta(t, 4.1802+1.0005, got[open], 1e-9, "seconds; the record without a process time adds none")
	assert.InDelta(t, 91.234, got[reload], 1e-9)
	hist := histograms(t, md, metricQixDuration)
	assert.Len(t, hist, 2, "only the accepted layout and hypercube")
	assert.NotContains(t, hist, open)

	h = run(false)
	md = h.collect()
	assert.Nil(t, numbers(t, md, metricRejectedRequests))
	assert.Len(t, histograms(t, md, metricQixDuration), 2)
}

// TestAppNameLookup: with app_names, qix-perf records get the app name from
// the repository's app list, as a dimension and for app_name filters.
func TestAppNameLookup(t *testing.T) {
	sense := newFakeSense(t)
	cfg := defaultConfig()
	cfg.Qix.AppNames.Enabled = true
	cfg.Qix.AppNames.Endpoint = sense.endpoint
	cfg.Qix.AppNames.TLS.CAFile = sense.caFile
	cfg.Qix.MonitorFilter = specific(AppEntryConfig{Include: []AppMatchConfig{{AppName: "Sales forecast"}}})
	h := newHarness(t, cfg)
	require.NoError(t, h.c.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, h.c.Shutdown(context.Background())) }()

	named := qixRec(appInventory, "GenericObject::GetLayout", "kpi", "", 5)
	named.attrs[senseevent.AttrAppName] = "Sales forecast" // a name on the record wins
	h.consume(engineBatch("QS-CENTRAL-01",
		qixRec(appSales, "GenericObject::GetLayout", "barchart", "", 12),
		qixRec(appInventory, "GenericObject::GetLayout", "barchart", "", 12),
		qixRec("11111111-2222-4333-8444-555555555555", "GenericObject::GetLayout", "barchart", "", 12),
		named,
	))
	md := h.collect()
	assert.ElementsMatch(t, []string{
		"qliksense.app.id=" + appSales + ",qliksense.app.name=Sales forecast,qliksense.object.type=barchart,qliksense.qix.method=GenericObject::GetLayout",
		"qliksense.app.id=" + appInventory + ",qliksense.app.name=Sales forecast,qliksense.object.type=kpi,qliksense.qix.method=GenericObject::GetLayout",
	}, keys(histograms(t, md, metricQixDuration)))
	assert.ElementsMatch(t, []string{
		"qliksense.app.id=" + appInventory + ",qliksense.app.name=Inventory analysis,qliksense.object.type=barchart,qliksense.qix.method=GenericObject::GetLayout",
		"qliksense.app.id=11111111-2222-4333-8444-555555555555,qliksense.object.type=barchart,qliksense.qix.method=GenericObject::GetLayout",
	}, keys(numbers(t, md, metricRejectedRequests)), "an unknown app keeps its id only")
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestLogSideRecipes: the three monitor filters whose log-side filter
// processor recipes the README gives (checked against the stock filter
// processor v0.161.0 with the same records) accept exactly what those
// recipes keep.
func TestLogSideRecipes(t *testing.T) {
	records := map[string]qixRequest{
		"A/o1": req("A", "", "barchart", "o1", "GenericObject::GetLayout"),
		"A/o2": req("A", "", "sheet", "o2", "GenericObject::GetLayout"),
		"B/o3": req("B", "", "table", "o3", "Doc::GetAppLayout"),
		"C/o4": req("C", "Test app", "barchart", "o4", "GenericObject::GetLayout"),
		"D/o5": req("D", "", "kpi", "o5", "Global::OpenApp"),
		"/":    req("", "", "<Unknown>", "<Unknown>", "Global::GetDocList"),
	}
	cases := map[string]struct {
		filter MonitorFilterConfig
		keep   []string
	}{
		"all apps but some": {allApps(AllAppsConfig{
			AppExclude: []AppMatchConfig{{AppName: "Test app"}},
			ObjectType: &ObjectTypeRule{AllObjectTypes: true, AllObjectTypesExclude: []string{"sheet"}},
			Method:     &MethodRule{AllMethods: true, AllMethodsExclude: []string{"Doc::GetAppLayout"}},
		}), []string{"A/o1", "D/o5", "/"}},
		"only some apps and types": {specific(AppEntryConfig{
			Include:    []AppMatchConfig{{AppID: "A"}, {AppID: "B"}},
			ObjectType: &ObjectTypeRule{SomeObjectTypesInclude: []string{"barchart", "table"}},
			Method:     &MethodRule{AllMethods: true},
		}), []string{"A/o1", "B/o3"}},
		"both sections": {MonitorFilterConfig{
			AppSpecific: AppSpecificConfig{Enable: true, App: []AppEntryConfig{{
				Include:   []AppMatchConfig{{AppID: "A"}},
				AppObject: &AppObjectRule{SomeAppObjectsInclude: []ObjectMatchConfig{{ObjectID: "o2"}}},
			}}},
			AllApps: AllAppsConfig{Enable: true, AppExclude: []AppMatchConfig{{AppID: "A"}},
				Method: &MethodRule{SomeMethodsInclude: []string{"GenericObject::GetLayout", "Global::OpenApp"}}},
		}, []string{"A/o2", "C/o4", "D/o5"}},
	}
	for name, tc := range cases {
		f := compileFilter(&tc.filter)
		var kept []string
		for id, r := range records {
			if f.accept(&r) {
				kept = append(kept, id)
			}
		}
		assert.ElementsMatch(t, tc.keep, kept, name)
	}
}

// TestEventCountsIndependentOfRejectedTracking: qliksense.events counts every
// event whatever the monitor filter and qix.track_rejected say (Butler SOS
// flushes event_count only when rejectedEventCount is on, and leaves rejected
// qix-perf events out of it); a user event without origin is counted too
// (Butler SOS skips user_events points with an empty origin), only without a
// subsystem.
func TestEventCountsIndependentOfRejectedTracking(t *testing.T) {
	rejectAll := allApps(AllAppsConfig{Method: &MethodRule{SomeMethodsInclude: []string{"No::Such"}}})
	const qixKey = "qliksense.event.type=log,qliksense.host=QS-CENTRAL-01,qliksense.log.level=INFO,qliksense.source=qseow-qix-perf,qliksense.subsystem=QixPerformance.Engine.Engine"
	const userKey = "qliksense.event.type=user,qliksense.host=QS-PROXY-01,qliksense.source=qseow-proxy-session"
	tests := []struct {
		name         string
		filter       MonitorFilterConfig
		track        bool
		qixOff       bool
		wantRejected float64
	}{
		{"every request rejected, tracked", rejectAll, true, false, 4},
		{"every request rejected, not tracked", rejectAll, false, false, 0},
		{"no filter, not tracked", MonitorFilterConfig{}, false, false, 0},
		{"qix metrics off", rejectAll, true, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultConfig()
			cfg.Qix.MonitorFilter = tt.filter
			cfg.Qix.TrackRejected = tt.track
			cfg.Qix.Enabled = !tt.qixOff
			h := newHarness(t, cfg)
			h.consume(samples(t, "log-qix-perf")...)
			h.consume(proxyBatch("QS-PROXY-01", rec{attrs: map[string]any{
				senseevent.AttrSource: sourceProxySession, senseevent.AttrAction: "session.start",
				senseevent.AttrSessionID: "c8a8b0c4-5ef3-4b4a-b1d3-2f6f9a1e7d10", senseevent.AttrUserID: `CORP\jdoe`,
			}}))
			md := h.collect()
			events := numbers(t, md, metricEvents)
			assert.Equal(t, map[string]float64{qixKey: 4, userKey: 1}, events)
			var rejected float64
			for _, v := range numbers(t, md, metricRejectedRequests) {
				rejected += v
			}
			assert.Equal(t, tt.wantRejected, rejected)
		})
	}
}
