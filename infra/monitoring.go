package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/infra/cognitoauth"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// monitoring is what addMonitoring adds beside the authorizer's own
// dashboard and alarm: the sample API's part.
type monitoring struct {
	// FlushErrors counts the sign-outs whose flush of the authorizer
	// cache failed (nil with neither dashboard nor alarms).
	FlushErrors awslogs.MetricFilter
	// FlushErrorsAlarm goes off on any (nil with NoAlarms).
	FlushErrorsAlarm awscloudwatch.Alarm
}

// addMonitoring adds the sample API's monitoring: a metric filter on the
// sign-out function's log group counting the lines with a flush_error (the
// sign-out is done, but cached Allows outlive it), an alarm on it, and a
// row below the authorizer's on its dashboard with the API stage's 4XX
// and 5XX answers and that alarm. The construct owns the authorizer's
// part; the API and the sign-out are the stack's.
func addMonitoring(stack awscdk.Stack, p NotesStackProps, auth *cognitoauth.Authorizer,
	api awsapigateway.RestApi, signOut awslambda.Function) monitoring {
	var m monitoring
	if p.NoDashboard && p.NoAlarms {
		return m
	}
	m.FlushErrors = awslogs.NewMetricFilter(stack, jsii.String("SignOutFlushErrors"), &awslogs.MetricFilterProps{
		LogGroup:        signOut.LogGroup(),
		FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(settings.SignOutFlushErrorPattern)),
		MetricNamespace: jsii.String(auth.MetricsNamespace()),
		MetricName:      jsii.String(settings.MetricSignOutFlushErrors),
		MetricValue:     jsii.String("1"),
	})
	flushErrors := m.FlushErrors.Metric(&awscloudwatch.MetricOptions{
		Statistic: jsii.String("Sum"),
		Period:    awscdk.Duration_Minutes(jsii.Number(cognitoauth.MetricsPeriodMinutes)),
		Label:     jsii.String("failed flushes"),
		Color:     awscloudwatch.Color_RED(),
	})
	if !p.NoAlarms {
		m.FlushErrorsAlarm = awscloudwatch.NewAlarm(stack, jsii.String("SignOutFlushErrorsAlarm"), &awscloudwatch.AlarmProps{
			AlarmDescription: jsii.String("A sign-out could not flush API Gateway's authorizer cache: " +
				"the user's cached Allows outlive the sign-out by up to the cache TTL. The sign-out function's log line has the flush_error."),
			Metric:             flushErrors,
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
	}
	if auth.Dashboard == nil {
		return m
	}
	stage := api.DeploymentStage()
	period := awscdk.Duration_Minutes(jsii.Number(cognitoauth.MetricsPeriodMinutes))
	answers := awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String("Sample API 4XX and 5XX answers"),
		Left: &[]awscloudwatch.IMetric{
			stage.MetricClientError(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: period, Label: jsii.String("4XX"), Color: awscloudwatch.Color_ORANGE()}),
			stage.MetricServerError(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: period, Label: jsii.String("5XX"), Color: awscloudwatch.Color_RED()}),
		},
		Width:  jsii.Number(12),
		Height: jsii.Number(6),
		Period: period,
	})
	var flush awscloudwatch.IWidget
	if m.FlushErrorsAlarm != nil {
		flush = awscloudwatch.NewAlarmWidget(&awscloudwatch.AlarmWidgetProps{
			Title:  jsii.String("Sign-out flush errors (alarm)"),
			Alarm:  m.FlushErrorsAlarm,
			Width:  jsii.Number(12),
			Height: jsii.Number(6),
		})
	} else {
		flush = awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title:  jsii.String("Sign-out flush errors"),
			Left:   &[]awscloudwatch.IMetric{flushErrors},
			Width:  jsii.Number(12),
			Height: jsii.Number(6),
			Period: period,
		})
	}
	auth.Dashboard.AddWidgets(answers, flush)
	return m
}
