CREATE TABLE `datasets` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`file_name` text NOT NULL,
	`row_count` integer NOT NULL,
	`columns` text NOT NULL,
	`stats` text NOT NULL,
	`report` text NOT NULL,
	`source_bytes` integer NOT NULL,
	`stored_bytes` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
