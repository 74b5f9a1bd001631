CREATE TABLE "alert_state" (
	"id" text PRIMARY KEY NOT NULL,
	"condition" text NOT NULL,
	"cause" text,
	"since" timestamp with time zone NOT NULL,
	"since_run" integer,
	"last_posted_at" timestamp with time zone,
	"last_run" integer,
	"runs" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "missing_members" (
	"key" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"since" timestamp with time zone NOT NULL,
	"since_run" integer NOT NULL,
	"last_run" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pauses" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pauses_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"scope" text DEFAULT 'sync' NOT NULL,
	"reason" text NOT NULL,
	"paused_by" text NOT NULL,
	"paused_at" timestamp with time zone NOT NULL,
	"resumed_by" text,
	"resumed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "due_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "pauses_open_idx" ON "pauses" USING btree ("scope") WHERE "pauses"."resumed_at" is null;