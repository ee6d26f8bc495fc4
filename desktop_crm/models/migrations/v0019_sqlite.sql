-- Step 19 (robots and triggers, issue 23): the rules of each pipeline (automation_rule) and the
-- idempotency record of each rule acting on a deal for an event (automation_run, its id derived from
-- the rule, the deal and the event). Both synced.
-- Frozen SQL, generated once from the models of step 19; never edit after release.
CREATE TABLE IF NOT EXISTS "automation_rule" ("id" BLOB NOT NULL PRIMARY KEY, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "deleted_at" DATETIME, "_ver" INTEGER NOT NULL, "_hlc" INTEGER NOT NULL, "pipeline_id" BLOB NOT NULL, "stage_id" BLOB, "event" VARCHAR(20) NOT NULL, "event_field" VARCHAR(40) NOT NULL, "condition" TEXT NOT NULL, "action" VARCHAR(20) NOT NULL, "params" TEXT NOT NULL, "delay_days" INTEGER NOT NULL, "position" INTEGER NOT NULL, "active" INTEGER NOT NULL, FOREIGN KEY ("pipeline_id") REFERENCES "pipeline" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED, FOREIGN KEY ("stage_id") REFERENCES "stage" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "automation_rule_pipeline_id" ON "automation_rule" ("pipeline_id");
CREATE INDEX IF NOT EXISTS "automation_rule_stage_id" ON "automation_rule" ("stage_id");
CREATE TABLE IF NOT EXISTS "automation_run" ("id" BLOB NOT NULL PRIMARY KEY, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "deleted_at" DATETIME, "_ver" INTEGER NOT NULL, "_hlc" INTEGER NOT NULL, "rule_id" BLOB NOT NULL, "deal_id" BLOB NOT NULL, "event_key" VARCHAR(300) NOT NULL, "state" VARCHAR(10) NOT NULL, "due_at" DATETIME NOT NULL, "done_at" DATETIME, "stage_id" BLOB, "device" VARCHAR(64) NOT NULL, "depth" INTEGER NOT NULL, "reason" TEXT NOT NULL, FOREIGN KEY ("rule_id") REFERENCES "automation_rule" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED, FOREIGN KEY ("deal_id") REFERENCES "deal" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED, FOREIGN KEY ("stage_id") REFERENCES "stage" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "automation_run_rule_id" ON "automation_run" ("rule_id");
CREATE INDEX IF NOT EXISTS "automation_run_deal_id" ON "automation_run" ("deal_id");
CREATE INDEX IF NOT EXISTS "automation_run_stage_id" ON "automation_run" ("stage_id");
CREATE INDEX IF NOT EXISTS "automation_run_state_due_at" ON "automation_run" ("state", "due_at");
