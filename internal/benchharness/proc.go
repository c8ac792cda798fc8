//go:build linux

package benchharness

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime/stime in /proc/<pid>/stat. It is
// 100 on every Linux architecture Go supports (the kernel ABI fixes it).
const clockTicks = 100

// ProcCPU returns the CPU time (user + system) of pid.
func ProcCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return ParseStatCPU(string(b))
}

// ParseStatCPU reads utime + stime from a /proc/<pid>/stat line. The
// command name (field 2) is in parentheses and may contain spaces and
// parentheses, so fields are counted after the last ')'.
func ParseStatCPU(line string) (time.Duration, error) {
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return 0, errors.New("stat: no ')' after the command name")
	}
	f := strings.Fields(line[i+1:])
	// f[0] is field 3 (state); utime is field 14, stime 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("stat: %d fields after the command name, want at least 13", len(f))
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("stat: %w", err)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// ProcMem returns VmRSS and VmHWM (peak RSS) of pid in bytes.
func ProcMem(pid int) (rss, hwm int64, err error) {
	m, err := procStatus(pid)
	if err != nil {
		return 0, 0, err
	}
	return m["VmRSS"], m["VmHWM"], nil
}

// ProcFileRSS returns RssFile of pid in bytes: the resident pages mapped from
// files, for a collector almost all of them its own executable's code and
// read-only data. They are clean, shared and reclaimable, unlike RssAnon.
func ProcFileRSS(pid int) (int64, error) {
	m, err := procStatus(pid)
	if err != nil {
		return 0, err
	}
	v, ok := m["RssFile"]
	if !ok {
		return 0, errors.New("status: no RssFile line")
	}
	return v, nil
}

func procStatus(pid int) (map[string]int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	return ParseStatus(string(b))
}

// ParseStatus reads the "kB" lines of /proc/<pid>/status (VmRSS, VmHWM, ...)
// into bytes by key.
func ParseStatus(text string) (map[string]int64, error) {
	out, err := parseKB(text)
	if err != nil {
		return nil, err
	}
	if _, ok := out["VmHWM"]; !ok {
		return nil, errors.New("status: no VmHWM line")
	}
	return out, nil
}

// parseKB reads "Key:   123 kB" lines (/proc/<pid>/status, /proc/meminfo)
// into bytes by key.
func parseKB(text string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, line := range strings.Split(text, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		out[key] = n * 1024
	}
	return out, nil
}

// UDPCounters reads the Udp: counters of /proc/net/snmp (InDatagrams,
// RcvbufErrors, ...). They are per network namespace: other programs in it
// add to them too.
func UDPCounters() (map[string]int64, error) {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return nil, err
	}
	return ParseSNMP(string(b), "Udp")
}

// ParseSNMP returns the counters of one protocol from /proc/net/snmp, which
// has a header line and a value line per protocol, both prefixed "Proto:".
func ParseSNMP(text, proto string) (map[string]int64, error) {
	prefix := proto + ":"
	var lines [][]string
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == prefix {
			lines = append(lines, f[1:])
		}
	}
	if len(lines) < 2 {
		return nil, fmt.Errorf("snmp: no %s header and value lines", proto)
	}
	names, vals := lines[0], lines[1]
	if len(names) != len(vals) {
		return nil, fmt.Errorf("snmp: %s has %d names and %d values", proto, len(names), len(vals))
	}
	out := make(map[string]int64, len(names))
	for i, n := range names {
		v, err := strconv.ParseInt(vals[i], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("snmp: %s %s: %w", proto, n, err)
		}
		out[n] = v
	}
	return out, nil
}

// SocketStats is what /proc/net/udp says about the sockets bound to a port.
type SocketStats struct {
	Sockets int   // sockets bound to the port
	RxQueue int64 // bytes waiting in their receive queues
	Drops   int64 // datagrams the kernel dropped on them (full receive buffer)
}

// UDPSocketStats sums the /proc/net/udp and /proc/net/udp6 entries whose
// local port is port.
func UDPSocketStats(port int) (SocketStats, error) {
	var total SocketStats
	found := false
	for _, f := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		found = true
		s, err := ParseNetUDP(string(b), port)
		if err != nil {
			return total, err
		}
		total.Sockets += s.Sockets
		total.RxQueue += s.RxQueue
		total.Drops += s.Drops
	}
	if !found {
		return total, errors.New("no /proc/net/udp")
	}
	return total, nil
}

// ParseNetUDP reads /proc/net/udp (or udp6) text and sums the sockets whose
// local port is port. Columns: sl local_address rem_address st
// tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops.
func ParseNetUDP(text string, port int) (SocketStats, error) {
	var s SocketStats
	sc := bufio.NewScanner(strings.NewReader(text))
	first := true
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if first {
			first = false
			if len(f) > 0 && f[0] == "sl" {
				continue
			}
		}
		if len(f) < 13 {
			continue
		}
		_, hexPort, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		p, err := strconv.ParseUint(hexPort, 16, 16)
		if err != nil || int(p) != port {
			continue
		}
		_, rxHex, _ := strings.Cut(f[4], ":")
		rx, err1 := strconv.ParseInt(rxHex, 16, 64)
		drops, err2 := strconv.ParseInt(f[len(f)-1], 10, 64)
		if err := errors.Join(err1, err2); err != nil {
			return s, fmt.Errorf("net/udp: %q: %w", sc.Text(), err)
		}
		s.Sockets++
		s.RxQueue += rx
		s.Drops += drops
	}
	return s, sc.Err()
}

