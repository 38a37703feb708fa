-- Live status pages are pushed, not polled: every write that can change what a tenant's status page
-- shows (the tenant row, its provisioning runs and steps) notifies channel cw_tenant_status with
-- "<schema>:<tenant id>". One LISTEN connection per process fans the notification out to the open
-- streams of that tenant (libs/db status-feed.ts).
CREATE OR REPLACE FUNCTION cw_notify_tenant_status() RETURNS trigger AS $$
DECLARE
  row_data record;
  tenant uuid;
BEGIN
  IF TG_OP = 'DELETE' THEN row_data := OLD; ELSE row_data := NEW; END IF;
  IF TG_TABLE_NAME = 'tenants' THEN
    tenant := row_data.id;
  ELSIF TG_TABLE_NAME = 'provisioning_runs' THEN
    tenant := row_data.tenant_id;
  ELSE
    SELECT r.tenant_id INTO tenant FROM provisioning_runs r WHERE r.id = row_data.run_id;
  END IF;
  IF tenant IS NOT NULL THEN
    PERFORM pg_notify('cw_tenant_status', TG_TABLE_SCHEMA || ':' || tenant::text);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;--> statement-breakpoint
CREATE TRIGGER "tenants_status_notify" AFTER INSERT OR UPDATE OR DELETE ON "tenants" FOR EACH ROW EXECUTE FUNCTION cw_notify_tenant_status();--> statement-breakpoint
CREATE TRIGGER "provisioning_runs_status_notify" AFTER INSERT OR UPDATE ON "provisioning_runs" FOR EACH ROW EXECUTE FUNCTION cw_notify_tenant_status();--> statement-breakpoint
CREATE TRIGGER "provisioning_steps_status_notify" AFTER INSERT OR UPDATE ON "provisioning_steps" FOR EACH ROW EXECUTE FUNCTION cw_notify_tenant_status();
