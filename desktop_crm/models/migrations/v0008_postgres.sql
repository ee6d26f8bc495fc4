-- Step 8 (documents for every client and seller): a deal's seller (own company) and what a
-- private client's country needs on a document (codice fiscale, personal ИНН, address), and the
-- invoice a credit note (nota di credito, FatturaPA TD04) credits.
-- Frozen SQL, generated once from the models of step 8; never edit after release.
ALTER TABLE "deal" ADD COLUMN "own_company_id" UUID REFERENCES "own_company" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "contact" ADD COLUMN "country" VARCHAR(2) NOT NULL DEFAULT '';
ALTER TABLE "contact" ADD COLUMN "fiscal_code" VARCHAR(16) NOT NULL DEFAULT '';
ALTER TABLE "contact" ADD COLUMN "inn" VARCHAR(12) NOT NULL DEFAULT '';
ALTER TABLE "contact" ADD COLUMN "address" TEXT NOT NULL DEFAULT '';
ALTER TABLE "contact" ADD COLUMN "postal_code" VARCHAR(10) NOT NULL DEFAULT '';
ALTER TABLE "contact" ADD COLUMN "city" VARCHAR(100) NOT NULL DEFAULT '';
ALTER TABLE "contact" ADD COLUMN "province" VARCHAR(2) NOT NULL DEFAULT '';
ALTER TABLE "invoice" ADD COLUMN "credit_for_id" UUID REFERENCES "invoice" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED;
