// Command sensesim impersonates a Qlik Sense Enterprise on Windows site for
// testing SenseOps Collector. Subcommands:
//
//	sensesim udp [flags]   send log events and user events over UDP
//
// Run "sensesim udp -h" for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/senseops/senseops-collector/internal/sensesim"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the subcommand table; later "https" and "run" go here.
var commands = []command{
	{"udp", "send simulated Qlik Sense UDP log events and user events", runUDP},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			default:
				fmt.Fprintf(stderr, "sensesim %s: %v\n", c.name, err)
				return 1
			}
		}
	}
	fmt.Fprintf(stderr, "sensesim: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

var errUsage = errors.New("usage error")

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: sensesim <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'sensesim <command> -h' for the flags of a command.")
}

func runUDP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sensesim udp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	logTarget := fs.String("log-target", "127.0.0.1:9996", "`host:port` receiving log events (engine, proxy, repository, scheduler, qix-perf)")
	userTarget := fs.String("user-target", "", "`host:port` receiving user events (proxy session/connection); default: same as -log-target")
	rate := fs.Float64("rate", 20, "events per second; 0 = as fast as possible")
	count := fs.Int64("count", 0, "stop after this many events; 0 = unlimited")
	duration := fs.Duration("duration", 0, "stop after this long (e.g. 30s, 5m); 0 = unlimited")
	seed := fs.Uint64("seed", 1, "random seed; same seed and -start give identical datagrams")
	kinds := fs.String("kinds", "all", "comma list of engine, proxy, repository, scheduler, qix-perf, proxy-session, proxy-connection; or all, log, user")
	tz := fs.String("tz-offset", "+0100", "UTC offset of the simulated site, e.g. +0100, -0500, +05:30")
	start := fs.String("start", "", "simulated time of the first event, RFC 3339 (default: now)")
	quiet := fs.Bool("quiet", false, "no progress lines, only the final summary")
	dryRun := fs.Bool("dry-run", false, "print the datagrams to stdout, one per line, instead of sending them")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: sensesim udp [flags]\n\nSends Qlik Sense log4net-style UDP datagrams (Butler SOS wire format) until -count, -duration or Ctrl-C.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sensesim udp: unexpected arguments %q\n", fs.Args())
		return errUsage
	}

	loc, err := sensesim.ParseTZOffset(*tz)
	if err != nil {
		return err
	}
	ks, err := sensesim.ParseKinds(*kinds)
	if err != nil {
		return err
	}
	startTime := time.Now()
	if *start != "" {
		if startTime, err = time.Parse(time.RFC3339Nano, *start); err != nil {
			return fmt.Errorf("-start: %w", err)
		}
	}
	interval := time.Millisecond
	if *rate > 0 {
		interval = time.Duration(float64(time.Second) / *rate)
	}
	gen, err := sensesim.NewGenerator(*seed, sensesim.Options{
		Start:    startTime,
		Location: loc,
		Interval: interval,
		Weights:  sensesim.DefaultWeights().Only(ks...),
	})
	if err != nil {
		return err
	}

	cfg := sensesim.RunConfig{Rate: *rate, Count: *count, Duration: *duration}
	if !*quiet {
		cfg.Progress = func(s sensesim.Stats) {
			fmt.Fprintf(stderr, "sensesim: %s: sent %d (%.1f/s), %d errors\n",
				s.Elapsed.Round(time.Second), s.Sent.Total(), s.Rate(), s.Errors.Total())
		}
	}
	var sink sensesim.Sink
	summaryOut := stdout
	if *dryRun {
		summaryOut = stderr
		sink = func(ev sensesim.Event) error {
			_, err := fmt.Fprintf(stdout, "%s\n", ev.Payload)
			return err
		}
	} else {
		sender, err := sensesim.NewUDPSender(*logTarget, *userTarget)
		if err != nil {
			return err
		}
		defer sender.Close()
		sink = sender.Send
		if !*quiet {
			ut := *userTarget
			if ut == "" {
				ut = *logTarget
			}
			fmt.Fprintf(stderr, "sensesim: sending %s to log target %s, user target %s at %s (seed %d)\n",
				*kinds, *logTarget, ut, rateText(*rate), *seed)
		}
	}
	stats, err := sensesim.Run(ctx, gen, cfg, sink)
	if err != nil {
		return err
	}
	fmt.Fprintf(summaryOut, "sensesim: %s\n", stats)
	if stats.Errors.Total() > 0 && !*dryRun {
		fmt.Fprintln(stderr, `sensesim: "connection refused" means nothing listened on the target port when the datagram was sent`)
	}
	return nil
}

func rateText(r float64) string {
	if r <= 0 {
		return "max rate"
	}
	return fmt.Sprintf("%g events/s", r)
}
