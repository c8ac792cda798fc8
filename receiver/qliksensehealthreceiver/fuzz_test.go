package qliksensehealthreceiver

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/senseops/senseops-collector/internal/senseapi"
	"github.com/senseops/senseops-collector/receiver/qliksensehealthreceiver/internal/metadata"
)

// FuzzHealthcheck reads any body as a healthcheck and records what it read:
// a body is either refused with an error or turned into metrics, never a
// panic, and no recorded value is NaN or infinite.
func FuzzHealthcheck(f *testing.F) {
	for _, p := range []string{
		"../../testdata/http/engine-healthcheck-response.json",
		"../../testdata/http/engine-healthcheck-response-idle.json",
		"testdata/engine-healthcheck-odd.json",
	} {
		if b, err := os.ReadFile(filepath.FromSlash(p)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"mem":{"committed":"1e400"},"apps":{"active_docs":[1,null,"a","a"]},"cache":{"bytes_added":-5},"started":"20240101T000000.000Z"}`))
	f.Add([]byte(`{"cpu":{"total":null},"session":{"active":-1,"total":1e30},"saturated":"true","version":12}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var h senseapi.Health
		if err := json.Unmarshal(body, &h); err != nil {
			return
		}
		cfg := createDefaultConfig().(*Config)
		s := newServerScraper(cfg, ServerConfig{Name: "qs1", Endpoint: "https://qs1:4747"}, receivertest.NewNopSettings(metadata.Type), &appNamesHolder{}, nil)
		now := pcommon.Timestamp(1_700_000_000_000_000_000)
		s.record(now, &h)
		h.StartTime()
		md := s.mb.Emit()
		for i := range md.ResourceMetrics().Len() {
			sms := md.ResourceMetrics().At(i).ScopeMetrics()
			for j := range sms.Len() {
				ms := sms.At(j).Metrics()
				for k := range ms.Len() {
					checkFinite(t, ms.At(k))
				}
			}
		}
	})
}

func checkFinite(t *testing.T, m pmetric.Metric) {
	var dps pmetric.NumberDataPointSlice
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		dps = m.Gauge().DataPoints()
	case pmetric.MetricTypeSum:
		dps = m.Sum().DataPoints()
	default:
		return
	}
	for i := range dps.Len() {
		if v := dps.At(i).DoubleValue(); math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("%s: %v", m.Name(), v)
		}
	}
}
