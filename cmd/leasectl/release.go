package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/inspect"
)

func releaseFlags(fs *flag.FlagSet) func(context.Context, *app) error {
	scope := fs.String("scope", "", "scope of the lease (required)")
	holder := fs.String("holder", "", "holder id to remove (required)")
	force := fs.Bool("force", false, "release even a live lease (its holder loses it at its next renewal)")
	return func(ctx context.Context, a *app) error {
		switch {
		case *scope == "":
			return usagef("--scope: required")
		case *holder == "":
			return usagef("--holder: required")
		}
		return a.release(ctx, *scope, *holder, *force)
	}
}

// release removes holder's entry from the scope record in one conditional
// write: on condition that the entry is still the one judged (same fence,
// and, without force, same expiry: not renewed since). It removes the
// nested path holders.<id>, never a top-level attribute (minidyn ignores
// top-level REMOVE).
func (a *app) release(ctx context.Context, scope, holder string, force bool) error {
	hs, found, err := inspect.ReadScope(ctx, a.db, a.table, scope)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("scope %q not found in table %s", scope, a.table)
	}
	var h *inspect.Holder
	for i := range hs {
		if hs[i].ID == holder {
			h = &hs[i]
		}
	}
	now := a.now()
	switch {
	case h == nil:
		return fmt.Errorf("holder %q does not hold scope %q", holder, scope)
	case h.Live(now) && !force:
		return refusedf("lease of %s on %s (fence %d) is live for %s more: release it with --force",
			holder, scope, h.Fence, seconds(h.Expires.Sub(now).Milliseconds()))
	}
	if err := a.removeHolder(ctx, scope, *h, force); err != nil {
		return err
	}
	row := newLeaseRow(*h, now)
	if a.json {
		return a.emit(map[string]any{"released": row, "forced": force})
	}
	fmt.Fprintf(a.stdout, "released %s from %s (fence %d, was %s)\n", holder, scope, h.Fence, row.State)
	return nil
}

func (a *app) removeHolder(ctx context.Context, scope string, h inspect.Holder, force bool) error {
	cond := "#hs.#id.#f = :f"
	names := map[string]string{"#hs": "holders", "#id": h.ID, "#f": "fence"}
	values := map[string]types.AttributeValue{":f": n(h.Fence)}
	if !force {
		cond += " AND #hs.#id.#e = :e"
		names["#e"], values[":e"] = "expires", n(h.Expires.UnixMicro())
	}
	_, err := a.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(a.table), Key: inspect.ScopeKey(scope),
		UpdateExpression:          aws.String("REMOVE #hs.#id"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return refusedf("holder %s of %s changed since it was read (renewed or replaced): look again", h.ID, scope)
	}
	if err != nil {
		return fmt.Errorf("release %s from %s: %w", h.ID, scope, err)
	}
	return nil
}

func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}
