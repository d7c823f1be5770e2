CREATE TABLE `models` (
	`id` text PRIMARY KEY NOT NULL,
	`port` text NOT NULL,
	`run_id` text NOT NULL,
	`graph_id` text,
	`graph_name` text NOT NULL,
	`node_id` text NOT NULL,
	`node_type` text NOT NULL,
	`family` text NOT NULL,
	`trainer` text NOT NULL,
	`task` text NOT NULL,
	`target` text NOT NULL,
	`input_columns` text NOT NULL,
	`datasets` text NOT NULL,
	`metrics` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `models_created_idx` ON `models` (`created_at`);