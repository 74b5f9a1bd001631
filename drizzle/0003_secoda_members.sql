ALTER TABLE "secoda_users" RENAME COLUMN "first_name" TO "name";--> statement-breakpoint
ALTER TABLE "secoda_users" RENAME COLUMN "is_service_account" TO "service_account";--> statement-breakpoint
-- The snapshot keeps members' display names ("First Last"), as the sync compares them.
UPDATE "secoda_users" SET "name" = btrim("name" || ' ' || "last_name");--> statement-breakpoint
ALTER TABLE "secoda_users" DROP COLUMN "last_name";
