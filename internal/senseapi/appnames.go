package senseapi

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// AppNames maps app ids to names from the repository's app list. It is
// filled once at Start, so names are there from the first scrape (Butler SOS
// has none for its first minute), then refreshed on its own interval. When
// the repository is unreachable the last list is kept, and Name reports ids
// it does not know, so callers fall back to the id.
type AppNames struct {
	client   *Client
	interval time.Duration
	timeout  time.Duration
	logger   *zap.Logger

	mu    sync.RWMutex
	names map[string]string

	cancel context.CancelFunc
	done   chan struct{}
}

// DefaultAppNamesTimeout bounds a read of the app list when no timeout is
// given (scraperhelper's timeout 0 means none; the app list still needs one,
// or a hung repository would hold up the collector's start).
const DefaultAppNamesTimeout = 30 * time.Second

// NewAppNames prepares a cache that reads client's app list every interval,
// each read bounded by timeout (DefaultAppNamesTimeout when not positive).
func NewAppNames(client *Client, interval, timeout time.Duration, logger *zap.Logger) *AppNames {
	if timeout <= 0 {
		timeout = DefaultAppNamesTimeout
	}
	return &AppNames{client: client, interval: interval, timeout: timeout, logger: logger, names: map[string]string{}}
}

// Start fetches the list once, waiting at most the timeout, then keeps it
// fresh in the background until Stop. A failed first fetch is logged, not
// returned: health data must flow without names.
func (a *AppNames) Start(ctx context.Context) {
	_ = a.refresh(ctx)
	bg, cancel := context.WithCancel(context.Background())
	a.cancel, a.done = cancel, make(chan struct{})
	go func() {
		defer close(a.done)
		t := time.NewTicker(a.interval)
		defer t.Stop()
		for {
			select {
			case <-bg.Done():
				return
			case <-t.C:
				_ = a.refresh(bg)
			}
		}
	}()
}

// Stop ends the background refresh.
func (a *AppNames) Stop() {
	if a.cancel != nil {
		a.cancel()
		<-a.done
		a.cancel = nil
	}
	a.client.Close()
}

func (a *AppNames) refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	apps, err := a.client.Apps(ctx)
	if err != nil {
		a.logger.Warn("Could not read the app list from the Qlik Sense repository; apps keep their ids until it answers",
			zap.String("endpoint", a.client.Endpoint()), zap.String("error.type", string(KindOf(err))), zap.Error(err))
		return err
	}
	names := make(map[string]string, len(apps))
	for _, app := range apps {
		if app.ID != "" {
			names[appKey(app.ID)] = app.Name
		}
	}
	a.mu.Lock()
	a.names = names
	a.mu.Unlock()
	a.logger.Debug("Read the app list from the Qlik Sense repository", zap.Int("apps", len(names)))
	return nil
}

// Name returns the name of app id, if the repository listed it. The id is
// matched ignoring case: it is a GUID, the same in either case (RFC 4122),
// and an engine or a log event may write in upper case one the repository
// lists in lower case.
func (a *AppNames) Name(id string) (string, bool) {
	key := appKey(id)
	a.mu.RLock()
	defer a.mu.RUnlock()
	name, ok := a.names[key]
	return name, ok
}

// appKey is the form in which app ids are compared. strings.ToLower returns
// an id that is already lower-case ASCII without copying it.
func appKey(id string) string { return strings.ToLower(id) }

// Len is the number of apps known.
func (a *AppNames) Len() int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return len(a.names)
}

// UnmarshalJSON reads an app of the repository's list leniently, so one odd
// entry does not cost the names of all the others (the list is decoded as a
// whole): an id or name that is a number is read as its text, one of another
// type as "", and an entry that is not an object is an app without an id,
// which AppNames skips.
func (a *App) UnmarshalJSON(b []byte) error {
	type plain App // the usual entry, read the usual way
	var p plain
	if json.Unmarshal(b, &p) == nil {
		*a = App(p)
		return nil
	}
	*a = App{}
	m, err := jsonObject(b)
	if err != nil {
		return nil
	}
	*a = App{ID: lenientText(m, "id"), Name: lenientText(m, "name"), Description: lenientText(m, "description")}
	return nil
}
