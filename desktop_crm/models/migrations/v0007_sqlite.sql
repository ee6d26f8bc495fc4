-- Schema step 7 (sqlite): roles and rights. Frozen: never edit once released; add a step instead.
-- access_role: what a role may do (actions, comma-separated and sorted) and which rows it sees (scope);
-- role_scope: a role's scope in one pipeline; user: its role, its sign-in login and local password hash.
-- The four preset roles have fixed ids, the same in every database, so replicas and the server agree;
-- existing users get the preset of their old role (admin -> admin, head -> head, sales -> manager).
CREATE TABLE IF NOT EXISTS "access_role" ("id" BLOB NOT NULL PRIMARY KEY, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "deleted_at" DATETIME, "_ver" INTEGER NOT NULL, "_hlc" INTEGER NOT NULL, "name" VARCHAR(200) NOT NULL, "preset" VARCHAR(20) NOT NULL DEFAULT '', "actions" TEXT NOT NULL DEFAULT '', "scope" VARCHAR(32) NOT NULL);
CREATE TABLE IF NOT EXISTS "role_scope" ("id" BLOB NOT NULL PRIMARY KEY, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "deleted_at" DATETIME, "_ver" INTEGER NOT NULL, "_hlc" INTEGER NOT NULL, "role_id" BLOB NOT NULL, "pipeline_id" BLOB NOT NULL, "scope" VARCHAR(32) NOT NULL, FOREIGN KEY ("role_id") REFERENCES "access_role" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED, FOREIGN KEY ("pipeline_id") REFERENCES "pipeline" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "role_scope_role_id" ON "role_scope" ("role_id");
CREATE INDEX IF NOT EXISTS "role_scope_pipeline_id" ON "role_scope" ("pipeline_id");
ALTER TABLE "user" ADD COLUMN "access_role_id" BLOB REFERENCES "access_role" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "user" ADD COLUMN "login" VARCHAR(100) NOT NULL DEFAULT '';
ALTER TABLE "user" ADD COLUMN "password_hash" VARCHAR(200) NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS "user_access_role_id" ON "user" ("access_role_id");
CREATE UNIQUE INDEX IF NOT EXISTS "user_login_live" ON "user" ("login") WHERE "deleted_at" IS NULL AND "login" <> '';
INSERT INTO "access_role" ("id", "created_at", "updated_at", "deleted_at", "_ver", "_hlc", "name", "preset", "actions", "scope") VALUES (X'018F0000000070008000000000000001', '2026-01-01 00:00:00', '2026-01-01 00:00:00', NULL, 0, 0, 'Administrator', 'admin', 'change_prices,change_settings,create,delete,edit,export,import,issue_documents,manage_users,reopen,register_payments,view', 'all');
INSERT INTO "access_role" ("id", "created_at", "updated_at", "deleted_at", "_ver", "_hlc", "name", "preset", "actions", "scope") VALUES (X'018F0000000070008000000000000002', '2026-01-01 00:00:00', '2026-01-01 00:00:00', NULL, 0, 0, 'Head of sales', 'head', 'create,delete,edit,export,import,issue_documents,reopen,register_payments,view', 'team');
INSERT INTO "access_role" ("id", "created_at", "updated_at", "deleted_at", "_ver", "_hlc", "name", "preset", "actions", "scope") VALUES (X'018F0000000070008000000000000003', '2026-01-01 00:00:00', '2026-01-01 00:00:00', NULL, 0, 0, 'Manager', 'manager', 'create,delete,edit,issue_documents,view', 'own');
INSERT INTO "access_role" ("id", "created_at", "updated_at", "deleted_at", "_ver", "_hlc", "name", "preset", "actions", "scope") VALUES (X'018F0000000070008000000000000004', '2026-01-01 00:00:00', '2026-01-01 00:00:00', NULL, 0, 0, 'Accountant', 'accountant', 'export,issue_documents,register_payments,view', 'all');
UPDATE "user" SET "access_role_id" = CASE "role" WHEN 'admin' THEN X'018F0000000070008000000000000001' WHEN 'head' THEN X'018F0000000070008000000000000002' ELSE X'018F0000000070008000000000000003' END;
