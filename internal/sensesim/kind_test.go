package sensesim

import (
	"reflect"
	"testing"
	"time"
)

func TestKindMetadata(t *testing.T) {
	tests := []struct {
		kind   Kind
		name   string
		marker string
		fields int
		user   bool
	}{
		{KindEngine, "engine", "/qseow-engine/", 19, false},
		{KindProxy, "proxy", "/qseow-proxy/", 16, false},
		{KindRepository, "repository", "/qseow-repository/", 16, false},
		{KindScheduler, "scheduler", "/qseow-scheduler/", 18, false},
		{KindQixPerf, "qix-perf", "/qseow-qix-perf/", 26, false},
		{KindProxySession, "proxy-session", "/qseow-proxy-session/", 8, true},
		{KindProxyConnection, "proxy-connection", "/qseow-proxy-connection/", 8, true},
	}
	if len(tests) != NumKinds || len(AllKinds()) != NumKinds {
		t.Fatalf("table covers %d kinds, AllKinds %d, NumKinds %d", len(tests), len(AllKinds()), NumKinds)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.kind.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			if got := tt.kind.Marker(); got != tt.marker {
				t.Errorf("Marker() = %q, want %q", got, tt.marker)
			}
			if got := tt.kind.FieldCount(); got != tt.fields {
				t.Errorf("FieldCount() = %d, want %d", got, tt.fields)
			}
			if got := tt.kind.IsUserEvent(); got != tt.user {
				t.Errorf("IsUserEvent() = %v, want %v", got, tt.user)
			}
			for _, in := range []string{tt.name, tt.marker, tt.marker[1 : len(tt.marker)-1]} {
				k, err := ParseKind(in)
				if err != nil || k != tt.kind {
					t.Errorf("ParseKind(%q) = %v, %v", in, k, err)
				}
			}
		})
	}
	if got := Kind(42).String(); got != "Kind(42)" {
		t.Errorf("invalid kind String() = %q", got)
	}
}

func TestParseKinds(t *testing.T) {
	tests := []struct {
		in      string
		want    []Kind
		wantErr bool
	}{
		{"all", AllKinds(), false},
		{"", AllKinds(), false},
		{"log", LogKinds(), false},
		{"user", UserKinds(), false},
		{"qix-perf", []Kind{KindQixPerf}, false},
		{"proxy-connection, engine ,engine", []Kind{KindEngine, KindProxyConnection}, false},
		{"user,qixperf", []Kind{KindQixPerf, KindProxySession, KindProxyConnection}, false},
		{"Session,Connection", UserKinds(), false},
		{"engine,printing", nil, true},
		{",", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseKinds(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseKinds(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseKinds(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseTZOffset(t *testing.T) {
	tests := []struct {
		in      string
		secs    int
		name    string
		wantErr bool
	}{
		{"+0100", 3600, "+0100", false},
		{"-0500", -5 * 3600, "-0500", false},
		{"+05:30", 5*3600 + 1800, "+0530", false},
		{"-03:30", -(3*3600 + 1800), "-0330", false},
		{"+01", 3600, "+0100", false},
		{"2", 7200, "+0200", false},
		{"UTC", 0, "+0000", false},
		{"Z", 0, "+0000", false},
		{"", 0, "", true},
		{"+1x00", 0, "", true},
		{"+2500", 0, "", true},
		{"+0199", 0, "", true},
		{"Europe/Stockholm", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			loc, err := ParseTZOffset(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseTZOffset(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			name, off := time.Date(2024, 3, 12, 10, 0, 0, 0, loc).Zone()
			if off != tt.secs || name != tt.name {
				t.Errorf("ParseTZOffset(%q) = %s/%d, want %s/%d", tt.in, name, off, tt.name, tt.secs)
			}
		})
	}
}

func TestWeightsOnly(t *testing.T) {
	tests := []struct {
		name  string
		w     Weights
		kinds []Kind
		want  Weights
	}{
		{"user subset of defaults", DefaultWeights(), UserKinds(), Weights{KindProxySession: 8, KindProxyConnection: 14}},
		{"zero weights fall back to 1", Weights{KindEngine: 5}, []Kind{KindProxy, KindScheduler}, Weights{KindProxy: 1, KindScheduler: 1}},
		{"keeps positive only", Weights{KindEngine: 5, KindProxy: 0}, []Kind{KindEngine, KindProxy}, Weights{KindEngine: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.w.Only(tt.kinds...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Only = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCountsString(t *testing.T) {
	var c Counts
	if got := c.String(); got != "none" {
		t.Errorf("empty Counts = %q", got)
	}
	c[KindQixPerf] = 3
	c[KindEngine] = 1
	if got, want := c.String(), "engine=1 qix-perf=3"; got != want {
		t.Errorf("Counts = %q, want %q", got, want)
	}
	if c.Total() != 4 {
		t.Errorf("Total = %d", c.Total())
	}
}
