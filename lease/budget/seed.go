package budget

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// ensure makes sure the row exists with limits and an entry for this
// environment, seeding what is missing (never overwriting what operators
// set). It costs one or two writes per process and quota, once. Called
// with b.mu held; it releases it during the writes.
func (b *Budget) ensure(ctx context.Context) error {
	if b.rec.exists && b.rec.TPM > 0 {
		if _, ok := b.rec.Envs[b.env]; ok {
			return nil
		}
	}
	b.mu.Unlock()
	defer b.mu.Lock()
	rec, err := b.seedRow(ctx)
	if err != nil {
		return err
	}
	if rec.TPM <= 0 {
		return fmt.Errorf("budget: %s: %w", b.quota, ErrNoBudget)
	}
	if _, ok := rec.Envs[b.env]; !ok {
		if rec, _, err = b.update(ctx, b.envInput()); err != nil {
			return err
		}
	}
	b.remember(rec)
	b.compare(rec.Limits)
	return nil
}

func (b *Budget) seedInput() *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		UpdateExpression: aws.String("SET rpm = if_not_exists(rpm, :rpm), tpm = if_not_exists(tpm, :tpm), " +
			"burst_ms = if_not_exists(burst_ms, :burst), tpd = if_not_exists(tpd, :tpd), acct_tpd = if_not_exists(acct_tpd, :atpd), " +
			"tfactor = if_not_exists(tfactor, :one), rfactor = if_not_exists(rfactor, :one), " +
			"tfactor_at = if_not_exists(tfactor_at, :zero), rfactor_at = if_not_exists(rfactor_at, :zero)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":rpm": ddbattr.F(b.seed.RPM), ":tpm": ddbattr.F(b.seed.TPM), ":burst": ddbattr.N(b.seed.Burst),
			":tpd": ddbattr.F(b.seed.TPD), ":atpd": ddbattr.F(b.seed.AccountTPD),
			":one": ddbattr.N(1), ":zero": ddbattr.N(0),
		},
	}
}

// envInput adds this environment's seed entry unless one exists.
func (b *Budget) envInput() *dynamodb.UpdateItemInput {
	cap := b.seedEnv.Cap
	if cap == 0 {
		cap = 1
	}
	return &dynamodb.UpdateItemInput{
		UpdateExpression:          aws.String("SET #e = :e"),
		ConditionExpression:       aws.String("attribute_not_exists(#e)"),
		ExpressionAttributeNames:  map[string]string{"#e": envPrefix + b.env},
		ExpressionAttributeValues: map[string]types.AttributeValue{":e": envValue(EnvLimit{Cap: cap, Priority: b.seedEnv.Priority})},
	}
}

// envValue is an environment's entry as stored.
func envValue(e EnvLimit) types.AttributeValue {
	m := map[string]types.AttributeValue{"cap": ddbattr.F(e.Cap), "priority": ddbattr.N(int64(e.Priority))}
	if e.Paused {
		m["paused"] = &types.AttributeValueMemberBOOL{Value: true}
		m["reason"] = &types.AttributeValueMemberS{Value: e.Reason}
	}
	return &types.AttributeValueMemberM{Value: m}
}

// seedRow writes the seed limits where the row has none, or only reads the
// row when no seed was given (so that an empty seed never creates it).
func (b *Budget) seedRow(ctx context.Context) (record, error) {
	if b.seed.TPM > 0 {
		rec, _, err := b.update(ctx, b.seedInput())
		return rec, err
	}
	b.counts.reads.Add(1)
	out, err := b.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(b.table), Key: rowKey(b.quota), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return record{}, fmt.Errorf("budget: %s: %w", b.quota, err)
	}
	return decodeRecord(out.Item)
}
