-- Schema step 7 (postgres): roles and rights. Frozen: never edit once released; add a step instead.
-- access_role: what a role may do (actions, comma-separated and sorted) and which rows it sees (scope);
-- role_scope: a role's scope in one pipeline; user: its role, its sign-in login and local password hash.
-- The four preset roles have fixed ids, the same in every database, so replicas and the server agree;
-- existing users get the preset of their old role (admin -> admin, head -> head, sales -> manager).
CREATE TABLE IF NOT EXISTS "access_role" ("id" UUID NOT NULL PRIMARY KEY, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, "deleted_at" TIMESTAMP, "_ver" BIGINT NOT NULL, "_hlc" BIGINT NOT NULL, "name" VARCHAR(200) NOT NULL, "preset" VARCHAR(20) NOT NULL DEFAULT '', "actions" TEXT NOT NULL DEFAULT '', "scope" VARCHAR(32) NOT NULL);
CREATE TABLE IF NOT EXISTS "role_scope" ("id" UUID NOT NULL PRIMARY KEY, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, "deleted_at" TIMESTAMP, "_ver" BIGINT NOT NULL, "_hlc" BIGINT NOT NULL, "role_id" UUID NOT NULL, "pipeline_id" UUID NOT NULL, "scope" VARCHAR(32) NOT NULL, FOREIGN KEY ("role_id") REFERENCES "access_role" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED, FOREIGN KEY ("pipeline_id") REFERENCES "pipeline" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "role_scope_role_id" ON "role_scope" ("role_id");
CREATE INDEX IF NOT EXISTS "role_scope_pipeline_id" ON "role_scope" ("pipeline_id");
ALTER TABLE "user" ADD COLUMN "access_role_id" UUID REFERENCES "access_role" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "user" ADD COLUMN "login" VARCHAR(100) NOT NULL DEFAULT '';
ALTER TABLE "user" ADD COLUMN "password_hash" VARCHAR(200) NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS "user_access_role_id" ON "user" ("access_role_id");
CREATE UNIQUE INDEX IF NOT EXISTS "user_login_live" ON "user" ("login") WHERE "deleted_at" IS NULL AND "login" <> '';
INSERT INTO "access_role" ("id", "created_at", "updated_at", "deleted_at", "_ver", "_hlc", "name", "preset", "actions", "scope") VALUES ('018f0000-0000-7000-8000-000000000001'::uuid, '2026-01-01 00:00:00', '2026-01-01 00:00:00', NULL, 0, 0, 'Administrator', 'admin', 'change_prices,change_settings,create,delete,edit,export,import,issue_documents,manage_users,reopen,register_payments,view', 'all');
INSERT INTO "access_role" ("id", "created_at", "updated_at", "deleted_at", "_ver", "_hlc", "name", "preset", "actions", "scope") VALUES ('018f0000-0000-7000-8000-000000000002'::uuid, '2026-01-01 00:00:00', '2026-01-01 00:00:00', NULL, 0, 0, 'Head of sales', 'head', 'create,delete,edit,export,import,issue_documents,reopen,register_payments,view', 'team');
INSERT INTO "access_role" ("id", "created_at", "updated_at", "deleted_at", "_ver", "_hlc", "name", "preset", "actions", "scope") VALUES ('018f0000-0000-7000-8000-000000000003'::uuid, '2026-01-01 00:00:00', '2026-01-01 00:00:00', NULL, 0, 0, 'Manager', 'manager', 'create,delete,edit,issue_documents,view', 'own');
INSERT INTO "access_role" ("id", "created_at", "updated_at", "deleted_at", "_ver", "_hlc", "name", "preset", "actions", "scope") VALUES ('018f0000-0000-7000-8000-000000000004'::uuid, '2026-01-01 00:00:00', '2026-01-01 00:00:00', NULL, 0, 0, 'Accountant', 'accountant', 'export,issue_documents,register_payments,view', 'all');
UPDATE "user" SET "access_role_id" = CASE "role" WHEN 'admin' THEN '018f0000-0000-7000-8000-000000000001'::uuid WHEN 'head' THEN '018f0000-0000-7000-8000-000000000002'::uuid ELSE '018f0000-0000-7000-8000-000000000003'::uuid END;
