DROP INDEX "tenants_slug_key";--> statement-breakpoint
ALTER TABLE "tenants" ALTER COLUMN "admin_email" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "slug_released_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "tenants_released_slug_idx" ON "tenants" USING btree ("slug") WHERE slug_released_at is not null;--> statement-breakpoint
CREATE INDEX "tenants_signup_pending_idx" ON "tenants" USING btree ("updated_at","id") WHERE state in ('pending_verification', 'pending_payment');--> statement-breakpoint
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants" USING btree ("slug") WHERE slug_released_at is null;--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_admin_email_check" CHECK (admin_email is not null or state = 'deleted');--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_slug_released_check" CHECK (slug_released_at is null or state = 'deleted');