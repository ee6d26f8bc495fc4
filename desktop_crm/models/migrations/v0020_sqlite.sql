-- Schema step 20 (sqlite): time in stages reads the stays that ended in a period as one range of
-- dates per stage. Frozen.
CREATE INDEX IF NOT EXISTS "stage_change_analytics_ended" ON "stage_change" ("from_stage_id", "changed_at", "seconds_in_previous", "deal_id", "deleted_at") WHERE ("deleted_at" IS NULL);