// Machine describes the host for the report.
type Machine struct {
	CPUs          int    `json:"cpus"`
	CPUModel      string `json:"cpu_model"`
	Kernel        string `json:"kernel"`
	RmemMax       int64  `json:"rmem_max"`
	RmemDefault   int64  `json:"rmem_default"`
	MemTotal      int64  `json:"mem_total_bytes"`
	MemLimit      int64  `json:"mem_limit_bytes"` // cgroup limit, 0 = none
	GoVersion     string `json:"go_version"`
	TasksetPinned bool   `json:"pinned"`
}

// ReadMachine gathers Machine from /proc and /sys (missing files leave
// fields zero).
func ReadMachine() Machine {
	var m Machine
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPUs, m.CPUModel = ParseCPUInfo(string(b))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	m.RmemMax = readInt("/proc/sys/net/core/rmem_max")
	m.RmemDefault = readInt("/proc/sys/net/core/rmem_default")
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if mi, err := parseKB(string(b)); err == nil {
			m.MemTotal = mi["MemTotal"]
		}
	}
	m.MemLimit = CgroupMemLimit()
	return m
}

// ParseCPUInfo returns the number of "processor" entries and the first
// "model name" of /proc/cpuinfo.
func ParseCPUInfo(text string) (n int, model string) {
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "processor":
			n++
		case "model name":
			if model == "" {
				model = strings.TrimSpace(v)
			}
		}
	}
	return n, model
}

// CgroupMemLimit is the memory limit of this process's cgroup (v2 or v1), 0
// if there is none. The memory_limiter processor sizes its limit_percentage
// against it when set, against the machine's memory otherwise.
func CgroupMemLimit() int64 {
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			return 0
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v <= 0 || v >= 1<<60 { // v1 "unlimited" is a huge number
			return 0
		}
		return v
	}
	return 0
}

func readInt(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	v, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return v
}

// SetNice sets the niceness of every thread of this process (on Linux
// niceness is per thread; threads created later inherit it from their
// creator). A negative value needs CAP_SYS_NICE.
func SetNice(n int) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, n); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// AllowedCPUs returns the CPUs this process may run on (Cpus_allowed_list
// of /proc/self/status): its affinity, narrowed by a cgroup cpuset (a
// container's --cpuset-cpus) or by taskset, and without offline CPUs.
func AllowedCPUs() ([]int, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			return ParseCPUList(v)
		}
	}
	return nil, errors.New("status: no Cpus_allowed_list line")
}

// ParseCPUList parses a kernel CPU list ("0-3,6,8-9") into the sorted CPU
// numbers.
func ParseCPUList(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(strings.TrimSpace(s), ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err := errors.Join(err1, err2); err != nil || a < 0 || b < a {
			return nil, fmt.Errorf("cpu list %q: bad part %q", s, part)
		}
		for c := a; c <= b; c++ {
			out = append(out, c)
		}
	}
	sort.Ints(out)
	return out, nil
}

// PinCPUs picks the collector's CPU and sensesim's (and the harness's) from
// the CPUs the harness may use: the first two. ok is false with fewer than
// two.
func PinCPUs(allowed []int) (collector, generator int, ok bool) {
	if len(allowed) < 2 {
		return 0, 0, false
	}
	return allowed[0], allowed[1], true
}

// CPUTimes are one CPU's times from /proc/stat.
type CPUTimes struct {
	// Busy is the time the CPU ran anything (user, nice, system, irq,
	// softirq) plus steal, the time a virtual CPU wanted to run but the
	// hypervisor ran something else: all the time not available to idle.
	Busy  time.Duration
	Total time.Duration
	// Steal is the part of Busy the hypervisor gave another guest: a sign
	// that the VM's host, not this machine, was busy.
	Steal time.Duration
}

// ReadCPUTimes reads one CPU's line of /proc/stat.
func ReadCPUTimes(cpu int) (CPUTimes, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return CPUTimes{}, err
	}
	return ParseProcStat(string(b), cpu)
}

// ParseProcStat reads the "cpuN" line of /proc/stat: user nice system idle
// iowait irq softirq steal guest guest_nice, in USER_HZ ticks (guest time
// is already part of user and nice).
func ParseProcStat(text string, cpu int) (CPUTimes, error) {
	name := "cpu" + strconv.Itoa(cpu)
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || f[0] != name {
			continue
		}
		var v [8]int64
		for i := range v {
			n, err := strconv.ParseInt(f[i+1], 10, 64)
			if err != nil {
				return CPUTimes{}, fmt.Errorf("/proc/stat %s: %w", name, err)
			}
			v[i] = n
		}
		busy := v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
		total := busy + v[3] + v[4]
		tick := time.Second / clockTicks
		return CPUTimes{Busy: time.Duration(busy) * tick, Total: time.Duration(total) * tick, Steal: time.Duration(v[7]) * tick}, nil
	}
	return CPUTimes{}, fmt.Errorf("/proc/stat: no %s line", name)
}

// InstallCopy copies the executable at src into dir, as an install would,
// and returns the copy's path.
func InstallCopy(src, dir string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	dst := filepath.Join(dir, filepath.Base(src))
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return "", fmt.Errorf("copying %s: %w", src, err)
	}
	return dst, out.Close()
}
