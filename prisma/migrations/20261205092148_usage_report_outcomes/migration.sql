-- AlterTable
ALTER TABLE "usage_reports" ADD COLUMN     "checked_at" TIMESTAMPTZ(3),
ADD COLUMN     "first_attempt_at" TIMESTAMPTZ(3),
ADD COLUMN     "last_attempt_at" TIMESTAMPTZ(3),
ADD COLUMN     "reject_code" TEXT,
ADD COLUMN     "resent_as" TEXT;

-- Pending reports may have been sent before attempts were timed: their creation stands for their first
-- attempt, and now for their latest, so none is resent blindly and Stripe's totals are read only once
-- they have settled.
UPDATE "usage_reports" SET "first_attempt_at" = "created_at", "last_attempt_at" = now() WHERE "status" = 'pending';
