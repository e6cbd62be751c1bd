// Package app is the one place that wires the process: from a validated
// Config and the AWS clients, it builds the lease managers, the shared
// Bedrock budget, the Bedrock client, the normalization pipeline and the
// ingester, the same way for the Lambda (cmd/ingest-normalize), the
// benchmark (internal/bench) and the integration tests (internal/testenv),
// so that what is measured and tested is what ships. It reads no
// environment: cmd/ingest-normalize does.
package app

import (
	"errors"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/ingest"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/budget"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// Clients are the AWS clients a process runs on. *dynamodb.Client,
// *s3.Client and *bedrockruntime.Client satisfy the fields.
type Clients struct {
	DynamoDB pipeline.DynamoDB
	S3       pipeline.S3
	Bedrock  bedrock.Runtime
}

// NewClients builds the SDK clients from an SDK configuration: S3 with
// path-style addressing when cfg asks for it, Bedrock in cfg's region.
// localDynamoDB turns off response checksum validation, which local
// DynamoDB servers do not support.
func NewClients(aws aws.Config, cfg Config, localDynamoDB bool) Clients {
	return Clients{
		DynamoDB: dynamodb.NewFromConfig(aws, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = localDynamoDB }),
		S3:       s3.NewFromConfig(aws, func(o *s3.Options) { o.UsePathStyle = cfg.PathStyle }),
		Bedrock:  bedrockruntime.NewFromConfig(aws, func(o *bedrockruntime.Options) { o.Region = cfg.BedrockRegion }),
	}
}

// App is one process's parts, built by New. Its fields are safe for
// concurrent use; one App serves every invocation of the process.
type App struct {
	Config   Config
	Leases   *lease.Manager // the environment's scope, ingest-normalize/<env>
	Fetchers *lease.Manager // the ingestion scope, ingest/<env>: unlimited holders
	Budget   *budget.Budget
	Model    *bedrock.Client
	Pipeline *pipeline.Pipeline
	Ingester *ingest.Ingester
}

// New builds an App. The DynamoDB client is wrapped with
// pipeline.Counting, so that each response counts every request its
// invocation made (leases and budget included). An invalid setting is
// reported by the constructor that refuses it.
func New(cfg Config, c Clients, opts ...Option) (*App, error) {
	if c.DynamoDB == nil || c.S3 == nil || c.Bedrock == nil {
		return nil, errors.New("app: DynamoDB, S3 and Bedrock clients are all required")
	}
	o := options{log: slog.Default()}
	for _, f := range opts {
		f(&o)
	}
	a := &App{Config: cfg}
	db, clk := pipeline.Counting(c.DynamoDB), cfg.Clock()
	var err error
	lopts := append([]lease.Option{lease.WithMaxHolders(cfg.MaxHolders), lease.WithTTL(cfg.LeaseTTL), lease.WithClock(clk)}, o.lease...)
	if a.Leases, err = lease.NewManager(db, cfg.Table, lopts...); err != nil {
		return nil, err
	}
	if a.Budget, err = newBudget(db, cfg, o); err != nil {
		return nil, err
	}
	if a.Model, err = bedrock.New(c.Bedrock, cfg.ModelID, a.Budget, append(bedrockOptions(cfg), o.bedrock...)...); err != nil {
		return nil, err
	}
	if a.Pipeline, err = newPipeline(db, c.S3, a, o); err != nil {
		return nil, err
	}
	lopts = append([]lease.Option{lease.WithMaxHolders(0), lease.WithTTL(cfg.LeaseTTL), lease.WithClock(clk)}, o.lease...)
	if a.Fetchers, err = lease.NewManager(db, cfg.Table, lopts...); err != nil {
		return nil, err
	}
	a.Ingester, err = ingest.New(db, c.S3, a.Fetchers, cfg.Table, cfg.DataBucket, ingest.WithConfigBucket(cfg.ConfigBucket),
		ingest.WithEnv(cfg.Env), ingest.WithClock(clk), ingest.WithLogger(o.log))
	return a, err
}

func newBudget(db pipeline.DynamoDB, cfg Config, o options) (*budget.Budget, error) {
	bopts := append([]budget.Option{
		budget.WithLimits(budget.Limits{RPM: cfg.RPM, TPM: cfg.TPM, Burst: cfg.BurstMS, TPD: cfg.TPD, AccountTPD: cfg.AccountTPD}),
		budget.WithEnvLimit(budget.EnvLimit{Cap: cfg.EnvCap, Priority: cfg.EnvPriority}),
		budget.WithClock(cfg.Clock()), budget.WithLogger(o.log),
	}, o.budget...)
	return budget.New(db, cfg.Table, cfg.Quota(), cfg.Env, bopts...)
}

func newPipeline(db pipeline.DynamoDB, s3c pipeline.S3, a *App, o options) (*pipeline.Pipeline, error) {
	cfg := a.Config
	var model pipeline.Model = a.Model
	if o.model != nil {
		model = o.model(model)
	}
	popts := append([]pipeline.Option{
		pipeline.WithConfigBucket(cfg.ConfigBucket), pipeline.WithEnv(cfg.Env), pipeline.WithBudget(a.Budget), pipeline.WithPause(cfg.Paused),
		pipeline.WithWorkerCap(cfg.WorkerCap), pipeline.WithBatchSize(cfg.ClaimBatch),
		pipeline.WithDeadlineMargin(cfg.DeadlineMargin), pipeline.WithClock(cfg.Clock()), pipeline.WithLogger(o.log),
	}, o.pipeline...)
	return pipeline.New(db, s3c, a.Leases, model, cfg.Table, cfg.DataBucket, popts...)
}

func bedrockOptions(cfg Config) []bedrock.Option {
	opts := []bedrock.Option{bedrock.WithMaxTokens(cfg.MaxTokens)}
	if cfg.Burndown > 0 {
		opts = append(opts, bedrock.WithBurndown(cfg.Burndown))
	}
	if cfg.Converse {
		opts = append(opts, bedrock.WithOperation(bedrock.Converse))
	}
	opts = append(opts, bedrock.WithPromptCache(!cfg.NoPromptCache))
	if p, ok := cfg.price(); ok {
		opts = append(opts, bedrock.WithPrice(p))
	}
	return opts
}
