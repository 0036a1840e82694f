package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
)

// DefaultLogRetentionDays is the retention of every log group unless
// logRetentionDays says otherwise.
const DefaultLogRetentionDays = 30

// retentionMembers are the members of the CDK's RetentionDays enum but
// INFINITE (no retention policy, which CloudWatch's list does not hold).
// A test checks the list against the enum's source; the day counts come
// from the CDK itself (retentionByDays), not from a copy here.
var retentionMembers = []awslogs.RetentionDays{
	awslogs.RetentionDays_ONE_DAY, awslogs.RetentionDays_THREE_DAYS, awslogs.RetentionDays_FIVE_DAYS,
	awslogs.RetentionDays_ONE_WEEK, awslogs.RetentionDays_TWO_WEEKS, awslogs.RetentionDays_ONE_MONTH,
	awslogs.RetentionDays_TWO_MONTHS, awslogs.RetentionDays_THREE_MONTHS, awslogs.RetentionDays_FOUR_MONTHS,
	awslogs.RetentionDays_FIVE_MONTHS, awslogs.RetentionDays_SIX_MONTHS, awslogs.RetentionDays_ONE_YEAR,
	awslogs.RetentionDays_THIRTEEN_MONTHS, awslogs.RetentionDays_EIGHTEEN_MONTHS, awslogs.RetentionDays_TWO_YEARS,
	awslogs.RetentionDays_THREE_YEARS, awslogs.RetentionDays_FIVE_YEARS, awslogs.RetentionDays_SIX_YEARS,
	awslogs.RetentionDays_SEVEN_YEARS, awslogs.RetentionDays_EIGHT_YEARS, awslogs.RetentionDays_NINE_YEARS,
	awslogs.RetentionDays_TEN_YEARS,
}

// retentionByDays maps each member's day count, as the CDK writes it into
// a log group's RetentionInDays, to the member. It asks the CDK: a
// throwaway stack holds one log group per member.
func retentionByDays() map[float64]awslogs.RetentionDays {
	stack := awscdk.NewStack(nil, jsii.String("RetentionDays"), nil)
	byDays := make(map[float64]awslogs.RetentionDays, len(retentionMembers))
	for _, r := range retentionMembers {
		group := awslogs.NewLogGroup(stack, jsii.String(string(r)), &awslogs.LogGroupProps{Retention: r})
		cfn := group.Node().DefaultChild().(awslogs.CfnLogGroup)
		byDays[*cfn.RetentionInDays()] = r
	}
	return byDays
}

// retentionList is the day counts of byDays in order, for messages.
func retentionList(byDays map[float64]awslogs.RetentionDays) string {
	var days []float64
	for d := range byDays {
		days = append(days, d)
	}
	slices.Sort(days)
	var s []string
	for _, d := range days {
		s = append(s, fmt.Sprint(d))
	}
	return strings.Join(s, ", ")
}
