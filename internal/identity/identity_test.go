package identity_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
)

func TestFromAuthorizer(t *testing.T) {
	tests := []struct {
		name    string
		in      map[string]any
		want    identity.Principal
		wantErr bool
	}{
		{name: "as API Gateway passes it", in: map[string]any{
			"principalId": "s1", "sub": "s1", "username": "alice", "email": "a@example.com", "cognito:groups": "notes,staff",
		}, want: identity.Principal{Sub: "s1", Username: "alice", Email: "a@example.com", Groups: []string{"notes", "staff"}}},
		{name: "sub only", in: map[string]any{"sub": "s1"}, want: identity.Principal{Sub: "s1"}},
		{name: "nil context", in: nil, wantErr: true},
		{name: "no sub", in: map[string]any{"principalId": "s1"}, wantErr: true},
		{name: "empty sub", in: map[string]any{"sub": ""}, wantErr: true},
		{name: "sub not a string", in: map[string]any{"sub": 42.0}, wantErr: true},
		{name: "sub too long", in: map[string]any{"sub": strings.Repeat("s", 129)}, wantErr: true},
		{name: "email not a string", in: map[string]any{"sub": "s1", "email": true}, want: identity.Principal{Sub: "s1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := identity.FromAuthorizer(tt.in)
			if tt.wantErr {
				if !errors.Is(err, identity.ErrNoPrincipal) {
					t.Fatalf("FromAuthorizer() = %+v, %v, want %v", got, err, identity.ErrNoPrincipal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FromAuthorizer() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
