-- Step 11 (imports): one import is one batch (import_batch) with the records it created and the
-- before-image of those it merged (import_batch_item), so that it can be undone. Local bookkeeping,
-- never synced (no _ver/_hlc). Frozen SQL, generated once from the models of step 11; never edit
-- after release.
CREATE TABLE IF NOT EXISTS "import_batch" ("id" UUID NOT NULL PRIMARY KEY, "entity" VARCHAR(20) NOT NULL, "file_name" VARCHAR(300) NOT NULL, "user_id" UUID, "status" VARCHAR(10) NOT NULL, "started_at" TIMESTAMP NOT NULL, "finished_at" TIMESTAMP, "heartbeat_at" TIMESTAMP NOT NULL, "created_count" INTEGER NOT NULL, "merged_count" INTEGER NOT NULL, "skipped_count" INTEGER NOT NULL, "rejected_count" INTEGER NOT NULL, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "import_batch_status_started_at" ON "import_batch" ("status", "started_at");
CREATE TABLE IF NOT EXISTS "import_batch_item" ("id" SERIAL NOT NULL PRIMARY KEY, "batch_id" UUID NOT NULL, "table_name" VARCHAR(40) NOT NULL, "row_id" UUID NOT NULL, "action" VARCHAR(10) NOT NULL, "before" TEXT, "after_updated_at" TIMESTAMP, FOREIGN KEY ("batch_id") REFERENCES "import_batch" ("id") ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS "import_batch_item_batch_id_table_name" ON "import_batch_item" ("batch_id", "table_name");
