-- Step 14 (receiving mail, Italy): a mail account may be a PEC mailbox (posta elettronica
-- certificata), the one an Italian invoice's FatturaPA goes to SDI from. Received mail, its folder
-- bookkeeping and SDI's receipts need no table of their own (mail_message, a per-user setting and
-- timeline entries).
-- Frozen SQL, generated once from the models of step 14; never edit after release.
ALTER TABLE "mail_account" ADD COLUMN "pec" BOOLEAN NOT NULL DEFAULT FALSE;
