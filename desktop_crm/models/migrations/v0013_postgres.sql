-- Step 13 (bank statements): imported statements (bank_statement), their incoming lines with a
-- stable key, status and the payment each produced (bank_line), and the key on the payment.
-- Frozen SQL, generated once from the models of step 13; never edit after release.
ALTER TABLE "payment" ADD COLUMN "bank_key" VARCHAR(64);
CREATE INDEX IF NOT EXISTS "payment_bank_key" ON "payment" ("bank_key");
CREATE TABLE IF NOT EXISTS "bank_statement" ("id" UUID NOT NULL PRIMARY KEY, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, "deleted_at" TIMESTAMP, "_ver" BIGINT NOT NULL, "_hlc" BIGINT NOT NULL, "own_company_id" UUID, "account" VARCHAR(34) NOT NULL, "file_format" VARCHAR(20) NOT NULL, "file_name" VARCHAR(255) NOT NULL, "sha256" VARCHAR(64) NOT NULL, "period_from" DATE, "period_to" DATE, "imported_by_id" UUID, FOREIGN KEY ("own_company_id") REFERENCES "own_company" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED, FOREIGN KEY ("imported_by_id") REFERENCES "user" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "bank_statement_own_company_id" ON "bank_statement" ("own_company_id");
CREATE INDEX IF NOT EXISTS "bank_statement_imported_by_id" ON "bank_statement" ("imported_by_id");
CREATE TABLE IF NOT EXISTS "bank_line" ("id" UUID NOT NULL PRIMARY KEY, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, "deleted_at" TIMESTAMP, "_ver" BIGINT NOT NULL, "_hlc" BIGINT NOT NULL, "statement_id" UUID NOT NULL, "line_key" VARCHAR(64) NOT NULL, "account" VARCHAR(34) NOT NULL, "number" VARCHAR(40) NOT NULL, "booked_on" DATE NOT NULL, "amount" BIGINT NOT NULL, "currency" VARCHAR(3) NOT NULL, "payer_name" VARCHAR(300) NOT NULL, "payer_tax_id" VARCHAR(16) NOT NULL, "payer_account" VARCHAR(34) NOT NULL, "purpose" TEXT NOT NULL, "status" VARCHAR(32) NOT NULL, "reason" VARCHAR(40) NOT NULL, "invoice_id" UUID, "payment_id" UUID, FOREIGN KEY ("statement_id") REFERENCES "bank_statement" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED, FOREIGN KEY ("invoice_id") REFERENCES "invoice" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED, FOREIGN KEY ("payment_id") REFERENCES "payment" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "bank_line_statement_id" ON "bank_line" ("statement_id");
CREATE INDEX IF NOT EXISTS "bank_line_line_key" ON "bank_line" ("line_key");
CREATE INDEX IF NOT EXISTS "bank_line_invoice_id" ON "bank_line" ("invoice_id");
CREATE INDEX IF NOT EXISTS "bank_line_payment_id" ON "bank_line" ("payment_id");
