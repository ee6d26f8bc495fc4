-- Step 10 (issued papers offline and cancelled): the device series a paper was numbered in (so two
-- offline devices never take the same number; the server checks each series is gapless), and its
-- cancellation (when, by whom, why; the number is never reused and the frozen files stay).
-- Frozen SQL, generated once from the models of step 10; never edit after release.
ALTER TABLE "issued_paper" ADD COLUMN "series" VARCHAR(10) NOT NULL DEFAULT '';
ALTER TABLE "issued_paper" ADD COLUMN "cancelled_at" DATETIME;
ALTER TABLE "issued_paper" ADD COLUMN "cancelled_by_id" BLOB REFERENCES "user" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "issued_paper" ADD COLUMN "cancel_reason" TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS "issued_paper_cancelled_by_id" ON "issued_paper" ("cancelled_by_id");
