ALTER TABLE `datasets` DROP COLUMN `columns`;--> statement-breakpoint
ALTER TABLE `datasets` DROP COLUMN `stats`;--> statement-breakpoint
ALTER TABLE `datasets` DROP COLUMN `report`;