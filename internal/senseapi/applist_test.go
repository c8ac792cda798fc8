package senseapi

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

// TestAppListOddEntries: one entry of the repository's app list with a field
// of an unexpected type, or an entry that is no object, costs that entry at
// most, never the names of every other app.
func TestAppListOddEntries(t *testing.T) {
	tests := []struct {
		name string
		body string
		want map[string]string // id -> name; "" when the id is not known
	}{
		{"a name that is a number", `[{"id":"a1","name":2024},{"id":"b2","name":"Sales forecast"}]`,
			map[string]string{"a1": "2024", "b2": "Sales forecast"}},
		{"a name that is an object", `[{"id":"a1","name":{"en":"x"}},{"id":"b2","name":"Sales forecast"}]`,
			map[string]string{"a1": "", "b2": "Sales forecast"}},
		{"a description that is a list", `[{"id":"a1","name":"Inventory","description":["x"]},{"id":"b2","name":"Sales forecast"}]`,
			map[string]string{"a1": "Inventory", "b2": "Sales forecast"}},
		{"an id that is not a string", `[{"id":7,"name":"Seven"},{"id":true,"name":"Bad"},{"id":"b2","name":"Sales forecast"}]`,
			map[string]string{"7": "Seven", "b2": "Sales forecast"}},
		{"entries that are not objects", `[null,"x",5,["y"],{"id":"b2","name":"Sales forecast"}]`,
			map[string]string{"b2": "Sales forecast"}},
		{"null fields", `[{"id":"a1","name":null,"description":null},{"id":"b2","name":"Sales forecast"}]`,
			map[string]string{"a1": "", "b2": "Sales forecast"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testServer(t, map[string]func(http.ResponseWriter){"/qrs/app": body([]byte(tt.body))})
			a := NewAppNames(c, time.Hour, time.Second, zap.NewNop())
			a.Start(context.Background())
			defer a.Stop()
			require.Equal(t, len(tt.want), a.Len(), "apps known")
			for id, want := range tt.want {
				name, ok := a.Name(id)
				assert.True(t, ok, id)
				assert.Equal(t, want, name, id)
			}
		})
	}
}

// TestAppListNotAList: a body that is not a list of apps (an error
// document) is still an error, and the last list is kept.
func TestAppListNotAList(t *testing.T) {
	c := testServer(t, map[string]func(http.ResponseWriter){"/qrs/app": body([]byte(`{"error":"Forbidden"}`))})
	_, err := c.Apps(context.Background())
	assert.Equal(t, KindBadJSON, KindOf(err))
}
