package signout_test

import (
	"context"
	"net/http"
	"testing"
)

// FuzzHandle: any body and any authorizer context answer 204, 400, 401 or
// 500, never panic, and write nothing unless the answer is 204.
func FuzzHandle(f *testing.F) {
	f.Add("", "sub-1", "jti-1", "1795324089", false)
	f.Add(`{"everywhere":true}`, "sub-1", "", "", false)
	f.Add(`{"everywhere":"yes"}`, "", "jti", "x", true)
	f.Add("e30=", "sub#1", "jti#1", "-1", true)
	f.Fuzz(func(t *testing.T, body, sub, jti, exp string, base64 bool) {
		r := &recorder{}
		h, _ := newTestHandler(t, r)
		req := newRequest(body)
		req.IsBase64Encoded = base64
		req.RequestContext.Authorizer["sub"] = sub
		req.RequestContext.Authorizer["principalId"] = sub
		req.RequestContext.Authorizer["origin_jti"] = jti
		req.RequestContext.Authorizer["exp"] = exp
		resp, err := h.Handle(context.Background(), req)
		if err != nil {
			t.Fatalf("Handle() error = %v", err)
		}
		switch resp.StatusCode {
		case http.StatusNoContent:
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusInternalServerError:
			if len(r.calls) > 0 {
				t.Errorf("answered %d after %v", resp.StatusCode, r.calls)
			}
		default:
			t.Errorf("status %d", resp.StatusCode)
		}
	})
}
