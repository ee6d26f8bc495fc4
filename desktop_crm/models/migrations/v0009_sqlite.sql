-- Step 9 (issued papers): acts, УПД, contracts, DDT and user kinds issued with a number from their
-- kind's series, a frozen render context and stored files (document_file rows of type 'paper').
-- Frozen SQL, generated once from the models of step 9; never edit after release.
CREATE TABLE IF NOT EXISTS "issued_paper" ("id" BLOB NOT NULL PRIMARY KEY, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "deleted_at" DATETIME, "_ver" INTEGER NOT NULL, "_hlc" INTEGER NOT NULL, "kind" VARCHAR(40) NOT NULL, "deal_id" BLOB, "own_company_id" BLOB NOT NULL, "source_kind" VARCHAR(20) NOT NULL, "source_id" VARCHAR(36) NOT NULL, "number" VARCHAR(40) NOT NULL, "issue_date" DATE NOT NULL, "year" INTEGER NOT NULL, "sequence_number" INTEGER NOT NULL, "language" VARCHAR(5) NOT NULL, "frozen" TEXT NOT NULL, FOREIGN KEY ("deal_id") REFERENCES "deal" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED, FOREIGN KEY ("own_company_id") REFERENCES "own_company" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "issued_paper_deal_id" ON "issued_paper" ("deal_id");
CREATE INDEX IF NOT EXISTS "issued_paper_own_company_id" ON "issued_paper" ("own_company_id");
CREATE INDEX IF NOT EXISTS "issued_paper_own_company_id_kind_year_sequence_number" ON "issued_paper" ("own_company_id", "kind", "year", "sequence_number");
