package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// waitReady returns once the URL answers 200, after answers that are not.
func TestWaitReady(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	if err := waitReady(context.Background(), srv.URL, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("polled %d times, want 3", n)
	}
}

// waitReady gives up after its limit, with an error naming the URL.
func TestWaitReadyGivesUp(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	err := waitReady(context.Background(), srv.URL, 300*time.Millisecond)
	if err == nil {
		t.Fatal("no error for a URL that never answers 200")
	}
	if got := err.Error(); got != "-wait-for: "+srv.URL+" did not answer 200 within 300ms" {
		t.Fatalf("error %q", got)
	}
}
