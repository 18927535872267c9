-- CreateTable
CREATE TABLE "quota_counters" (
    "customer_id" UUID NOT NULL,
    "meter" TEXT NOT NULL,
    "period_start" TIMESTAMPTZ(3) NOT NULL,
    "units" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "quota_counters_pkey" PRIMARY KEY ("customer_id","meter","period_start")
);

-- CreateTable
CREATE TABLE "usage_reports" (
    "identifier" TEXT NOT NULL,
    "customer_id" UUID NOT NULL,
    "meter" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "value" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "usage_reports_pkey" PRIMARY KEY ("identifier")
);

-- CreateIndex
CREATE INDEX "usage_reports_status_created_at_idx" ON "usage_reports"("status", "created_at");

-- CreateIndex
CREATE INDEX "usage_reports_customer_id_meter_window_start_idx" ON "usage_reports"("customer_id", "meter", "window_start");

-- AddForeignKey
ALTER TABLE "quota_counters" ADD CONSTRAINT "quota_counters_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "usage_reports" ADD CONSTRAINT "usage_reports_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;
