package qliksensesessionsreceiver // import "github.com/senseops/senseops-collector/receiver/qliksensesessionsreceiver"

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper/scrapererror"

	"github.com/senseops/senseops-collector/internal/scrapegroup"
	"github.com/senseops/senseops-collector/internal/senseapi"
	"github.com/senseops/senseops-collector/receiver/qliksensesessionsreceiver/internal/metadata"
)

// serverScraper polls one proxy's virtual proxies.
type serverScraper struct {
	cfg      *Config
	server   ServerConfig
	proxies  []string
	set      receiver.Settings
	excluded map[string]bool // lower-cased DIRECTORY\userid
	shared   *scrapegroup.Shared

	client *senseapi.Client
	mb     *metadata.MetricsBuilder
	// errors counts failed polls by virtual proxy and kind since start.
	errors map[errorKey]int64
}

type errorKey struct {
	proxy string
	kind  senseapi.ErrorKind
}

func newServerScraper(cfg *Config, server ServerConfig, set receiver.Settings, excluded map[string]bool, shared *scrapegroup.Shared) *serverScraper {
	proxies := []string{"/"}
	if len(server.VirtualProxies) > 0 {
		proxies = make([]string, len(server.VirtualProxies))
		for i, vp := range server.VirtualProxies {
			proxies[i] = senseapi.NormalizeVirtualProxy(vp)
		}
	}
	return &serverScraper{
		cfg: cfg, server: server, proxies: proxies, set: set, excluded: excluded, shared: shared,
		mb:     metadata.NewMetricsBuilder(cfg.MetricsBuilderConfig, set),
		errors: map[errorKey]int64{},
	}
}

func (s *serverScraper) start(ctx context.Context, host component.Host) error {
	client, err := senseapi.NewClient(ctx, s.server.Endpoint, s.cfg.ConnectionConfig.For(&s.server.ServerConfig), host, s.set.TelemetrySettings)
	if err != nil {
		return fmt.Errorf("servers %q: %w", s.server.Name, err)
	}
	s.client = client
	return nil
}

func (s *serverScraper) shutdown(context.Context) error {
	if s.client != nil {
		s.client.Close()
	}
	return nil
}

type pollResult struct {
	sessions []senseapi.Session
	err      error
}

// scrape polls every virtual proxy at once; a failed one still reports up=0
// and its error count, returned as a partial error.
func (s *serverScraper) scrape(ctx context.Context) (pmetric.Metrics, error) {
	results := make([]pollResult, len(s.proxies))
	var wg sync.WaitGroup
	for i, vp := range s.proxies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.poll(ctx, vp)
		}()
	}
	wg.Wait()
	now := pcommon.NewTimestampFromTime(time.Now())
	var errs []error
	for i, vp := range s.proxies {
		r := results[i]
		if r.err != nil {
			s.errors[errorKey{vp, senseapi.KindOf(r.err)}]++
			s.mb.RecordQliksenseProxyUpDataPoint(now, 0, vp)
			errs = append(errs, fmt.Errorf("server %q virtual proxy %q: %w", s.server.Name, vp, r.err))
			continue
		}
		s.mb.RecordQliksenseProxyUpDataPoint(now, 1, vp)
		s.record(now, vp, r.sessions)
	}
	for key, n := range s.errors {
		s.mb.RecordQliksenseProxyScrapeErrorsDataPoint(now, n, key.proxy, metadata.MapAttributeErrorType[string(key.kind)])
	}
	s.mb.EmitForResource(metadata.WithResource(s.resource()))
	md := s.mb.Emit()
	if len(errs) > 0 {
		return md, scrapererror.NewPartialScrapeError(errors.Join(errs...), len(errs))
	}
	return md, nil
}

func (s *serverScraper) poll(ctx context.Context, vp string) pollResult {
	ctx, done, err := s.shared.Begin(ctx)
	if err != nil {
		return pollResult{err: &senseapi.Error{Kind: senseapi.KindTimeout, URL: s.server.Endpoint, Err: err}}
	}
	defer done()
	sessions, err := s.client.Sessions(ctx, vp)
	return pollResult{sessions: sessions, err: err}
}

// record counts sessions and distinct users, leaving excluded users out of
// every number. A session without a user (an empty or null entry) is a
// session, but no user. Users are told apart ignoring case, as Sense (and
// exclude_users) does: CORP\JDoe and corp\jdoe are one user, named by the
// first of its spellings in byte order, so that the name does not change
// with the order of the list from poll to poll.
func (s *serverScraper) record(now pcommon.Timestamp, vp string, sessions []senseapi.Session) {
	type userSessions struct {
		name  string
		count int64
	}
	perUser := map[string]*userSessions{} // by lower-cased DIRECTORY\userid
	count := int64(0)
	for _, sess := range sessions {
		user := sess.User()
		key := senseapi.UserKey(user)
		if s.excluded[key] {
			continue
		}
		count++
		if user == "" {
			continue
		}
		if u := perUser[key]; u != nil {
			u.count++
			u.name = min(u.name, user)
		} else {
			perUser[key] = &userSessions{name: user, count: 1}
		}
	}
	s.mb.RecordQliksenseProxySessionCountDataPoint(now, count, vp)
	s.mb.RecordQliksenseProxyUserCountDataPoint(now, int64(len(perUser)), vp)
	if s.cfg.Metrics.QliksenseProxyUserSessions.Enabled {
		keys := make([]string, 0, len(perUser))
		for k := range perUser {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s.mb.RecordQliksenseProxyUserSessionsDataPoint(now, perUser[k].count, vp, perUser[k].name)
		}
	}
}

func (s *serverScraper) resource() pcommon.Resource {
	rb := s.mb.NewResourceBuilder()
	rb.SetHostName(senseapi.HostOf(s.server.Endpoint))
	rb.SetQliksenseServerName(s.server.Name)
	if s.server.Description != "" {
		rb.SetQliksenseServerDescription(s.server.Description)
	}
	res := rb.Emit()
	for k, v := range s.server.Tags {
		res.Attributes().PutStr(k, v)
	}
	return res
}
