// Package notestest is the test kit of package notes: an in-memory Store
// that keeps what it was asked, and the notes table in a local DynamoDB
// (moto_server in the tests), created and read back as the deploy templates
// and DynamoStore define it.
package notestest
