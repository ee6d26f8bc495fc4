-- Step 4 (documents): print texts, toggles and the frozen render context of quotes and invoices,
-- line descriptions and FatturaPA natura codes, clients' SDI code and PEC.
-- Frozen SQL, generated once from the models of step 4; never edit after release.
ALTER TABLE "quote" ADD COLUMN "subject" TEXT;
ALTER TABLE "quote" ADD COLUMN "intro" TEXT;
ALTER TABLE "quote" ADD COLUMN "basis" VARCHAR(300);
ALTER TABLE "quote" ADD COLUMN "terms" TEXT;
ALTER TABLE "quote" ADD COLUMN "print_options" TEXT;
ALTER TABLE "quote" ADD COLUMN "frozen" TEXT;
ALTER TABLE "invoice" ADD COLUMN "subject" TEXT;
ALTER TABLE "invoice" ADD COLUMN "intro" TEXT;
ALTER TABLE "invoice" ADD COLUMN "basis" VARCHAR(300);
ALTER TABLE "invoice" ADD COLUMN "terms" TEXT;
ALTER TABLE "invoice" ADD COLUMN "print_options" TEXT;
ALTER TABLE "invoice" ADD COLUMN "frozen" TEXT;
ALTER TABLE "invoice" ADD COLUMN "cancelled_at" DATETIME;
ALTER TABLE "quote_line" ADD COLUMN "description" TEXT;
ALTER TABLE "quote_line" ADD COLUMN "natura" VARCHAR(5);
ALTER TABLE "invoice_line" ADD COLUMN "description" TEXT;
ALTER TABLE "invoice_line" ADD COLUMN "natura" VARCHAR(5);
ALTER TABLE "company" ADD COLUMN "sdi_code" VARCHAR(7);
ALTER TABLE "company" ADD COLUMN "pec" VARCHAR(254);
