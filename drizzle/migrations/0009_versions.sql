CREATE TABLE `graph_revisions` (
	`graph_id` text NOT NULL,
	`revision` integer NOT NULL,
	`document` text NOT NULL,
	`author_id` text,
	PRIMARY KEY(`graph_id`, `revision`),
	FOREIGN KEY (`graph_id`) REFERENCES `graphs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `graph_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`graph_id` text NOT NULL,
	`number` integer NOT NULL,
	`document` text NOT NULL,
	`author_id` text,
	`name` text,
	`sealed` integer DEFAULT false NOT NULL,
	`summary` text NOT NULL,
	`revision` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`saved_at` integer NOT NULL,
	FOREIGN KEY (`graph_id`) REFERENCES `graphs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `graph_versions_number` ON `graph_versions` (`graph_id`,`number`);--> statement-breakpoint
ALTER TABLE `graphs` ADD `revision` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `graphs` ADD `deleted_at` integer;--> statement-breakpoint
ALTER TABLE `graphs` ADD `deleted_by` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `version_id` integer;--> statement-breakpoint
ALTER TABLE `share_links` ADD `carries` text;--> statement-breakpoint
-- Every pipeline saved before versions existed starts its history with what it is now.
INSERT INTO `graph_versions` (`graph_id`, `number`, `document`, `author_id`, `name`, `summary`, `sealed`, `revision`, `created_at`, `saved_at`)
  SELECT `id`, 1, `document`, NULL, NULL, 'as it was when versions began', 1, 0, `updated_at`, `updated_at` FROM `graphs`;
--> statement-breakpoint
INSERT INTO `graph_revisions` (`graph_id`, `revision`, `document`, `author_id`) SELECT `id`, 0, `document`, NULL FROM `graphs`;
