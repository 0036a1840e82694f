package signout

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// AdminUserGlobalSignOutAPI is the part of the Cognito client CognitoPool
// uses; *cognitoidentityprovider.Client implements it.
type AdminUserGlobalSignOutAPI interface {
	AdminUserGlobalSignOut(ctx context.Context, in *cip.AdminUserGlobalSignOutInput, optFns ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error)
}

// CognitoPool is a Pool: a Cognito user pool signed out of with
// AdminUserGlobalSignOut.
type CognitoPool struct {
	client     AdminUserGlobalSignOutAPI
	userPoolID string
}

// NewCognitoPool returns the pool userPoolID reached through client.
func NewCognitoPool(client AdminUserGlobalSignOutAPI, userPoolID string) *CognitoPool {
	return &CognitoPool{client: client, userPoolID: userPoolID}
}

// SignOutEverywhere revokes every refresh token of username (the user's
// name in the pool, or their sub). A user the pool no longer has holds no
// refresh token, which is success.
func (p *CognitoPool) SignOutEverywhere(ctx context.Context, username string) error {
	_, err := p.client.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{
		UserPoolId: aws.String(p.userPoolID),
		Username:   aws.String(username),
	})
	var gone *types.UserNotFoundException
	switch {
	case errors.As(err, &gone):
		return nil
	case err != nil:
		return fmt.Errorf("cognito global sign-out: %w", err)
	}
	return nil
}
