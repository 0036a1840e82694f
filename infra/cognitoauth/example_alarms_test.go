package cognitoauth_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/infra/cognitoauth"
)

// The alarm on Unavailable decisions told to an SNS topic, and a row of
// the API's own metrics added to the authorizer's dashboard. The alarm
// has no action of its own; MetricsNamespace, NoDashboard and NoAlarms
// are the other props of the construct's monitoring.
func ExampleNew_alarms() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Api"), nil)
	api := awsapigateway.NewRestApi(stack, jsii.String("Api"), nil)
	pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String("eu-west-1_AbC123xyz"))
	auth := cognitoauth.New(stack, "CognitoAuth", &cognitoauth.Props{
		UserPool:  pool,
		ClientIDs: []*string{jsii.String("1example23456789")},
		RestApi:   api,
		CodeDir:   "../bin/authorizer", // make build
	})

	oncall := awssns.NewTopic(stack, jsii.String("OnCall"), nil)
	auth.UnavailableAlarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(oncall))
	auth.Dashboard.AddWidgets(awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String("API latency"),
		Left:  &[]awscloudwatch.IMetric{api.DeploymentStage().MetricLatency(nil)},
		Width: jsii.Number(24),
	}))
}
