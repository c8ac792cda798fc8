//go:build linux

package benchharness

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStatCPU(t *testing.T) {
	// A command name with spaces and a parenthesis; utime 1234, stime 566.
	line := "4242 (otelcol (x) y) S 1 4242 4242 0 -1 4194560 1520 0 0 0 1234 566 0 0 20 0 9 0 123456 1300000000 9000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
	d, err := ParseStatCPU(line)
	require.NoError(t, err)
	assert.Equal(t, 18*time.Second, d)

	_, err = ParseStatCPU("4242 (short) S 1 2")
	assert.Error(t, err)
	_, err = ParseStatCPU("no parenthesis")
	assert.Error(t, err)

	// Our own process parses.
	self, err := ProcCPU(os.Getpid())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, self, time.Duration(0))
}

func TestParseStatus(t *testing.T) {
	text := `Name:	otelcol-senseops
State:	S (sleeping)
VmPeak:	 1300000 kB
VmHWM:	   45678 kB
VmRSS:	   40000 kB
Threads:	9
`
	m, err := ParseStatus(text)
	require.NoError(t, err)
	assert.EqualValues(t, 45678*1024, m["VmHWM"])
	assert.EqualValues(t, 40000*1024, m["VmRSS"])
	_, ok := m["Threads"]
	assert.False(t, ok)

	_, err = ParseStatus("Name: x\n")
	assert.Error(t, err, "no VmHWM")

	rss, hwm, err := ProcMem(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, rss)
	assert.GreaterOrEqual(t, hwm, rss)
}

func TestParseSNMP(t *testing.T) {
	text := `Ip: Forwarding DefaultTTL InReceives
Ip: 1 64 1000
Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
Udp: 39154 295 17 39450 17 0 0 0 0
UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
UdpLite: 0 0 0 0 0 0 0 0 0
`
	m, err := ParseSNMP(text, "Udp")
	require.NoError(t, err)
	assert.EqualValues(t, 17, m["RcvbufErrors"])
	assert.EqualValues(t, 39154, m["InDatagrams"])
	m, err = ParseSNMP(text, "UdpLite")
	require.NoError(t, err)
	assert.Zero(t, m["RcvbufErrors"])

	_, err = ParseSNMP("Udp: A B\nUdp: 1\n", "Udp")
	assert.Error(t, err)
	_, err = ParseSNMP("Tcp: A\nTcp: 1\n", "Udp")
	assert.Error(t, err)

	_, err = UDPCounters()
	assert.NoError(t, err)
}

func TestParseNetUDP(t *testing.T) {
	text := `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  120: 0100007F:2704 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 111 2 0000000000000000 0
  121: 0100007F:2705 00000000:0000 07 00000000:00001F40 00:00000000 00000000     0        0 222 2 0000000000000000 1234
  122: 00000000:2705 00000000:0000 07 00000000:00000100 00:00000000 00000000     0        0 333 2 0000000000000000 6
`
	s, err := ParseNetUDP(text, 0x2705)
	require.NoError(t, err)
	assert.Equal(t, SocketStats{Sockets: 2, RxQueue: 0x1F40 + 0x100, Drops: 1240}, s)

	s, err = ParseNetUDP(text, 9999)
	require.NoError(t, err)
	assert.Zero(t, s.Sockets)

	// udp6 lines have longer addresses, same columns.
	v6 := `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  500: 00000000000000000000000001000000:2705 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 444 2 0000000000000000 3
`
	s, err = ParseNetUDP(v6, 0x2705)
	require.NoError(t, err)
	assert.Equal(t, SocketStats{Sockets: 1, Drops: 3}, s)
}

func TestParseProcStat(t *testing.T) {
	text := "cpu  499570 0 93504 335316 2353 0 4116 6024 0 0\ncpu0 249302 1 44598 172525 673 2 285 2838 0 0\ncpu1 250268 0 48906 162790 1679 0 3830 3185 0 0\nintr 1\n"
	ct, err := ParseProcStat(text, 0)
	require.NoError(t, err)
	assert.Equal(t, time.Duration(249302+1+44598+2+285+2838)*10*time.Millisecond, ct.Busy)
	assert.Equal(t, ct.Busy+time.Duration(172525+673)*10*time.Millisecond, ct.Total)
	assert.Equal(t, 2838*10*time.Millisecond, ct.Steal)
	_, err = ParseProcStat(text, 2)
	assert.Error(t, err)
	_, err = ReadCPUTimes(0)
	assert.NoError(t, err)
}

func TestParseCPUInfo(t *testing.T) {
	n, model := ParseCPUInfo("processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: fpu\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n")
	assert.Equal(t, 2, n)
	assert.Equal(t, "AMD EPYC 7B13", model)

	m := ReadMachine()
	assert.Positive(t, m.CPUs)
	assert.Positive(t, m.MemTotal)
}

func TestProcFileRSS(t *testing.T) {
	// The test binary's own code is resident and file-backed, and part of
	// the peak RSS.
	file, err := ProcFileRSS(os.Getpid())
	require.NoError(t, err)
	_, hwm, err := ProcMem(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, file)
	assert.Less(t, file, hwm)
	_, err = ProcFileRSS(-1)
	assert.Error(t, err)
}

func TestInstallCopy(t *testing.T) {
	src := filepath.Join(t.TempDir(), "otelcol")
	require.NoError(t, os.WriteFile(src, []byte("#!/bin/sh\necho ok\n"), 0o755))
	dir := t.TempDir()
	dst, err := InstallCopy(src, dir)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "otelcol"), dst)
	out, err := exec.Command(dst).Output()
	require.NoError(t, err, "the copy is executable")
	assert.Equal(t, "ok\n", string(out))
	_, err = InstallCopy(src, dir)
	assert.Error(t, err, "an existing file is not overwritten")
	_, err = InstallCopy(filepath.Join(dir, "missing"), t.TempDir())
	assert.Error(t, err)
}

func TestParseCPUList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		bad  bool
	}{
		{in: "0-1", want: []int{0, 1}},
		{in: "0", want: []int{0}},
		{in: "2-3,6,8-9\n", want: []int{2, 3, 6, 8, 9}},
		{in: "5,1", want: []int{1, 5}},
		{in: "", bad: true},
		{in: "3-1", bad: true},
		{in: "a", bad: true},
	} {
		got, err := ParseCPUList(tc.in)
		if tc.bad {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	// This process's CPUs parse.
	cpus, err := AllowedCPUs()
	require.NoError(t, err)
	assert.NotEmpty(t, cpus)
}

// The collector and sensesim go on the first two CPUs this process may
// use, which a cgroup cpuset (docker --cpuset-cpus) or taskset narrows: not
// on CPUs 0 and 1 regardless (taskset -c 0 fails outside the set).
func TestPinCPUs(t *testing.T) {
	for _, tc := range []struct {
		allowed   []int
		coll, gen int
		ok        bool
	}{
		{[]int{0, 1}, 0, 1, true},
		{[]int{0, 1, 2, 3}, 0, 1, true},
		{[]int{4, 5, 6, 7}, 4, 5, true},
		{[]int{1, 3}, 1, 3, true},
		{[]int{2}, 0, 0, false},
		{nil, 0, 0, false},
	} {
		c, g, ok := PinCPUs(tc.allowed)
		assert.Equal(t, tc.ok, ok, "%v", tc.allowed)
		if ok {
			assert.Equal(t, []int{tc.coll, tc.gen}, []int{c, g}, "%v", tc.allowed)
		}
	}
}
