-- Schema step 5 (sqlite): indexes of the list views and the analytics reports. Frozen.
CREATE INDEX IF NOT EXISTS "company_short_name_deleted_at" ON "company" ("short_name", "deleted_at") WHERE ("deleted_at" IS NULL);
CREATE INDEX IF NOT EXISTS "contact_last_name_first_name_deleted_at" ON "contact" ("last_name", "first_name", "deleted_at") WHERE ("deleted_at" IS NULL);
CREATE INDEX IF NOT EXISTS "lead_created_at" ON "lead" ("created_at") WHERE ("deleted_at" IS NULL);
CREATE INDEX IF NOT EXISTS "deal_correct_last_interaction_at" ON "deal" ("correct", "last_interaction_at") WHERE ("deleted_at" IS NULL);
CREATE INDEX IF NOT EXISTS "deal_amount" ON "deal" ("amount") WHERE ("deleted_at" IS NULL);
CREATE INDEX IF NOT EXISTS "deal_expected_close_date" ON "deal" ("expected_close_date") WHERE ("deleted_at" IS NULL);
CREATE INDEX IF NOT EXISTS "deal_responsible_id_created_at" ON "deal" ("responsible_id", "created_at") WHERE ("deleted_at" IS NULL);
CREATE INDEX IF NOT EXISTS "deal_stage_id_created_at" ON "deal" ("stage_id", "created_at") WHERE ("deleted_at" IS NULL);
CREATE INDEX IF NOT EXISTS "deal_stage_id_currency_amount_deleted_at" ON "deal" ("stage_id", "currency", "amount", "deleted_at") WHERE ("deleted_at" IS NULL);
CREATE INDEX IF NOT EXISTS "deal_analytics_created" ON "deal" ("pipeline_id", "created_at", "stage_id", "currency", "amount", "id", "deleted_at") WHERE ("deleted_at" IS NULL);
CREATE INDEX IF NOT EXISTS "deal_analytics_closed" ON "deal" ("pipeline_id", "stage_id", "responsible_id", "lost_reason", "currency", "product_group_id", "closed_at", "amount", "deleted_at") WHERE "deleted_at" IS NULL AND "closed_at" IS NOT NULL;
CREATE INDEX IF NOT EXISTS "deal_analytics_open" ON "deal" ("pipeline_id", "responsible_id", "correct", "last_interaction_at", "expected_close_date", "stage_id", "currency", "amount", "closed_at", "deleted_at") WHERE "deleted_at" IS NULL AND "closed_at" IS NULL;
CREATE INDEX IF NOT EXISTS "deal_deleted_id" ON "deal" ("id") WHERE ("deleted_at" IS NOT NULL);
CREATE INDEX IF NOT EXISTS "activity_kind_due_at" ON "activity" ("kind", "due_at") WHERE ("deleted_at" IS NULL);
CREATE INDEX IF NOT EXISTS "stage_change_history_covering" ON "stage_change" ("deal_id", "changed_at", "from_stage_id", "to_stage_id", "deleted_at");
CREATE INDEX IF NOT EXISTS "stage_change_analytics_stays" ON "stage_change" ("from_stage_id", "seconds_in_previous", "changed_at", "deal_id", "deleted_at") WHERE ("deleted_at" IS NULL);
CREATE INDEX IF NOT EXISTS "quote_issue_date" ON "quote" ("issue_date") WHERE ("deleted_at" IS NULL);
CREATE INDEX IF NOT EXISTS "invoice_issue_date" ON "invoice" ("issue_date") WHERE ("deleted_at" IS NULL);
