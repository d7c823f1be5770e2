CREATE TABLE `account` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`provider_id` text NOT NULL,
	`user_id` text NOT NULL,
	`access_token` text,
	`refresh_token` text,
	`id_token` text,
	`access_token_expires_at` integer,
	`refresh_token_expires_at` integer,
	`scope` text,
	`password` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `account_userId_idx` ON `account` (`user_id`);--> statement-breakpoint
CREATE TABLE `session` (
	`id` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL,
	`token` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`updated_at` integer NOT NULL,
	`ip_address` text,
	`user_agent` text,
	`user_id` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `session_token_unique` ON `session` (`token`);--> statement-breakpoint
CREATE INDEX `session_userId_idx` ON `session` (`user_id`);--> statement-breakpoint
CREATE TABLE `user` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`email_verified` integer DEFAULT false NOT NULL,
	`image` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `user_email_unique` ON `user` (`email`);--> statement-breakpoint
CREATE TABLE `verification` (
	`id` text PRIMARY KEY NOT NULL,
	`identifier` text NOT NULL,
	`value` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `verification_identifier_idx` ON `verification` (`identifier`);--> statement-breakpoint
CREATE TABLE `workspace_members` (
	`workspace_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`workspace_id`, `user_id`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `workspace_members_user_idx` ON `workspace_members` (`user_id`);--> statement-breakpoint
CREATE TABLE `workspaces` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
-- The first workspace (FIRST_WORKSPACE_ID in server/auth/workspaces.ts): everything stored before accounts existed is its, and the owner account made on first start owns it.
INSERT INTO `workspaces` (`id`, `name`) VALUES ('6eb00794-c6fe-4e84-9f11-37b9fb431f61', 'My workspace');--> statement-breakpoint
CREATE TABLE `__new_dataset_details` (
	`dataset_id` text PRIMARY KEY NOT NULL,
	`columns` text NOT NULL,
	`stats` text NOT NULL,
	`report` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_dataset_details`("dataset_id", "columns", "stats", "report") SELECT "dataset_id", "columns", "stats", "report" FROM `dataset_details`;--> statement-breakpoint
DROP TABLE `dataset_details`;--> statement-breakpoint
ALTER TABLE `__new_dataset_details` RENAME TO `dataset_details`;--> statement-breakpoint
CREATE TABLE `__new_datasets` (
	`id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`file_name` text NOT NULL,
	`row_count` integer NOT NULL,
	`column_count` integer DEFAULT 0 NOT NULL,
	`source_bytes` integer NOT NULL,
	`stored_bytes` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
INSERT INTO `__new_datasets`("id", "workspace_id", "name", "file_name", "row_count", "column_count", "source_bytes", "stored_bytes", "created_at") SELECT "id", '6eb00794-c6fe-4e84-9f11-37b9fb431f61', "name", "file_name", "row_count", "column_count", "source_bytes", "stored_bytes", "created_at" FROM `datasets`;--> statement-breakpoint
DROP TABLE `datasets`;--> statement-breakpoint
ALTER TABLE `__new_datasets` RENAME TO `datasets`;--> statement-breakpoint
CREATE INDEX `datasets_id_idx` ON `datasets` (`id`);--> statement-breakpoint
CREATE TABLE `__new_models` (
	`id` text NOT NULL,
	`workspace_id` text NOT NULL,
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
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
INSERT INTO `__new_models`("id", "workspace_id", "port", "run_id", "graph_id", "graph_name", "node_id", "node_type", "family", "trainer", "task", "target", "input_columns", "datasets", "metrics", "created_at") SELECT "id", '6eb00794-c6fe-4e84-9f11-37b9fb431f61', "port", "run_id", "graph_id", "graph_name", "node_id", "node_type", "family", "trainer", "task", "target", "input_columns", "datasets", "metrics", "created_at" FROM `models`;--> statement-breakpoint
DROP TABLE `models`;--> statement-breakpoint
ALTER TABLE `__new_models` RENAME TO `models`;--> statement-breakpoint
CREATE INDEX `models_created_idx` ON `models` (`created_at`);--> statement-breakpoint
CREATE INDEX `models_id_idx` ON `models` (`id`);--> statement-breakpoint
ALTER TABLE `deployments` ADD `workspace_id` text NOT NULL DEFAULT '6eb00794-c6fe-4e84-9f11-37b9fb431f61';--> statement-breakpoint
CREATE INDEX `deployments_name_idx` ON `deployments` (`name`,`workspace_id`);--> statement-breakpoint
ALTER TABLE `graphs` ADD `workspace_id` text NOT NULL DEFAULT '6eb00794-c6fe-4e84-9f11-37b9fb431f61';--> statement-breakpoint
CREATE INDEX `graphs_workspace_idx` ON `graphs` (`workspace_id`,`updated_at`);--> statement-breakpoint
ALTER TABLE `runs` ADD `workspace_id` text NOT NULL DEFAULT '6eb00794-c6fe-4e84-9f11-37b9fb431f61';