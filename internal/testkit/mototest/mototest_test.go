package mototest_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
)

func TestStart(t *testing.T) {
	endpoint := mototest.Start(t)
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" {
		t.Fatalf("Start() = %q, want http://127.0.0.1:PORT", endpoint)
	}

	// A client built from Config reaches this moto_server and no other.
	client := dynamodb.NewFromConfig(mototest.Config(endpoint))
	_, err = client.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName:            aws.String("probe"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable() error = %v", err)
	}
	out, err := client.ListTables(t.Context(), &dynamodb.ListTablesInput{})
	if err != nil || len(out.TableNames) != 1 || out.TableNames[0] != "probe" {
		t.Fatalf("ListTables() = %v, %v, want [probe]", out, err)
	}

	// A second server is independent of the first.
	other := mototest.Start(t)
	if other == endpoint {
		t.Fatalf("Start() twice = %q, want two endpoints", endpoint)
	}
	out, err = dynamodb.NewFromConfig(mototest.Config(other)).ListTables(t.Context(), &dynamodb.ListTablesInput{})
	if err != nil || len(out.TableNames) != 0 {
		t.Fatalf("ListTables() on the second server = %v, %v, want no tables", out, err)
	}
}

func TestStartStopsServerAtCleanup(t *testing.T) {
	var endpoint string
	t.Run("server", func(t *testing.T) {
		endpoint = mototest.Start(t)
	})
	if endpoint == "" {
		return // the subtest said why
	}
	resp, err := http.Get(endpoint + "/moto-api/")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("moto_server at %s still answers after its test ended", endpoint)
	}
}

func TestConfig(t *testing.T) {
	cfg := mototest.Config("http://127.0.0.1:1")
	creds, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil || creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		t.Errorf("Config().Credentials = %+v, %v, want static dummy credentials", creds, err)
	}
	if cfg.Region != mototest.Region || aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:1" {
		t.Errorf("Config() region %q, endpoint %q, want %q, http://127.0.0.1:1", cfg.Region, aws.ToString(cfg.BaseEndpoint), mototest.Region)
	}
}

// TestStartAfterIsolateAWS: moto_server starts in a test that emptied the
// developer's AWS settings (an empty AWS_PROFILE breaks its Lambda and IAM
// parts).
func TestStartAfterIsolateAWS(t *testing.T) {
	mototest.IsolateAWS(t)
	endpoint := mototest.Start(t)
	// Lambda's ListFunctions; moto routes by the credential scope's
	// service and does not check the signature.
	req, err := http.NewRequest(http.MethodGet, endpoint+"/2015-03-31/functions/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20261126/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("ListFunctions = %s, want 200", resp.Status)
	}
}
