-- Schema step 6 (sqlite): each deal's furthest step reached, for the funnel and the conversion. Frozen.
-- reached_order: the highest sort_order among the open and won stages of the deal's own pipeline
-- that the deal has entered: its current stage and every stage it has left (the from_stage of a
-- live stage change), counting only live stages; lost stages are off the ladder; 0 when none.
ALTER TABLE "deal" ADD COLUMN "reached_order" INTEGER NOT NULL DEFAULT 0;
UPDATE "deal" SET "reached_order" = COALESCE((SELECT MAX(s."sort_order") FROM "stage" AS s WHERE s."pipeline_id" = "deal"."pipeline_id" AND s."kind" <> 'lost' AND s."deleted_at" IS NULL AND (s."id" = "deal"."stage_id" OR EXISTS (SELECT 1 FROM "stage_change" AS c WHERE c."deal_id" = "deal"."id" AND c."from_stage_id" = s."id" AND c."deleted_at" IS NULL))), 0);
CREATE INDEX IF NOT EXISTS "deal_analytics_reached" ON "deal" ("pipeline_id", "stage_id", "reached_order", "currency", "created_at", "amount", "deleted_at") WHERE ("deleted_at" IS NULL);
