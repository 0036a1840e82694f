package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
)

// noteStep is one request to a note function and what it must answer.
type noteStep struct {
	caller   string // whose Allow answer's context the request carries
	shown    string // the request as the report shows it
	req      events.APIGatewayProxyRequest
	want     int
	wantList []string // the notes a listing must hold, in order
	wantNext bool     // whether a listing must have a next page
}

// noteSteps runs the add-note and list-notes handlers, on one in-memory
// table, with the contexts of the Allow answers in allowed, reports each
// request and says whether each got the answer it should.
func noteSteps(ctx context.Context, w io.Writer, eventsDir string, allowed map[string]*answer) (int, bool, error) {
	addReq, err := apigwtest.ReadProxyRequest(filepath.Join(eventsDir, "add-note.json"))
	if err != nil {
		return 0, false, err
	}
	listReq, err := apigwtest.ReadProxyRequest(filepath.Join(eventsDir, "list-notes.json"))
	if err != nil {
		return 0, false, err
	}
	store := &notestest.Store{}
	// Two notes added within a millisecond would have ids in random order:
	// the clock moves on at least a millisecond per note.
	var last time.Time
	clock := func() time.Time {
		now := time.Now().UTC().Truncate(time.Millisecond)
		if !now.After(last) {
			now = last.Add(time.Millisecond)
		}
		last = now
		return now
	}
	add := notes.NewHandler(store, slog.New(slog.DiscardHandler), notes.WithClock(clock))
	list := notes.NewListHandler(store, slog.New(slog.DiscardHandler))

	addNote := func(caller, text string) noteStep {
		req := addReq
		req.Body, req.IsBase64Encoded = `{"note":"`+text+`"}`, false
		return noteStep{caller: caller, shown: "POST /add-note " + req.Body, req: req, want: 201}
	}
	listNotes := func(caller string, owner *cognitotest.User, query map[string]string, shown string) noteStep {
		req := listReq
		req.Resource, req.Path, req.PathParameters = notes.ResourceNotes, notes.ResourceNotes, nil
		if owner != nil {
			req.Resource, req.Path = notes.ResourceUserNotes, "/users/"+owner.Sub+"/notes"
			req.PathParameters = map[string]string{notes.PathUserID: owner.Sub}
		}
		req.QueryStringParameters = query
		req.MultiValueQueryStringParameters = map[string][]string{}
		for k, v := range query {
			req.MultiValueQueryStringParameters[k] = []string{v}
		}
		return noteStep{caller: caller, shown: shown, req: req, want: 200}
	}
	milk, plants := "Bring home milk", "Water the plants"
	steps := []noteStep{
		addNote("alice", milk),
		addNote("alice", plants),
		listNotes("alice", nil, map[string]string{"limit": "1"}, "GET /notes?limit=1"),
		listNotes("alice", nil, map[string]string{"limit": "1"}, "GET /notes?limit=1&next=<next>"),
		listNotes("carol", &alice, nil, "GET /users/{alice}/notes"),
		listNotes("bob", &alice, nil, "GET /users/{alice}/notes"),
	}
	steps[2].wantList, steps[2].wantNext = []string{plants}, true
	steps[3].wantList = []string{milk}
	steps[4].wantList = []string{plants, milk}
	steps[5].want = 403
	steps[5].shown += "  (had the rule let it through)"

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	allOK := true
	next := ""
	for i, s := range steps {
		a := allowed[s.caller]
		s.req.RequestContext.Authorizer = apigwtest.AuthorizerContext(a.Principal, a.Context)
		if strings.Contains(s.shown, "<next>") {
			s.req.QueryStringParameters["next"] = next
			s.req.MultiValueQueryStringParameters["next"] = []string{next}
		}
		h := list.Handle
		if s.req.HTTPMethod == "POST" {
			h = add.Handle
		}
		resp, err := h(ctx, s.req)
		if err != nil {
			return 0, false, fmt.Errorf("note request %d: %w", i+1, err)
		}
		got, ok := resp.Body, resp.StatusCode == s.want
		if s.req.HTTPMethod == "GET" && resp.StatusCode == 200 {
			var body struct {
				Notes []struct{ Note string }
				Next  string
			}
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
				return 0, false, fmt.Errorf("note request %d: %w", i+1, err)
			}
			var texts []string
			for _, n := range body.Notes {
				texts = append(texts, n.Note)
			}
			next = body.Next
			got = fmt.Sprintf("%d %s, newest first: %q", len(texts), plural(len(texts), "note"), texts)
			if body.Next != "" {
				got += "; next page token"
			}
			ok = ok && slices.Equal(texts, s.wantList) && (body.Next != "") == s.wantNext
		}
		mark := ""
		if !ok {
			allOK = false
			mark = fmt.Sprintf("  <-- want %d", s.want)
		}
		fmt.Fprintf(tw, "  %s\t%s\t-> %d %s%s\n", s.caller, s.shown, resp.StatusCode, got, mark)
	}
	tw.Flush()
	return len(steps), allOK, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
