CREATE TABLE `deployments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`artifact_key` text NOT NULL,
	`run_id` text NOT NULL,
	`node_id` text NOT NULL,
	`graph_id` text,
	`metrics` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deployments_name_version` ON `deployments` (`name`,`version`);--> statement-breakpoint
CREATE TABLE `graphs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`document` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `run_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` text NOT NULL,
	`node_id` text,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `run_events_run_idx` ON `run_events` (`run_id`,`id`);--> statement-breakpoint
CREATE TABLE `run_steps` (
	`run_id` text NOT NULL,
	`node_id` text NOT NULL,
	`node_type` text NOT NULL,
	`status` text NOT NULL,
	`cache_key` text NOT NULL,
	`progress` real DEFAULT 0 NOT NULL,
	`message` text,
	`error` text,
	`error_details` text,
	`metrics` text,
	`started_at` integer,
	`finished_at` integer,
	PRIMARY KEY(`run_id`, `node_id`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`graph_id` text,
	`document` text NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`backend` text,
	`owner_pid` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`started_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `runs_graph_idx` ON `runs` (`graph_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `step_cache` (
	`cache_key` text PRIMARY KEY NOT NULL,
	`node_type` text NOT NULL,
	`metrics` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
