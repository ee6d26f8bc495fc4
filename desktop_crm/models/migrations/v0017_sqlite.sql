-- Step 17 (custom fields): fields a business adds to deals, contacts, companies, leads and products
-- (custom_field: kind, choices, block, order, archived, optional pipeline) and their values, one row
-- per field and record with a derived id (custom_value), indexed per field for lists. Synced.
-- Frozen SQL, generated once from the models of step 17; never edit after release.
CREATE TABLE IF NOT EXISTS "custom_field" ("id" BLOB NOT NULL PRIMARY KEY, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "deleted_at" DATETIME, "_ver" INTEGER NOT NULL, "_hlc" INTEGER NOT NULL, "entity" VARCHAR(16) NOT NULL, "key" VARCHAR(64) NOT NULL, "label" VARCHAR(200) NOT NULL, "preset" VARCHAR(64), "kind" VARCHAR(16) NOT NULL, "options" TEXT NOT NULL, "block" VARCHAR(100) NOT NULL, "position" INTEGER NOT NULL, "archived" INTEGER NOT NULL, "pipeline_id" BLOB, FOREIGN KEY ("pipeline_id") REFERENCES "pipeline" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "custom_field_pipeline_id" ON "custom_field" ("pipeline_id");
CREATE INDEX IF NOT EXISTS "custom_field_entity_position" ON "custom_field" ("entity", "position");
CREATE TABLE IF NOT EXISTS "custom_value" ("id" BLOB NOT NULL PRIMARY KEY, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "deleted_at" DATETIME, "_ver" INTEGER NOT NULL, "_hlc" INTEGER NOT NULL, "field_id" BLOB NOT NULL, "entity" VARCHAR(16) NOT NULL, "row_id" BLOB NOT NULL, "text_value" VARCHAR(600), "number_value" INTEGER, "date_value" DATE, "link_id" BLOB, FOREIGN KEY ("field_id") REFERENCES "custom_field" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "custom_value_row_id_field_id" ON "custom_value" ("row_id", "field_id");
CREATE INDEX IF NOT EXISTS "custom_value_field_id_text_value" ON "custom_value" ("field_id", "text_value");
CREATE INDEX IF NOT EXISTS "custom_value_field_id_number_value" ON "custom_value" ("field_id", "number_value");
CREATE INDEX IF NOT EXISTS "custom_value_field_id_date_value" ON "custom_value" ("field_id", "date_value");
CREATE INDEX IF NOT EXISTS "custom_value_field_id_link_id" ON "custom_value" ("field_id", "link_id");
