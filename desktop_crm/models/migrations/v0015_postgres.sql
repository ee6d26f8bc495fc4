-- Step 15 (sales plans): a target per manager or head's team, per month or quarter, optionally per
-- pipeline, as an amount in one currency or a count of won deals (sales_plan). Synced.
-- Frozen SQL, generated once from the models of step 15; never edit after release.
CREATE TABLE IF NOT EXISTS "sales_plan" ("id" UUID NOT NULL PRIMARY KEY, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, "deleted_at" TIMESTAMP, "_ver" BIGINT NOT NULL, "_hlc" BIGINT NOT NULL, "owner_id" UUID NOT NULL, "team" BOOLEAN NOT NULL, "period_kind" VARCHAR(10) NOT NULL, "period_start" DATE NOT NULL, "pipeline_id" UUID, "metric" VARCHAR(10) NOT NULL, "target" BIGINT NOT NULL, "currency" VARCHAR(3) NOT NULL, FOREIGN KEY ("owner_id") REFERENCES "user" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED, FOREIGN KEY ("pipeline_id") REFERENCES "pipeline" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "sales_plan_owner_id" ON "sales_plan" ("owner_id");
CREATE INDEX IF NOT EXISTS "sales_plan_period_start" ON "sales_plan" ("period_start");
CREATE INDEX IF NOT EXISTS "sales_plan_pipeline_id" ON "sales_plan" ("pipeline_id");
