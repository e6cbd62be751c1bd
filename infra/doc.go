// Package infra holds the CloudFormation templates of ingest-normalize and
// the per-environment parameters they are deployed with:
//
//   - s0-coordination.yaml: the DynamoDB coordination table, one per account
//     and region, shared by every environment there;
//   - s1-runtime.yaml: one stack per environment (the Lambda, its
//     least-privilege role, log group and alarms);
//   - params/ENV.json: the parameters of each environment.
//
// The package has no Go code of its own: its tests check the templates
// against the code (environment variables read, AWS actions called) and the
// parameter files against the templates' constraints, and run cfn-lint.
package infra
