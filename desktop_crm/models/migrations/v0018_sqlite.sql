-- Step 18 (field history): every change of a record's fields by a signed-in user (who, when,
-- old -> new as raw text, which device), one row per field, grouped per user action (field_change).
-- Synced append-only: never updated or deleted.
-- Frozen SQL, generated once from the models of step 18; never edit after release.
CREATE TABLE IF NOT EXISTS "field_change" ("id" BLOB NOT NULL PRIMARY KEY, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "deleted_at" DATETIME, "_ver" INTEGER NOT NULL, "_hlc" INTEGER NOT NULL, "entity" VARCHAR(40) NOT NULL, "row_id" BLOB NOT NULL, "field" VARCHAR(80) NOT NULL, "kind" VARCHAR(10) NOT NULL, "old_value" TEXT, "new_value" TEXT, "action" BLOB NOT NULL, "user_id" BLOB, "device_id" BLOB, "device_name" VARCHAR(100) NOT NULL, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "field_change_user_id" ON "field_change" ("user_id");
CREATE INDEX IF NOT EXISTS "field_change_entity_row_id_created_at" ON "field_change" ("entity", "row_id", "created_at");
