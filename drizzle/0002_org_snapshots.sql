CREATE TABLE "org_members" (
	"row_id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "org_members_row_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"id" text NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"roles" text[] NOT NULL,
	"copy" integer DEFAULT 0 NOT NULL,
	"from_version" integer NOT NULL,
	"to_version" integer
);
--> statement-breakpoint
CREATE TABLE "org_snapshots" (
	"version" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "org_snapshots_version_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"hash" text,
	"users" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "org_snapshot" integer;--> statement-breakpoint
-- Hand-written (not drizzle-kit): the per-run copies in org_users become versions, one per run
-- that has any (version = the run's id), and each record one row per unbroken stretch of
-- versions it was in. Reads of every run's snapshot stay the same, except the order (by record).
INSERT INTO "org_snapshots" ("version", "hash", "users", "created_at") OVERRIDING SYSTEM VALUE
SELECT u."run_id", NULL, count(*)::int, min(r."started_at")
FROM "org_users" u JOIN "runs" r ON r."id" = u."run_id"
GROUP BY u."run_id";--> statement-breakpoint
SELECT setval(pg_get_serial_sequence('org_snapshots', 'version'), coalesce((SELECT max("version") FROM "org_snapshots"), 0) + 1, false);--> statement-breakpoint
UPDATE "runs" SET "org_snapshot" = "id" WHERE "id" IN (SELECT "version" FROM "org_snapshots");--> statement-breakpoint
INSERT INTO "org_members" ("id", "email", "name", "roles", "copy", "from_version", "to_version")
WITH v AS (
	SELECT "version", row_number() OVER (ORDER BY "version") AS k FROM "org_snapshots"
), r AS (
	SELECT u."id", u."email", u."name", u."roles",
		(row_number() OVER (PARTITION BY u."run_id", u."id", u."email", u."name", u."roles" ORDER BY u."position") - 1)::int AS "copy",
		v."version", v.k
	FROM "org_users" u JOIN v ON v."version" = u."run_id"
), islands AS (
	SELECT *, k - row_number() OVER (PARTITION BY "id", "email", "name", "roles", "copy" ORDER BY k) AS island FROM r
), spans AS (
	SELECT "id", "email", "name", "roles", "copy", min("version") AS from_version, max(k) AS last_k
	FROM islands GROUP BY "id", "email", "name", "roles", "copy", island
)
SELECT s."id", s."email", s."name", s."roles", s."copy", s.from_version, nxt."version"
FROM spans s LEFT JOIN v nxt ON nxt.k = s.last_k + 1;--> statement-breakpoint
ALTER TABLE "org_users" DISABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP TABLE "org_users" CASCADE;--> statement-breakpoint
CREATE INDEX "org_members_versions_idx" ON "org_members" USING btree ("from_version","to_version");--> statement-breakpoint
CREATE INDEX "org_snapshots_hash_idx" ON "org_snapshots" USING btree ("hash");--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_org_snapshot_org_snapshots_version_fk" FOREIGN KEY ("org_snapshot") REFERENCES "public"."org_snapshots"("version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "runs_org_snapshot_idx" ON "runs" USING btree ("org_snapshot");
