CREATE TABLE `dataset_details` (
	`dataset_id` text PRIMARY KEY NOT NULL,
	`columns` text NOT NULL,
	`stats` text NOT NULL,
	`report` text NOT NULL,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `datasets` ADD `column_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `cancel_requested_at` integer;--> statement-breakpoint
INSERT INTO `dataset_details` (`dataset_id`, `columns`, `stats`, `report`) SELECT `id`, `columns`, `stats`, `report` FROM `datasets`;--> statement-breakpoint
UPDATE `datasets` SET `column_count` = json_array_length(`columns`);
