CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" jsonb NOT NULL,
	"action" text NOT NULL,
	"tenant_id" uuid,
	"target" text,
	"outcome" text NOT NULL,
	"correlation_id" text,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "email_tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"tenant_id" uuid NOT NULL,
	"purpose" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_lifecycle_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"event" text NOT NULL,
	"from_state" text,
	"to_state" text NOT NULL,
	"actor" jsonb NOT NULL,
	"cause" text,
	"correlation_id" text,
	"details" jsonb,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisioning_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"goal" text NOT NULL,
	"status" text NOT NULL,
	"correlation_id" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"spec_version" integer NOT NULL,
	"error" text,
	"enqueued_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "provisioning_runs_goal_check" CHECK (goal in ('provision', 'update', 'suspend', 'resume', 'offboard', 'resync')),
	CONSTRAINT "provisioning_runs_status_check" CHECK (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "provisioning_steps" (
	"run_id" uuid NOT NULL,
	"step" text NOT NULL,
	"position" integer NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"duration_ms" integer,
	"error" text,
	"output" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provisioning_steps_run_id_step_pk" PRIMARY KEY("run_id","step"),
	CONSTRAINT "provisioning_steps_status_check" CHECK (status in ('pending', 'running', 'retrying', 'succeeded', 'failed', 'skipped'))
);
--> statement-breakpoint
CREATE TABLE "stripe_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"livemode" boolean NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deliveries" integer DEFAULT 1 NOT NULL,
	"processed_at" timestamp with time zone,
	"outcome" text,
	"tenant_id" uuid,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" uuid PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"display_name" text NOT NULL,
	"state" text NOT NULL,
	"spec" jsonb NOT NULL,
	"spec_version" integer DEFAULT 1 NOT NULL,
	"admin_email" text NOT NULL,
	"admin_email_hash" text NOT NULL,
	"correlation_id" text NOT NULL,
	"billing_mode" text NOT NULL,
	"stripe_customer_id" text,
	"stripe_subscription_id" text,
	"stripe_checkout_session_id" text,
	"subscription_event_at" timestamp with time zone,
	"payment_event_at" timestamp with time zone,
	"past_due_since" timestamp with time zone,
	"grace_until" timestamp with time zone,
	"suspension_reason" text,
	"offboard_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenants_state_check" CHECK (state in ('pending_verification', 'pending_payment', 'provisioning', 'active', 'suspended', 'failed', 'offboarding', 'deleted'))
);
--> statement-breakpoint
ALTER TABLE "email_tokens" ADD CONSTRAINT "email_tokens_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_lifecycle_events" ADD CONSTRAINT "tenant_lifecycle_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning_runs" ADD CONSTRAINT "provisioning_runs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning_steps" ADD CONSTRAINT "provisioning_steps_run_id_provisioning_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "provisioning_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_tenant_idx" ON "audit_log" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "email_tokens_hash_key" ON "email_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "email_tokens_tenant_idx" ON "email_tokens" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "tenant_lifecycle_events_tenant_idx" ON "tenant_lifecycle_events" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "provisioning_runs_idempotency_key" ON "provisioning_runs" USING btree ("tenant_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "provisioning_runs_tenant_idx" ON "provisioning_runs" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "provisioning_runs_unenqueued_idx" ON "provisioning_runs" USING btree ("created_at") WHERE enqueued_at is null;--> statement-breakpoint
CREATE INDEX "stripe_events_tenant_idx" ON "stripe_events" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "stripe_events_unprocessed_idx" ON "stripe_events" USING btree ("received_at") WHERE processed_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "tenants_state_idx" ON "tenants" USING btree ("state");--> statement-breakpoint
CREATE INDEX "tenants_admin_email_hash_idx" ON "tenants" USING btree ("admin_email_hash");--> statement-breakpoint
CREATE INDEX "tenants_stripe_subscription_idx" ON "tenants" USING btree ("stripe_subscription_id");--> statement-breakpoint
CREATE INDEX "tenants_stripe_customer_idx" ON "tenants" USING btree ("stripe_customer_id");