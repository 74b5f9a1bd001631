CREATE TABLE "group_sends" (
	"group_id" text NOT NULL,
	"member_id" text NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "group_sends_group_id_member_id_pk" PRIMARY KEY("group_id","member_id")
);
--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "detail" jsonb;