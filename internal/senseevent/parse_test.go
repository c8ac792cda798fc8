package senseevent

import (
	"bufio"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const samplesDir = "../../testdata/udp"

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if sc.Text() != "" {
			lines = append(lines, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// view is an Event as a map without zero values, so golden files list only
// what was parsed, each field by name.
func view(ev *Event, err error) map[string]any {
	if err != nil {
		e := err.(*Error)
		return map[string]any{"Rejected": string(e.Reason), "Kind": e.Kind.String()}
	}
	out := map[string]any{}
	v := reflect.ValueOf(*ev)
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.IsZero() || (f.Kind() == reflect.Slice && f.Len() == 0) {
			continue
		}
		switch x := f.Interface().(type) {
		case Kind:
			out[v.Type().Field(i).Name] = x.String()
		case Action:
			out[v.Type().Field(i).Name] = x.String()
		case Ambiguity:
			out[v.Type().Field(i).Name] = x.String()
		case TimeStatus:
			out[v.Type().Field(i).Name] = x.String()
		default:
			out[v.Type().Field(i).Name] = x
		}
	}
	if ev.TimeStatus == TimeOK {
		out["Time"] = time.Unix(0, ev.Time).UTC().Format(time.RFC3339Nano)
	}
	return out
}

// TestSamplesGolden parses every sample datagram and compares every field
// with a reviewed golden file.
func TestSamplesGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(samplesDir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples found: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(name, func(t *testing.T) {
			var got []map[string]any
			for _, line := range readLines(t, file) {
				var ev Event
				got = append(got, view(&ev, Parse(line, &ev)))
			}
			gotJSON, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, append(gotJSON, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if strings.TrimSpace(string(want)) != strings.TrimSpace(string(gotJSON)) {
				t.Errorf("parse of %s differs from %s:\n%s", file, golden, gotJSON)
			}
		})
	}
}

// TestAgreesWithButlerSOS compares with the event objects Butler SOS builds
// from the same samples, field by field, where Butler SOS is right.
func TestAgreesWithButlerSOS(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/parsed/log-events.parsed.json")
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Events map[string][]map[string]any `json:"events"`
	}
	if err := json.Unmarshal(raw, &parsed); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"engine": "log-engine", "proxy": "log-proxy", "repository": "log-repository",
		"scheduler": "log-scheduler", "qix-perf": "log-qix-perf"}
	str := map[string]func(*Event) string{
		"level": func(e *Event) string { return e.Level }, "host": func(e *Event) string { return e.Host },
		"subsystem": func(e *Event) string { return e.Logger }, "windows_user": func(e *Event) string { return e.ServiceUser },
		"message": func(e *Event) string { return e.Message }, "exception_message": func(e *Event) string { return e.Exception },
		"user_directory": func(e *Event) string { return e.UserDir }, "user_id": func(e *Event) string { return e.UserID },
		"user_full": func(e *Event) string { return e.FullUser() }, "app_id": func(e *Event) string { return e.AppID },
		"command": func(e *Event) string { return e.Command }, "origin": func(e *Event) string { return e.Origin },
		"context": func(e *Event) string { return e.Context }, "task_name": func(e *Event) string { return e.TaskName },
		"task_id": func(e *Event) string { return e.TaskID }, "execution_id": func(e *Event) string { return e.ExecutionID },
		"method": func(e *Event) string { return e.Method }, "object_id": func(e *Event) string { return e.ObjectID },
		"object_type": func(e *Event) string { return e.ObjectType }, "session_id": func(e *Event) string { return e.EngineSession },
		"proxy_session_id": func(e *Event) string { return e.ProxySession }, "engine_exe_version": func(e *Event) string { return e.EngineVersion },
		"process_id": func(e *Event) string { return e.ProcessID }, "entry_type": func(e *Event) string { return e.EntryType },
	}
	num := map[string]func(*Event) float64{
		"log_row": func(e *Event) float64 { return float64(e.Row) }, "process_time": func(e *Event) float64 { return e.ProcessTimeMS },
		"work_time": func(e *Event) float64 { return e.WorkTimeMS }, "lock_time": func(e *Event) float64 { return e.LockTimeMS },
		"validate_time": func(e *Event) float64 { return e.ValidateMS }, "traverse_time": func(e *Event) float64 { return e.TraverseMS },
		"handle": func(e *Event) float64 { return float64(e.Handle) }, "net_ram": func(e *Event) float64 { return float64(e.NetRAM) },
		"peak_ram": func(e *Event) float64 { return float64(e.PeakRAM) }, "request_id": func(e *Event) float64 { return float64(e.RequestID) },
	}
	checked := 0
	for source, file := range files {
		lines := readLines(t, filepath.Join(samplesDir, file+".txt"))
		want := parsed.Events[source]
		if len(want) != len(lines) {
			t.Fatalf("%s: %d parsed events for %d lines", source, len(want), len(lines))
		}
		for i, line := range lines {
			var ev Event
			if err := Parse(line, &ev); err != nil {
				t.Fatalf("%s line %d: %v", file, i+1, err)
			}
			for key, w := range want[i] {
				if f, ok := str[key]; ok {
					checked++
					if got := f(&ev); got != w {
						t.Errorf("%s line %d %s = %q, Butler SOS has %q", file, i+1, key, got, w)
					}
				}
				if f, ok := num[key]; ok {
					checked++
					if got := f(&ev); got != w.(float64) {
						t.Errorf("%s line %d %s = %v, Butler SOS has %v", file, i+1, key, got, w)
					}
				}
			}
		}
	}
	if checked < 200 {
		t.Fatalf("only %d fields compared", checked)
	}
}
