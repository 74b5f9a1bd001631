ALTER TABLE "actions" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "secoda_api" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "org_api" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "plan_run" integer;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "undo_of" integer;